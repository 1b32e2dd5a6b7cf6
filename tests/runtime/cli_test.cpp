#include "runtime/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace rankflow {
namespace {

FlagSet MakeFlags() {
  FlagSet flags("top_terms", "counts terms");
  flags.AddString("src", "", "input folder", FlagSet::kRequired);
  flags.AddString("what", "hashtags", "hashtags or words");
  flags.AddInt("top", 20, "terms to print");
  flags.AddDouble("share", 0.5, "a share");
  flags.AddBool("strict", false, "fail on the first bad line");
  flags.AddString("token", "", "a secret", FlagSet::kSecret);
  return flags;
}

TEST(FlagSetTest, ParsesBothSpellingsAndDefaults) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"--src", "/data", "--top=5", "--share", "0.25", "--strict"}).ok());
  EXPECT_EQ(flags.GetString("src"), "/data");
  EXPECT_EQ(flags.GetInt("top"), 5);
  EXPECT_DOUBLE_EQ(flags.GetDouble("share"), 0.25);
  EXPECT_TRUE(flags.GetBool("strict"));
  EXPECT_EQ(flags.GetString("what"), "hashtags");
  EXPECT_TRUE(flags.IsSet("top"));
  EXPECT_FALSE(flags.IsSet("what"));
}

TEST(FlagSetTest, ValueMayStartWithDashesOrHoldEquals) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"--src=a=b", "--what", "--x"}).ok());
  EXPECT_EQ(flags.GetString("src"), "a=b");
  EXPECT_EQ(flags.GetString("what"), "--x");
}

TEST(FlagSetTest, BoolTakesExplicitValue) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"--src", "x", "--strict=false"}).ok());
  EXPECT_FALSE(flags.GetBool("strict"));
  FlagSet bad = MakeFlags();
  EXPECT_EQ(bad.Parse({"--src", "x", "--strict=maybe"}).message(),
            "top_terms: --strict: not true or false: maybe");
}

TEST(FlagSetTest, UnknownFlagIsOneLineError) {
  FlagSet flags = MakeFlags();
  Status s = flags.Parse({"--src", "x", "--foo", "1"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "top_terms: unknown flag --foo (see --help)");
}

TEST(FlagSetTest, TypeErrorsNameFlagAndValue) {
  FlagSet flags = MakeFlags();
  EXPECT_EQ(flags.Parse({"--src", "x", "--top", "ten"}).message(),
            "top_terms: --top: not an integer: ten");
  FlagSet f2 = MakeFlags();
  EXPECT_EQ(f2.Parse({"--src", "x", "--share=1e999"}).message(),
            "top_terms: --share: not a number: 1e999");
  FlagSet f3 = MakeFlags();
  EXPECT_EQ(f3.Parse({"--src", "x", "--top"}).message(),
            "top_terms: --top needs a value (see --help)");
  FlagSet f4 = MakeFlags();
  EXPECT_EQ(f4.Parse({"--src", "x", "stray"}).message(),
            "top_terms: unexpected argument stray (see --help)");
}

TEST(FlagSetTest, RangedIntsRefuseValuesOutsideTheirRangeAndInt64Overflow) {
  auto make = [] {
    FlagSet flags("top_terms", "counts terms");
    flags.AddInt("memory-mb", 256, 1, 1048576, "memory budget");
    return flags;
  };
  for (const char* good : {"1", "256", "1048576"}) {
    FlagSet flags = make();
    ASSERT_TRUE(flags.Parse({"--memory-mb", good}).ok()) << good;
    EXPECT_EQ(flags.GetInt("memory-mb"), std::stoll(good));
  }
  const std::pair<const char*, const char*> bad[] = {
      {"0", "top_terms: --memory-mb: out of range: 0 (expected 1 to 1048576)"},
      {"-5", "top_terms: --memory-mb: out of range: -5 (expected 1 to 1048576)"},
      {"17592186044416",
       "top_terms: --memory-mb: out of range: 17592186044416 (expected 1 to 1048576)"},
      {"99999999999999999999",
       "top_terms: --memory-mb: out of range: 99999999999999999999 (expected 1 to 1048576)"},
      {"12MB", "top_terms: --memory-mb: not an integer: 12MB"},
  };
  for (const auto& [value, message] : bad) {
    FlagSet flags = make();
    Status s = flags.Parse({"--memory-mb=" + std::string(value)});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), message);
  }
  EXPECT_NE(make().Help().find("(default: 256; 1 to 1048576)"), std::string::npos);
  // Unranged ints still say when a value does not fit in 64 bits.
  FlagSet flags = MakeFlags();
  EXPECT_EQ(flags.Parse({"--src", "x", "--top", "-99999999999999999999"}).message(),
            "top_terms: --top: out of range: -99999999999999999999 (expected "
            "-9223372036854775808 to 9223372036854775807)");
}

TEST(FlagSetTest, MissingRequiredFlag) {
  FlagSet flags = MakeFlags();
  EXPECT_EQ(flags.Parse({"--top", "3"}).message(),
            "top_terms: missing required flag --src (see --help)");
}

TEST(FlagSetTest, HelpSkipsRequiredCheckAndListsFlags) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"--help"}).ok());
  EXPECT_TRUE(flags.help_requested());
  std::string help = flags.Help();
  EXPECT_NE(help.find("usage: top_terms [flags]"), std::string::npos);
  EXPECT_NE(help.find("--top <int>"), std::string::npos);
  EXPECT_NE(help.find("(default: 20)"), std::string::npos);
  EXPECT_NE(help.find("input folder (required)"), std::string::npos);
  EXPECT_NE(help.find("--strict "), std::string::npos);
}

TEST(FlagSetTest, ArgumentsOmitSecrets) {
  FlagSet flags = MakeFlags();
  ASSERT_TRUE(flags.Parse({"--src", "x", "--token", "AKIASECRET"}).ok());
  for (const auto& [name, value] : flags.Arguments()) {
    EXPECT_NE(name, "token");
    EXPECT_EQ(value.find("AKIASECRET"), std::string::npos);
  }
  EXPECT_EQ(flags.Arguments().front(), (std::pair<std::string, std::string>{"src", "x"}));
  EXPECT_EQ(flags.GetString("token"), "AKIASECRET");
}

}  // namespace
}  // namespace rankflow
