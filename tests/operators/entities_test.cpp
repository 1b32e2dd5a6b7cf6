// EntityExtractor against twitter-text's conformance/extract.yml (tests/data/twitter-text). The
// YAML is read by a small reader for the subset the file uses: sections of cases with
// double-quoted strings (\n, \", \\, \uXXXX, \UXXXXXXXX escapes), flow lists, and block lists of
// maps for the *_with_indices sections. Every case of every section is run; the pass count is
// printed and must equal the case count.
#include "operators/entities.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// A YAML value of the subset: null, string, number, or list.
struct Value {
  enum Kind { kNull, kString, kNumber, kList } kind = kNull;
  std::string str;
  long number = 0;
  std::vector<Value> list;
};

// Reads a double-quoted string starting at s[*pos] == '"'.
std::string ReadQuoted(const std::string& s, size_t* pos) {
  std::string out;
  size_t i = *pos + 1;
  while (i < s.size() && s[i] != '"') {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    const char e = s[i + 1];
    i += 2;
    if (e == 'n') {
      out.push_back('\n');
    } else if (e == 't') {
      out.push_back('\t');
    } else if (e == 'u' || e == 'U') {
      const size_t n = e == 'u' ? 4 : 8;
      AppendUtf8(static_cast<uint32_t>(std::stoul(s.substr(i, n), nullptr, 16)), &out);
      i += n;
    } else {
      out.push_back(e);  // \" \\ \/
    }
  }
  *pos = i + 1;
  return out;
}

void SkipSpaces(const std::string& s, size_t* pos) {
  while (*pos < s.size() && (s[*pos] == ' ' || s[*pos] == ',')) ++*pos;
}

Value ReadFlow(const std::string& s, size_t* pos) {
  SkipSpaces(s, pos);
  Value v;
  if (*pos >= s.size()) return v;
  if (s[*pos] == '"') {
    v.kind = Value::kString;
    v.str = ReadQuoted(s, pos);
  } else if (s[*pos] == '[') {
    v.kind = Value::kList;
    ++*pos;
    SkipSpaces(s, pos);
    while (*pos < s.size() && s[*pos] != ']') {
      v.list.push_back(ReadFlow(s, pos));
      SkipSpaces(s, pos);
    }
    ++*pos;
  } else {
    v.kind = Value::kNumber;
    size_t used = 0;
    v.number = std::stol(s.substr(*pos), &used);
    *pos += used;
  }
  return v;
}

struct Case {
  std::string section, description, text;
  Value expected;                                   // scalar / flow list / null
  std::vector<std::map<std::string, Value>> items;  // block list of maps
};

std::vector<Case> ReadCases(const std::string& path) {
  std::vector<Case> cases;
  std::string section;
  for (const std::string& line : testing::SplitLines(testing::ReadFile(path))) {
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string::npos) continue;
    std::string body = line.substr(indent);
    if (indent == 2 && body.back() == ':') {
      section = body.substr(0, body.size() - 1);
      continue;
    }
    if (indent == 4 && body.rfind("- description:", 0) == 0) {
      cases.push_back(Case{section, "", "", {}, {}});
      size_t pos = body.find('"');
      cases.back().description = ReadQuoted(body, &pos);
      continue;
    }
    if (cases.empty()) continue;
    Case& c = cases.back();
    if (indent == 6 && body.rfind("text:", 0) == 0) {
      size_t pos = 5;
      c.text = ReadFlow(body, &pos).str;
    } else if (indent == 6 && body.rfind("expected:", 0) == 0) {
      size_t pos = 9;
      c.expected = ReadFlow(body, &pos);
    } else if (indent >= 8) {
      if (body.rfind("- ", 0) == 0) {
        c.items.emplace_back();
        body = body.substr(2);
      }
      const size_t colon = body.find(':');
      size_t pos = colon + 1;
      if (!c.items.empty()) c.items.back()[body.substr(0, colon)] = ReadFlow(body, &pos);
    }
  }
  return cases;
}

std::vector<std::string> Strings(const Value& v) {
  std::vector<std::string> out;
  for (const Value& x : v.list) out.push_back(x.str);
  return out;
}

std::vector<std::string> Values(const std::vector<Entity>& es) {
  std::vector<std::string> out;
  for (const Entity& e : es) out.push_back(e.value);
  return out;
}

