// FlagSet: a tiny command-line flag parser shared by every job.
//
//   FlagSet flags("top_terms", "counts hashtags or words of a tweet archive");
//   flags.AddString("src", "", "input folder or s3://bucket/prefix", FlagSet::kRequired);
//   flags.AddInt("top", 20, "terms to print");
//   flags.AddBool("strict", false, "fail on the first bad line");
//   Status s = flags.Parse(argc, argv);      // "--name value" and "--name=value"
//   if (flags.help_requested()) print flags.Help();
//   int64_t top = flags.GetInt("top");
//
// Values are type-checked by Parse, so the getters cannot fail; asking for an undeclared flag or
// for a flag under the wrong type is a bug (RF_CHECK). Boolean flags take no value ("--strict") or
// an explicit one ("--strict=false"). Parse errors are one line that starts with the program name:
// "top_terms: unknown flag --foo (see --help)". Flags marked kSecret never appear in Arguments().
// Not thread-safe; no I/O.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

class FlagSet {
 public:
  enum Attribute : unsigned { kNone = 0, kRequired = 1, kSecret = 2 };

  FlagSet(std::string program, std::string summary);

  // Declares a flag. Names are given without the leading "--". Declaring a name twice is a bug.
  void AddString(const std::string& name, const std::string& default_value, const std::string& help,
                 unsigned attributes = kNone);
  void AddInt(const std::string& name, int64_t default_value, const std::string& help,
              unsigned attributes = kNone);
  // An int flag whose value must lie in [min_value, max_value]: anything else, an integer too big
  // for int64 included, is a parse error "prog: --memory-mb: out of range: 0 (expected 1 to
  // 1048576)". Size flags use it so that a later conversion (MB to bytes) cannot wrap.
  void AddInt(const std::string& name, int64_t default_value, int64_t min_value, int64_t max_value,
              const std::string& help, unsigned attributes = kNone);
  void AddDouble(const std::string& name, double default_value, const std::string& help,
                 unsigned attributes = kNone);
  void AddBool(const std::string& name, bool default_value, const std::string& help);

  // Parses argv[1..argc). "--help"/"-h" sets help_requested() and skips the required-flag check.
  // InvalidArgument on an unknown flag, a missing value, a value of the wrong type or out of its
  // range, a positional argument, or a missing required flag.
  Status Parse(int argc, const char* const* argv);
  Status Parse(const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  // "usage: <program> [flags]", the summary, then one line per flag with type, default (and range)
  // and help.
  std::string Help() const;

  std::string GetString(const std::string& name) const;
  int64_t GetInt(const std::string& name) const;
  double GetDouble(const std::string& name) const;
  bool GetBool(const std::string& name) const;
  // True if the flag was given on the command line (not just defaulted).
  bool IsSet(const std::string& name) const;

  // Every declared, non-secret flag with its effective value, in declaration order (for manifests).
  std::vector<std::pair<std::string, std::string>> Arguments() const;
  const std::string& program() const { return program_; }

 private:
  enum class Type { kString, kInt, kDouble, kBool };
  struct Flag {
    std::string name;
    Type type = Type::kString;
    std::string value;  // canonical text of the current value
    std::string default_text;
    std::string help;
    unsigned attributes = kNone;
    bool set = false;
    bool ranged = false;  // kInt with a declared range
    int64_t min_int = std::numeric_limits<int64_t>::min();
    int64_t max_int = std::numeric_limits<int64_t>::max();
  };
  static std::string RangeText(const Flag& flag);
  void Declare(Flag flag);
  const Flag& Find(const std::string& name, Type type) const;
  Status SetValue(Flag* flag, const std::string& text);
  Status Error(const std::string& message) const;

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
  std::map<std::string, size_t, std::less<>> index_;
  bool help_requested_ = false;
};

}  // namespace rankflow
