// V1EntityReader (operators/v1_entity_reader.h) against TweetParser, line by line: on every line
// the fast reader answers, the parser must give one tweet with the same time and terms
// (tests/operators/v1_entity_check.h). Real v1.1 samples, every other sample shape, and the kinds
// of malformed lines where the two used to differ (issue 9: 791 of 22,491 fuzzed lines): truncated
// objects, trailing bytes, invalid escapes, invalid UTF-8, control characters, malformed numbers
// and atoms, broken structure and deep nesting under keys the fast reader skips, duplicate keys.
#include "operators/v1_entity_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/operators/v1_entity_check.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::SourcePath;
using testing::SplitLines;
using testing::V1EntityDisagreement;
using testing::V1EntityReaders;

std::vector<std::string> SampleLines(const std::string& sub) {
  std::vector<std::string> lines;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(SourcePath("tests/data/tweets/" + sub))) {
    if (!e.is_regular_file()) continue;
    const std::string path = e.path().string();
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
      lines.push_back(ReadFile(path));
      continue;
    }
    if (path.find(".json") == std::string::npos) continue;
    for (std::string& l : SplitLines(ReadFile(path))) lines.push_back(std::move(l));
  }
  return lines;
}

// Checks the property on `line`; returns how many kinds the fast reader answered.
int ExpectAgreement(V1EntityReaders& r, const std::string& line, const std::string& what) {
  int answered = 0;
  const std::string diff = V1EntityDisagreement(r, line, &answered);
  EXPECT_EQ(diff, "") << what << "\n" << line.substr(0, 600);
  return answered;
}

// A real tweet the fast reader answers for every kind, with mentions, and a retweet.
struct Bases {
  std::string plain, retweet;
};

Bases FindBases(V1EntityReaders& r) {
  Bases b;
  for (const std::string& line : SampleLines("v1.1-stream")) {
    int answered = 0;
    if (!V1EntityDisagreement(r, line, &answered).empty() || answered != 3) continue;
    int64_t ms = 0;
    if (!r.mentions.Read(line, &ms) || r.mentions.terms().empty()) continue;
    const bool rt = line.find("\"retweeted_status\"") != std::string::npos;
    std::string& slot = rt ? b.retweet : b.plain;
    if (slot.empty()) slot = line;
  }
  return b;
}

TEST(V1EntityReaderTest, AgreesWithTheParserOnEverySampleLine) {
  V1EntityReaders r;
  int answered = 0;
  size_t lines = 0;
  for (const char* sub :
       {"v1.1-stream", "v1.1-rest", "by-shape", "stream-notices", "malformed", "gnip", "v2"}) {
    if (!std::filesystem::exists(SourcePath(std::string("tests/data/tweets/") + sub))) continue;
    for (const std::string& line : SampleLines(sub)) {
      ++lines;
      answered += ExpectAgreement(r, line, sub);
    }
  }
  EXPECT_GT(lines, 300u);
  EXPECT_GT(answered, 150);  // the fast path is taken on the plain v1.1 lines
}

// Values that are not JSON, or JSON the parser reads differently, under keys the fast reader skips
// but the parser reads (lang, coordinates, quoted_status, the user's followers_count, …) or nobody
// reads: the fast reader used to answer such lines while the parser called them invalid_json.
const char* const kBadValues[] = {
    "12x",
    "1e400",
    "-",
    "01",
    "1.",
    "tru",
    "nul",
    "fals",
    "\"\\q\"",
    "\"\\u12\"",
    "\"\xC3\x28\"",
    "\"\x01\"",
    "\"\xED\xA0\x80\"",
    "[1,,2]",
    "[1 2]",
    "{\"a\" 1}",
    "{\"a\":1,}",
    "{,}",
    "[",
    "]",
    "{",
    "}",
    "\"open",
    "'single'",
    "NaN",
    "Infinity",
    "+1",
    "0x10",
    "[1,]",
    "{\"a\"}",
    "\"\\ud800\"",
    "99999999999999999999999",
    "{\"full_name\":12x}",
    "[[1,2],[3,4x]]",
};