// Runs one case; returns "" on success or what differed.
std::string RunCase(EntityExtractor& x, const Case& c) {
  auto expect_strings = [&](const std::vector<std::string>& got) -> std::string {
    const std::vector<std::string> want = Strings(c.expected);
    if (got == want) return "";
    std::string msg = "got [";
    for (const auto& g : got) msg += "\"" + g + "\" ";
    return msg + "]";
  };
  auto expect_items = [&](const std::vector<Entity>& got, const char* name) -> std::string {
    std::string msg;
    if (got.size() != c.items.size()) msg = "got " + std::to_string(got.size()) + " entities";
    for (size_t i = 0; msg.empty() && i < got.size(); ++i) {
      const auto& want = c.items[i];
      const std::vector<Value>& idx = want.at("indices").list;
      bool ok = got[i].value == want.at(name).str && idx.size() == 2 &&
                got[i].start == idx[0].number && got[i].end == idx[1].number;
      if (want.count("list_slug")) ok = ok && got[i].list_slug == want.at("list_slug").str;
      if (!ok) {
        msg = "entity " + std::to_string(i) + ": got " + got[i].value + got[i].list_slug + " [" +
              std::to_string(got[i].start) + "," + std::to_string(got[i].end) + ")";
      }
    }
    return msg;
  };
  const std::string& s = c.section;
  if (s == "mentions") return expect_strings(Values(x.Mentions(c.text)));
  if (s == "urls" || s == "tco_urls_with_params") return expect_strings(Values(x.Urls(c.text)));
  if (s == "hashtags" || s == "hashtags_from_astral") {
    return expect_strings(Values(x.Hashtags(c.text)));
  }
  if (s == "cashtags") return expect_strings(Values(x.Cashtags(c.text)));
  if (s == "mentions_with_indices") return expect_items(x.Mentions(c.text), "screen_name");
  if (s == "mentions_or_lists_with_indices") {
    return expect_items(x.MentionsOrLists(c.text), "screen_name");
  }
  if (s == "urls_with_indices" || s == "urls_with_directional_markers") {
    return expect_items(x.Urls(c.text), "url");
  }
  if (s == "hashtags_with_indices") return expect_items(x.Hashtags(c.text), "hashtag");
  if (s == "cashtags_with_indices") return expect_items(x.Cashtags(c.text), "cashtag");
  if (s == "replies") {
    const std::string got = x.ReplyScreenName(c.text);
    const std::string want = c.expected.kind == Value::kString ? c.expected.str : "";
    return got == want ? "" : "got \"" + got + "\"";
  }
  return "unknown section " + s;
}

TEST(EntitiesConformanceTest, EveryCaseOfExtractYml) {
  const std::vector<Case> cases =
      ReadCases(testing::SourcePath("tests/data/twitter-text/conformance/extract.yml"));
  ASSERT_EQ(cases.size(), 238u);  // 23+3+5+13+91+10+2+5+65+3+8+8+2, counted in the README
  EntityExtractor x;
  int passed = 0;
  std::map<std::string, std::pair<int, int>> by_section;
  for (const Case& c : cases) {
    const std::string diff = RunCase(x, c);
    auto& [ok, total] = by_section[c.section];
    ++total;
    if (diff.empty()) {
      ++passed;
      ++ok;
    } else {
      ADD_FAILURE() << c.section << ": " << c.description << "\n  text: " << c.text << "\n  "
                    << diff;
    }
  }
  for (const auto& [section, counts] : by_section) {
    std::printf("extract.yml %-32s %3d / %3d\n", section.c_str(), counts.first, counts.second);
  }
  std::printf("extract.yml total %d / %zu passed\n", passed, cases.size());
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
}

TEST(EntitiesTest, AllMergesKindsByPositionAndCountsCodePoints) {
  // "😀" is one code point (two UTF-16 units); indices must count it once.
  const std::vector<Entity> all =
      ExtractEntities("😀 #tag @user $CASH see https://example.com/a #x");
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].type, EntityType::kHashtag);
  EXPECT_EQ(all[0].start, 2);
  EXPECT_EQ(all[0].end, 6);
  EXPECT_EQ(all[1].type, EntityType::kMention);
  EXPECT_EQ(all[2].type, EntityType::kCashtag);
  EXPECT_EQ(all[2].value, "CASH");
  EXPECT_EQ(all[3].type, EntityType::kUrl);
  EXPECT_EQ(all[3].value, "https://example.com/a");
  EXPECT_EQ(all[4].value, "x");
}

TEST(EntitiesTest, InvalidUtf8DoesNotCrash) {
  EXPECT_NO_FATAL_FAILURE(ExtractEntities(std::string("\xff\xfe #a \xc3", 8)));
}

}  // namespace
}  // namespace rankflow
