#include "runtime/cli.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace rankflow {
namespace {

// False when `text` is not a whole decimal integer; *overflow (if given) tells an integer too big
// for int64 apart from text that is no integer at all.
bool ParseInt64(const std::string& text, int64_t* out, bool* overflow = nullptr) {
  if (overflow != nullptr) *overflow = false;
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size()) return false;
  if (errno != 0) {
    if (overflow != nullptr) *overflow = errno == ERANGE;
    return false;
  }
  *out = v;
  return true;
}

bool ParseDouble(const std::string& text, double* out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

bool ParseBoolText(const std::string& text, bool* out) {
  if (text == "true" || text == "1" || text == "yes") {
    *out = true;
    return true;
  }
  if (text == "false" || text == "0" || text == "no") {
    *out = false;
    return true;
  }
  return false;
}

std::string FormatDouble(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

const char* TypeName(int type) {
  switch (type) {
    case 1:
      return "int";
    case 2:
      return "number";
    case 3:
      return "bool";
    default:
      return "string";
  }
}

}  // namespace

FlagSet::FlagSet(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

void FlagSet::Declare(Flag flag) {
  RF_CHECK_MSG(index_.find(flag.name) == index_.end(), "flag declared twice: --" + flag.name);
  flag.default_text = flag.value;
  index_.emplace(flag.name, flags_.size());
  flags_.push_back(std::move(flag));
}

void FlagSet::AddString(const std::string& name, const std::string& default_value,
                        const std::string& help, unsigned attributes) {
  Declare(Flag{name, Type::kString, default_value, "", help, attributes, false});
}

void FlagSet::AddInt(const std::string& name, int64_t default_value, const std::string& help,
                     unsigned attributes) {
  Declare(Flag{name, Type::kInt, std::to_string(default_value), "", help, attributes, false});
}

void FlagSet::AddInt(const std::string& name, int64_t default_value, int64_t min_value,
                     int64_t max_value, const std::string& help, unsigned attributes) {
  RF_CHECK_MSG(min_value <= default_value && default_value <= max_value,
               "default of --" + name + " outside its range");
  Flag flag{name, Type::kInt, std::to_string(default_value), "", help, attributes, false};
  flag.min_int = min_value;
  flag.max_int = max_value;
  flag.ranged = true;
  Declare(std::move(flag));
}

void FlagSet::AddDouble(const std::string& name, double default_value, const std::string& help,
                        unsigned attributes) {
  Declare(Flag{name, Type::kDouble, FormatDouble(default_value), "", help, attributes, false});
}

void FlagSet::AddBool(const std::string& name, bool default_value, const std::string& help) {
  Declare(Flag{name, Type::kBool, default_value ? "true" : "false", "", help, kNone, false});
}

std::string FlagSet::RangeText(const Flag& flag) {
  return std::to_string(flag.min_int) + " to " + std::to_string(flag.max_int);
}

Status FlagSet::Error(const std::string& message) const {
  return Status::InvalidArgument(program_ + ": " + message);
}

Status FlagSet::SetValue(Flag* flag, const std::string& text) {
  switch (flag->type) {
    case Type::kString:
      flag->value = text;
      break;
    case Type::kInt: {
      int64_t v = 0;
      bool overflow = false;
      if (!ParseInt64(text, &v, &overflow) && !overflow) {
        return Error("--" + flag->name + ": not an integer: " + text);
      }
      if (overflow || v < flag->min_int || v > flag->max_int) {
        return Error("--" + flag->name + ": out of range: " + text + " (expected " +
                     RangeText(*flag) + ")");
      }
      flag->value = std::to_string(v);
      break;
    }
    case Type::kDouble: {
      double v = 0;
      if (!ParseDouble(text, &v)) return Error("--" + flag->name + ": not a number: " + text);
      flag->value = FormatDouble(v);
      break;
    }
    case Type::kBool: {
      bool v = false;
      if (!ParseBoolText(text, &v)) {
        return Error("--" + flag->name + ": not true or false: " + text);
      }
      flag->value = v ? "true" : "false";
      break;
    }
  }
  flag->set = true;
  return Status::OK();
}

Status FlagSet::Parse(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return Parse(args);
}

Status FlagSet::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      return Error("unexpected argument " + arg + " (see --help)");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      has_value = true;
    }
    auto it = index_.find(name);
    if (it == index_.end()) return Error("unknown flag --" + name + " (see --help)");
    Flag& flag = flags_[it->second];
    if (!has_value && flag.type == Type::kBool) {
      value = "true";
      has_value = true;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Error("--" + name + " needs a value (see --help)");
      value = args[++i];
    }
    RF_RETURN_IF_ERROR(SetValue(&flag, value));
  }
  if (help_requested_) return Status::OK();
  for (const Flag& flag : flags_) {
    if ((flag.attributes & kRequired) && !flag.set) {
      return Error("missing required flag --" + flag.name + " (see --help)");
    }
  }
  return Status::OK();
}

std::string FlagSet::Help() const {
  std::string out = "usage: " + program_ + " [flags]\n";
  if (!summary_.empty()) out += summary_ + "\n";
  out += "\nflags:\n";
  for (const Flag& flag : flags_) {
    std::string left = "  --" + flag.name;
    if (flag.type != Type::kBool)
      left += " <" + std::string(TypeName(static_cast<int>(flag.type))) + ">";
    if (left.size() < 28)
      left.resize(28, ' ');
    else
      left += "  ";
    out += left + flag.help;
    if (flag.attributes & kRequired) {
      out += " (required)";
    } else if (!flag.default_text.empty() && !(flag.attributes & kSecret)) {
      out += " (default: " + flag.default_text;
      if (flag.ranged) out += "; " + RangeText(flag);
      out += ")";
    }
    out += "\n";
  }
  out += "  --help                    print this text\n";
  return out;
}

const FlagSet::Flag& FlagSet::Find(const std::string& name, Type type) const {
  auto it = index_.find(name);
  RF_CHECK_MSG(it != index_.end(), "undeclared flag --" + name);
  const Flag& flag = flags_[it->second];
  RF_CHECK_MSG(flag.type == type, "flag --" + name + " read with the wrong type");
  return flag;
}

std::string FlagSet::GetString(const std::string& name) const {
  return Find(name, Type::kString).value;
}

int64_t FlagSet::GetInt(const std::string& name) const {
  int64_t v = 0;
  RF_CHECK(ParseInt64(Find(name, Type::kInt).value, &v));
  return v;
}

double FlagSet::GetDouble(const std::string& name) const {
  double v = 0;
  RF_CHECK(ParseDouble(Find(name, Type::kDouble).value, &v));
  return v;
}

bool FlagSet::GetBool(const std::string& name) const {
  return Find(name, Type::kBool).value == "true";
}

bool FlagSet::IsSet(const std::string& name) const {
  auto it = index_.find(name);
  RF_CHECK_MSG(it != index_.end(), "undeclared flag --" + name);
  return flags_[it->second].set;
}

std::vector<std::pair<std::string, std::string>> FlagSet::Arguments() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Flag& flag : flags_) {
    if (flag.attributes & kSecret) continue;
    out.emplace_back(flag.name, flag.value);
  }
  return out;
}

}  // namespace rankflow