// (where to insert, key): top-level keys the parser reads and one nobody reads, the same inside
// the user object, entities and the retweeted status.
const std::pair<const char*, const char*> kPlaces[] = {
    {"{", "x"},
    {"{", "lang"},
    {"{", "coordinates"},
    {"{", "geo"},
    {"{", "place"},
    {"{", "quoted_status"},
    {"{", "quoted_status_id_str"},
    {"{", "in_reply_to_status_id_str"},
    {"{", "extended_entities"},
    {"\"user\":{", "followers_count"},
    {"\"user\":{", "x"},
    {"\"entities\":{", "media"},
    {"\"entities\":{", "x"},
    {"\"retweeted_status\":{", "lang"},
    {"\"retweeted_status\":{", "x"},
};

TEST(V1EntityReaderTest, MalformedValuesAreNotAnswered) {
  V1EntityReaders r;
  const Bases b = FindBases(r);
  ASSERT_FALSE(b.plain.empty());
  ASSERT_FALSE(b.retweet.empty());
  std::string deep;
  for (int i = 0; i < 1100; ++i) deep += '[';
  for (int i = 0; i < 1100; ++i) deep += ']';
  std::vector<std::string> values(std::begin(kBadValues), std::end(kBadValues));
  values.push_back(deep);
  for (const std::string* base : {&b.plain, &b.retweet}) {
    ASSERT_EQ(base->front(), '{');
    ASSERT_EQ(base->back(), '}');
    for (const std::string& v : values) {
      ExpectAgreement(r, base->substr(0, base->size() - 1) + ",\"x\":" + v + "}", "last: " + v);
      for (const auto& [inside, key] : kPlaces) {
        const size_t at = base->find(inside);
        if (at == std::string::npos) continue;
        std::string line = *base;
        line.insert(at + std::string(inside).size(), "\"" + std::string(key) + "\":" + v + ",");
        ExpectAgreement(r, line, std::string(inside) + key + ": " + v);
      }
    }
  }
}

TEST(V1EntityReaderTest, TruncatedLinesAndTrailingBytesAreNotAnswered) {
  V1EntityReaders r;
  const Bases b = FindBases(r);
  ASSERT_FALSE(b.plain.empty());
  for (const std::string* base : {&b.plain, &b.retweet}) {
    EXPECT_EQ(ExpectAgreement(r, *base, "base"), 3);
    // Every prefix: a truncated object (a prefix may also end in the middle of a UTF-8 sequence).
    for (size_t n = 0; n < base->size(); ++n) {
      EXPECT_EQ(ExpectAgreement(r, base->substr(0, n), "prefix " + std::to_string(n)), 0);
    }
    for (const char* tail : {"x", " {}", "]", "}", ",", "\"", " 1", "\xFF", "{\"a\":1}"}) {
      EXPECT_EQ(ExpectAgreement(r, *base + tail, std::string("tail ") + tail), 0);
    }
    // Whitespace around the object is valid JSON and answered.
    EXPECT_EQ(ExpectAgreement(r, " \t" + *base + " ", "whitespace"), 3);
    // Every single byte deleted or replaced by a quote, a backslash or a control character.
    for (size_t i = 0; i < base->size(); ++i) {
      std::string cut = *base;
      cut.erase(i, 1);
      ExpectAgreement(r, cut, "delete " + std::to_string(i));
      for (char c : {'"', '\\', '\x01'}) {
        std::string repl = *base;
        repl[i] = c;
        ExpectAgreement(r, repl, "replace " + std::to_string(i));
      }
    }
  }
}

TEST(V1EntityReaderTest, DuplicateKeysGiveTheParsersAnswer) {
  V1EntityReaders r;
  const Bases b = FindBases(r);
  ASSERT_FALSE(b.plain.empty());
  const char* const kDuplicates[] = {
      "\"entities\":{\"hashtags\":[{\"text\":\"Dup\"}],\"user_mentions\":[],\"urls\":[]}",
      "\"entities\":{}",
      "\"id_str\":\"12345\"",
      "\"id_str\":\"x\"",
      "\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\"",
      "\"created_at\":\"yesterday\"",
      "\"timestamp_ms\":\"1500420304000\"",
      "\"user\":{\"screen_name\":\"someone\",\"id_str\":\"7\"}",
      "\"user\":null",
      "\"text\":\"\"",
      "\"extended_tweet\":{\"full_text\":\"x\",\"entities\":{\"hashtags\":[{\"text\":\"E\"}]}}",
      ("\"retweeted_status\":{\"id_str\":\"1\",\"text\":\"t\",\"user\":{\"screen_name\":\"a\"},"
       "\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\",\"entities\":{}}"),
  };
  for (const std::string* base : {&b.plain, &b.retweet}) {
    for (const char* dup : kDuplicates) {
      ExpectAgreement(r, "{" + std::string(dup) + "," + base->substr(1),
                      std::string("first ") + dup);
      ExpectAgreement(r, base->substr(0, base->size() - 1) + "," + dup + "}",
                      std::string("last ") + dup);
    }
  }
}

// Small hand-written statuses around the parser's rules (which text counts, which user is
// enough, which entities win, retweets): the fast reader answers or declines, never differs.
TEST(V1EntityReaderTest, EdgesOfTheParsersSemantics) {
  V1EntityReaders r;
  const std::string date = "\"created_at\":\"Tue Jul 18 23:25:04 +0000 2017\"";
  const std::string user = "\"user\":{\"id_str\":\"7\",\"screen_name\":\"Ann\"}";
  const std::string entities =
      "\"entities\":{\"hashtags\":[{\"text\":\"A\"}],\"user_mentions\":[{\"screen_name\":\"b\"}],"
      "\"urls\":[{\"url\":\"https://t.co/x\",\"expanded_url\":null}]}";
  auto tweet = [&](const std::string& fields) { return "{\"id_str\":\"1001\"," + fields + "}"; };
  const std::string base = tweet(date + "," + user + ",\"text\":\"hi\"," + entities);
  EXPECT_EQ(ExpectAgreement(r, base, "base"), 3);
  const std::vector<std::string> lines = {
      tweet(date + "," + user + ",\"text\":\"\"," + entities),
      tweet(date + "," + user + ",\"text\":\"\",\"full_text\":\"x\"," + entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"full_text\":\"\"," + entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"extended_tweet\":{\"full_text\":\"\"}," +
            entities),
      tweet(date + "," + user + ",\"extended_tweet\":{\"full_text\":\"y\",\"entities\":{}}," +
            entities),
      tweet(date + "," + user +
            ",\"text\":\"x\",\"extended_tweet\":{\"entities\":{\"hashtags\":"
            "[{\"text\":\"E\"}]}}," +
            entities),
      tweet(date + ",\"user\":{\"id_str\":\"7\"},\"text\":\"x\"," + entities),
      tweet(date + ",\"user\":{\"screen_name\":\"\",\"id_str\":\"7x\"},\"text\":\"x\"," + entities),
      tweet(date + ",\"user\":{\"id\":7},\"text\":\"x\"," + entities),
      tweet(date + ",\"user\":{},\"text\":\"x\"," + entities),
      tweet(date + ",\"user\":{\"screen_name\":\"a\",\"username\":\"b\"},\"text\":\"x\"," +
            entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"timestamp_ms\":\"0\"," + entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"timestamp_ms\":1500420304000," + entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"timestamp_ms\":\"99999999999999999\"," +
            entities),
      tweet("\"created_at\":\"2017-07-18T23:25:04Z\"," + user + ",\"text\":\"x\"," + entities),
      tweet(date + "," + user + ",\"text\":\"x #T\""),
      tweet(date + "," + user + ",\"text\":\"x\",\"entities\":{}"),
      tweet(date + "," + user +
            ",\"text\":\"x\",\"entities\":{\"hashtags\":[\"S\",{\"tag\":\"G\"},"
            "{\"text\":\"\"},{}]}"),
      tweet(date + "," + user +
            ",\"text\":\"x\",\"entities\":{\"urls\":[{\"url\":\"u\",\"expanded_url\":\"e\"},"
            "{\"url\":\"\",\"expanded_url\":\"\"}],\"mentions\":[{\"username\":\"v\"}]}"),
      tweet(date + "," + user + ",\"text\":\"RT\",\"retweeted_status\":{\"id_str\":\"9\"," + date +
            ",\"user\":{\"screen_name\":\"R\"},\"text\":\"t\"," + entities + "}," + entities),
      tweet(date + "," + user + ",\"text\":\"RT\",\"retweeted_status\":{\"id_str\":\"9\"," + date +
            ",\"user\":{\"id_str\":\"5\"},\"text\":\"t\"," + entities + "}," + entities),
      tweet(date + "," + user + ",\"text\":\"RT\",\"retweeted_status\":{\"id_str\":\"9\"," + date +
            ",\"user\":{\"screen_name\":\"R\"},\"text\":\"t\"}," + entities),
      tweet(date + "," + user + ",\"text\":\"RT\",\"retweeted_status\":null," + entities),
      tweet(date + "," + user + ",\"text\":\"x\",\"quoted_status\":{\"id_str\":\"9\"," + date +
            ",\"user\":{\"screen_name\":\"Q\"},\"text\":\"q\"," + entities + "}," + entities),
      "{\"id_str\":\"0001001\"," + date + "," + user + ",\"text\":\"x\"," + entities + "}",
      "{\"id\":1001," + date + "," + user + ",\"text\":\"x\"," + entities + "}",
      "[" + base + "]",
      "{\"statuses\":[" + base + "]}",
  };
  for (const std::string& line : lines) ExpectAgreement(r, line, "edge");
}

// The parser reads every format's status keys at every level ("urls" inside extended_tweet was a
// fuzz finding): such a key inside the retweeted status, inside an extended_tweet or at the top
// gets the parser's answer, and the real keys around them still take the fast path.
TEST(V1EntityReaderTest, OtherFormatsKeysAtAnyLevelGiveTheParsersAnswer) {
  V1EntityReaders r;
  const Bases b = FindBases(r);
  ASSERT_FALSE(b.retweet.empty());
  const size_t nested = b.retweet.find("\"retweeted_status\":{");
  ASSERT_NE(nested, std::string::npos);
  const size_t inside = b.retweet.find('{', nested) + 1;
  const char* const kKeys[] = {
      "\"urls\":[\"http://other.example/a\"]",
      "\"hashtags\":[\"other\"]",
      "\"mentions\":[\"other\"]",
      "\"user_mentions\":[{\"screen_name\":\"other\"}]",
      "\"body\":\"RT @x: #other\"",
      "\"twitter_entities\":{\"hashtags\":[{\"text\":\"o\"}]}",
      "\"screen_name\":\"other\"",
      "\"extended_tweet\":{\"urls\":[\"http://other.example/b\"]}",
  };
  int declined = 0;
  for (const char* key : kKeys) {
    const std::string k(key);
    std::string in_rt = b.retweet;
    in_rt.insert(inside, k + ",");
    if (ExpectAgreement(r, in_rt, "in retweeted_status: " + k) == 0) ++declined;
    ExpectAgreement(r, "{" + k + "," + b.plain.substr(1), "top: " + k);
    ExpectAgreement(r, "{\"extended_tweet\":{" + k + "}," + b.plain.substr(1),
                    "in extended_tweet: " + k);
  }
  EXPECT_GT(declined, 0);
}

// Inputs found by the differential fuzzer (fuzz/v1_entity_regressions): the property holds.
TEST(V1EntityReaderTest, FuzzRegressionsAgree) {
  V1EntityReaders r;
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(
           SourcePath("tests/operators/fuzz/v1_entity_regressions"))) {
    ++files;
    ExpectAgreement(r, ReadFile(e.path().string()), e.path().string());
  }
  EXPECT_GE(files, 1);
}

}  // namespace
}  // namespace rankflow
