// End-to-end tests of build/bin/top_terms under mpirun, against a sequential reference written
// independently here: rapidjson over the gunzipped lines, glibc towlower for lowercasing, and a
// separate tokenizer for words (the fast v1.1 readers' answers, the parts, the manifest and the
// printed table). Also the failure cases: truncated gzip, empty files, garbage lines, --strict,
// missing folder, unwritable dest, existing dest, bad flags. The pipeline itself at 1, 2 and 4
// ranks for every kind and bucket, in process: top_terms_pipeline_test.cpp.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <ctime>
#include <cwchar>
#include <cwctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::CommandResult;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::RunCommand;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzipFile;

using Counts = std::map<std::string, uint64_t>;
using Rows = std::vector<std::pair<std::string, uint64_t>>;

struct Reference {
  Counts hashtags;
  Counts words;
  // Full-parser semantics (operators/tweet_assemble.cpp): a retweet counts the retweeted
  // tweet's author and entities; extended_tweet.entities win over entities.
  Counts mentions;
  std::map<std::pair<std::string, std::string>, uint64_t> hashtags_by_hour;  // (bucket, tag)
  uint64_t lines = 0;
  uint64_t tweets = 0;
  uint64_t notices = 0;
  uint64_t bad = 0;
};

std::wstring Widen(const std::string& s) {
  std::mbstate_t st{};
  std::wstring out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    wchar_t wc = 0;
    size_t n = std::mbrtowc(&wc, p, end - p, &st);
    if (n == static_cast<size_t>(-1) || n == static_cast<size_t>(-2) || n == 0) {
      ADD_FAILURE() << "invalid utf-8 in test data";
      return out;
    }
    out.push_back(wc);
    p += n;
  }
  return out;
}

std::string Narrow(const std::wstring& w) {
  std::string out;
  std::mbstate_t st{};
  char buf[MB_LEN_MAX];
  for (wchar_t wc : w) {
    size_t n = std::wcrtomb(buf, wc, &st);
    out.append(buf, n);
  }
  return out;
}

std::string Lower(const std::string& s) {
  std::wstring w = Widen(s);
  for (wchar_t& c : w) c = static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
  return Narrow(w);
}

// The word rule of operators/terms.h (ForEachWord), written again from its description.
bool WordChar(wchar_t c) {
  auto u = static_cast<uint32_t>(c);
  if (u < 128) return std::isalnum(static_cast<int>(u)) || u == '_';
  bool excluded = u < 0xC0 || u == 0xD7 || u == 0xF7 || (u >= 0x2000 && u <= 0x2BFF) ||
                  (u >= 0x3000 && u <= 0x303F) || (u >= 0xFE00 && u <= 0xFE0F) ||
                  (u >= 0xFFF0 && u <= 0xFFFF) || (u >= 0x1F000 && u <= 0x1FAFF) ||
                  (u >= 0xE0000 && u <= 0xE007F);
  return !excluded;
}

void AddWords(const std::string& text, Counts* words) {
  std::wstring w = Widen(text);
  std::wstring cur;
  for (size_t i = 0; i <= w.size(); ++i) {
    if (i < w.size() && WordChar(w[i])) {
      cur.push_back(static_cast<wchar_t>(std::towlower(static_cast<wint_t>(w[i]))));
      continue;
    }
    if (!cur.empty()) ++(*words)[Narrow(cur)];
    cur.clear();
  }
}

void AddHashtags(const rapidjson::Value& entities, Counts* tags) {
  if (!entities.IsObject() || !entities.HasMember("hashtags")) return;
  for (const auto& h : entities["hashtags"].GetArray()) ++(*tags)[Lower(h["text"].GetString())];
}

// Entities the normalized tweet takes from status s.
const rapidjson::Value* FullEntities(const rapidjson::Value& s) {
  if (s.HasMember("extended_tweet") && s["extended_tweet"].HasMember("entities")) {
    return &s["extended_tweet"]["entities"];
  }
  return s.HasMember("entities") ? &s["entities"] : nullptr;
}

// "Wed May 24 20:19:05 +0000 2017" -> "2017-05-24T20:00:00Z".
std::string HourBucket(const std::string& created_at) {
  std::tm tm{};
  const char* end = strptime(created_at.c_str(), "%a %b %d %H:%M:%S +0000 %Y", &tm);
  EXPECT_NE(end, nullptr) << created_at;
  time_t t = timegm(&tm);
  t -= t % 3600;
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &out);
  return buf;
}

void AddParsedTerms(const rapidjson::Document& d, Reference* ref) {
  const rapidjson::Value* src = &d;
  const bool retweet = d.HasMember("retweeted_status") && d["retweeted_status"].IsObject();
  if (retweet) src = &d["retweeted_status"];
  const rapidjson::Value* e = FullEntities(*src);
  ASSERT_NE(e, nullptr) << "tweetgen tweet without entities";
  if (retweet) ++ref->mentions[Lower((*src)["user"]["screen_name"].GetString())];
  if (e->HasMember("user_mentions")) {
    for (const auto& m : (*e)["user_mentions"].GetArray()) {
      ++ref->mentions[Lower(m["screen_name"].GetString())];
    }
  }
  const std::string bucket = HourBucket(d["created_at"].GetString());
  if (e->HasMember("hashtags")) {
    for (const auto& h : (*e)["hashtags"].GetArray()) {
      ++ref->hashtags_by_hour[{bucket, Lower(h["text"].GetString())}];
    }
  }
}

void AddLine(const std::string& line, Reference* ref) {
  ++ref->lines;
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  if (d.HasParseError() || !d.IsObject()) {
    ++ref->bad;
    return;
  }
  for (const char* k : {"delete", "limit", "scrub_geo", "status_withheld", "user_withheld",
                        "disconnect", "warning", "event", "friends"}) {
    if (d.HasMember(k)) {
      ++ref->notices;
      return;
    }
  }
  bool has_id = d.HasMember("id_str") || d.HasMember("id");
  bool has_ext = d.HasMember("extended_tweet");
  if (!has_id || !(d.HasMember("text") || d.HasMember("full_text") || has_ext)) {
    ++ref->bad;
    return;
  }
  ++ref->tweets;
  AddParsedTerms(d, ref);
  if (has_ext) {
    AddHashtags(d["extended_tweet"]["entities"], &ref->hashtags);
    AddWords(d["extended_tweet"]["full_text"].GetString(), &ref->words);
  } else {
    if (d.HasMember("entities")) AddHashtags(d["entities"], &ref->hashtags);
    AddWords(d[d.HasMember("full_text") ? "full_text" : "text"].GetString(), &ref->words);
  }
}

Reference BuildReference(const std::string& dir) {
  Reference ref;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(f))) {
      if (!line.empty()) AddLine(line, &ref);
    }
  }
  return ref;
}

Rows Sorted(const Counts& counts) {
  Rows rows(counts.begin(), counts.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return rows;
}

std::vector<std::string> PartFiles(const std::string& dest, const std::string& ext) {
  std::vector<std::string> parts;
  for (const auto& e : fs::directory_iterator(dest)) {
    std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0 && name.size() > ext.size() &&
        name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      parts.push_back(e.path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

Rows ReadCsvRows(const std::string& dest) {
  Rows rows;
  for (const std::string& part : PartFiles(dest, ".csv")) {
    std::vector<std::string> lines = SplitLines(ReadFile(part));
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) continue;
    EXPECT_EQ(lines[0], "term,count") << part;
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      size_t comma = lines[i].rfind(',');
      rows.emplace_back(lines[i].substr(0, comma), std::stoull(lines[i].substr(comma + 1)));
    }
  }
  return rows;
}

Rows ReadJsonlRows(const std::string& dest) {
  Rows rows;
  for (const std::string& part : PartFiles(dest, ".jsonl")) {
    for (const std::string& line : SplitLines(ReadFile(part))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      EXPECT_FALSE(d.HasParseError()) << line;
      if (d.HasParseError()) continue;
      rows.emplace_back(d["term"].GetString(), d["count"].GetUint64());
    }
  }
  return rows;
}

int64_t Counter(const rapidjson::Document& m, const char* name) {
  const auto& c = m["counters"];
  return c.HasMember(name) ? c[name].GetInt64() : 0;
}

class TopTermsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::setlocale(LC_CTYPE, "C.UTF-8");
    dir_ = new TempDir();
    corpus_ = dir_->Join("corpus");
    CommandResult r = RunCommand(BinPath("tweetgen") + " --dest " + corpus_ +
                                 " --files 5 --mb 4 --seed 11 --bad-share 0.01 --dup-share 0.02"
                                 " --gzip-level 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ref_ = new Reference(BuildReference(corpus_));
    ASSERT_GT(ref_->bad, 0u);
    ASSERT_GT(ref_->notices, 0u);
    ASSERT_GT(ref_->hashtags.size(), 100u);
  }
  static void TearDownTestSuite() {
    delete ref_;
    delete dir_;
  }

  CommandResult Run(int ranks, const std::string& args) {
    return RunCommand(MpirunPrefix(ranks) + " " + BinPath("top_terms") + " " + args, 180);
  }

  // Checks a successful run's parts and manifest against the reference.
  void ExpectMatches(const std::string& dest, const Counts& expected, int ranks) {
    Rows want = Sorted(expected);
    EXPECT_EQ(ReadCsvRows(dest), want);
    EXPECT_EQ(ReadJsonlRows(dest), want);
    ASSERT_TRUE(fs::exists(dest + "/_SUCCESS"));
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(m["ranks"].GetInt(), ranks);
    EXPECT_EQ(m["records_in"].GetUint64(), ref_->lines);
    EXPECT_EQ(m["records_out"].GetUint64(), want.size());
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets")), ref_->tweets);
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "notices")), ref_->notices);
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "bad_lines.invalid_json") +
                                    Counter(m, "bad_lines.not_a_tweet")),
              ref_->bad);
    EXPECT_EQ(m["inputs"]["count"].GetInt(), 5);
    EXPECT_EQ(m["files"].GetArray().Size(), static_cast<unsigned>(2 * ranks));
  }

  static TempDir* dir_;
  static std::string corpus_;
  static Reference* ref_;
};

TempDir* TopTermsTest::dir_ = nullptr;
std::string TopTermsTest::corpus_;
Reference* TopTermsTest::ref_ = nullptr;

TEST_F(TopTermsTest, HashtagsMatchReferenceAt1Rank) {
  std::string dest = dir_->Join("out1");
  CommandResult r = Run(1, "--src " + corpus_ + " --dest " + dest + " --top 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 1);
  Rows want = Sorted(ref_->hashtags);
  EXPECT_NE(r.output.find("top 5 hashtags:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  " + std::to_string(want[0].second) + "  " + want[0].first + "\n"),
            std::string::npos)
      << r.output;
  // The summary's figures are the manifest's.
  std::string lines = std::to_string(ref_->lines);
  if (lines.size() > 3) lines.insert(lines.size() - 3, ",");
  EXPECT_NE(r.output.find("top_terms: 5 files, "), std::string::npos) << r.output;
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", m["seconds"].GetDouble());
  EXPECT_NE(r.output.find(std::string(" bad lines in ") + seconds + " s ("), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" uncompressed, " + lines + " records, " + std::to_string(ref_->bad) +
                          " bad lines in "),
            std::string::npos)
      << r.output;
}

TEST_F(TopTermsTest, WordsMatchReferenceAt2Ranks) {
  std::string dest = dir_->Join("words2");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --what words --top 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 2);
  EXPECT_NE(r.output.find("top 3 words:"), std::string::npos);
}

TEST_F(TopTermsTest, ForcedSpillsAndTinyRoundsGiveTheSameAnswer) {
  std::string dest = dir_->Join("spill");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --debug-shuffle");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 2);
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_GT(Counter(m, "shuffle.spilled_runs"), 10);
  EXPECT_GT(Counter(m, "shuffle.rounds"), 100);
}

TEST_F(TopTermsTest, SmallMemoryBudgetSpillsAt4Ranks) {
  std::string dest = dir_->Join("mem1");
  CommandResult r = Run(4, "--src " + corpus_ + " --dest " + dest + " --what words --memory-mb 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 4);
}

TEST_F(TopTermsTest, SingleFormatAndRegex) {
  std::string dest = dir_->Join("fmt");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest +
                               " --format jsonl --regex 'tweets-0000[0-4]\\.jsonl\\.gz$'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(PartFiles(dest, ".csv").empty());
  EXPECT_EQ(ReadJsonlRows(dest), Sorted(ref_->hashtags));
  std::string none = dir_->Join("none");
  r = Run(2, "--src " + corpus_ + " --dest " + none + " --regex 'nomatch$'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("top_terms: error: no input files in " + corpus_ + " matching nomatch$"),
            std::string::npos)
      << r.output;
}

// Real v1.1 stream lines (tests/data/tweets, copied with their licenses by the tweets owner).
TEST_F(TopTermsTest, RealStreamLinesMatchReference) {
  std::string src = testing::SourcePath("tests/data/tweets/v1.1-stream");
  Reference real = BuildReference(src);
  ASSERT_GT(real.tweets, 50u);
  ASSERT_GT(real.hashtags.size(), 10u);
  std::string dest = dir_->Join("real");
  CommandResult r = Run(2, "--src " + src + " --dest " + dest + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), Sorted(real.hashtags));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(m["records_in"].GetUint64(), real.lines);
  EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets")), real.tweets);
  EXPECT_EQ(static_cast<uint64_t>(Counter(m, "bad_lines.invalid_json") +
                                  Counter(m, "bad_lines.not_a_tweet")),
            real.bad);
}

using BucketRows = std::vector<std::tuple<std::string, std::string, uint64_t>>;

// Rows of the jsonl parts in part order; bucket is "" when the rows have none.
BucketRows ReadJsonlBucketRows(const std::string& dest) {
  BucketRows rows;
  for (const std::string& part : PartFiles(dest, ".jsonl")) {
    for (const std::string& line : SplitLines(ReadFile(part))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      EXPECT_FALSE(d.HasParseError()) << line;
      if (d.HasParseError()) continue;
      rows.emplace_back(d.HasMember("bucket") ? d["bucket"].GetString() : "", d["term"].GetString(),
                        d["count"].GetUint64());
    }
  }
  return rows;
}

// --what mentions and --by hour through the binary (flags, printed table, parts, manifest), against
// this file's independent reference; every kind and bucket at 1, 2 and 4 ranks in process:
// top_terms_pipeline_test.
TEST_F(TopTermsTest, MentionsMatchReference) {
  ASSERT_GT(ref_->mentions.size(), 100u);
  for (int ranks : {2}) {
    std::string dest = dir_->Join("mentions" + std::to_string(ranks));
    CommandResult r = Run(ranks, "--src " + corpus_ + " --dest " + dest + " --what mentions");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ExpectMatches(dest, ref_->mentions, ranks);
    EXPECT_NE(r.output.find("top 20 mentions:"), std::string::npos) << r.output;
    // Plain v1.1 tweets go through the fast entity reader, not TweetParser.
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    EXPECT_EQ(Counter(m, "tweets_full_parser"), 0);
  }
  // The same answer from TweetParser alone (the path Gnip and v2 lines take).
  std::string dest = dir_->Join("mentions_full");
  CommandResult r =
      Run(2, "--src " + corpus_ + " --dest " + dest + " --what mentions --full-parser");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->mentions, 2);
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets_full_parser")), ref_->tweets);
}

TEST_F(TopTermsTest, HashtagsByHourMatchReference) {
  BucketRows want;
  std::set<std::string> buckets;
  for (const auto& [key, count] : ref_->hashtags_by_hour) {
    want.emplace_back(key.first, key.second, count);
    buckets.insert(key.first);
  }
  ASSERT_GT(buckets.size(), 2u);
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) < std::get<0>(b);
    if (std::get<2>(a) != std::get<2>(b)) return std::get<2>(a) > std::get<2>(b);
    return std::get<1>(a) < std::get<1>(b);
  });
  for (int ranks : {1, 2}) {
    std::string dest = dir_->Join("byhour" + std::to_string(ranks));
    // 2 ranks: TweetParser alone; 1: the fast entity reader.
    CommandResult r = Run(ranks, "--src " + corpus_ + " --dest " + dest + " --by hour --top 2" +
                                     (ranks == 2 ? " --full-parser" : ""));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(ReadJsonlBucketRows(dest), want) << ranks << " ranks";
    std::vector<std::string> csv = SplitLines(ReadFile(PartFiles(dest, ".csv").at(0)));
    ASSERT_FALSE(csv.empty());
    EXPECT_EQ(csv[0], "bucket,term,count");
    // The printed top 2 of the first bucket are the reference's first two rows.
    const auto& [b0, t0, c0] = want[0];
    const auto& [b1, t1, c1] = want[1];
    ASSERT_EQ(b0, b1);
    EXPECT_NE(
        r.output.find("top 2 hashtags per hour (" + std::to_string(buckets.size()) +
                      " buckets):\n" + b0 + "\n   1  " +
                      std::string(12 - std::to_string(c0).size(), ' ') + std::to_string(c0) + "  " +
                      t0 + "\n   2  " + std::string(12 - std::to_string(c1).size(), ' ') +
                      std::to_string(c1) + "  " + t1 + "\n"),
        std::string::npos)
        << r.output;
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets")), ref_->tweets);
    EXPECT_EQ(m["records_out"].GetUint64(), want.size());
  }
}

uint64_t CountOf(const Rows& rows, const std::string& term) {
  for (const auto& [t, c] : rows) {
    if (t == term) return c;
  }
  return 0;
}

// Real Gnip activities (the line-per-activity files) and API v2 pages from tests/data/tweets;
// the counts were checked by hand against the files (see the comments).
TEST_F(TopTermsTest, RealGnipAndV2Samples) {
  const std::string gnip = testing::SourcePath("tests/data/tweets/gnip");
  std::string dest = dir_->Join("gnip_mentions");
  CommandResult r = Run(2, "--src " + gnip + " --regex '\\.jsonl$' --dest " + dest +
                               " --what mentions --format jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Rows rows = ReadJsonlRows(dest);
  // tweet_parser_activity_streams_examples.jsonl: notFromShrek is mentioned by 5 posts and is
  // the author of 2 shares (lines 11 and 13); ericmbudd by 3 posts and inside one share.
  EXPECT_EQ(CountOf(rows, "notfromshrek"), 7u);
  EXPECT_EQ(CountOf(rows, "ericmbudd"), 4u);
  EXPECT_EQ(CountOf(rows, "gnip"), 1u);
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(Counter(m, "tweets"), 132);  // one activity per line in the 3 files
  EXPECT_EQ(Counter(m, "bad_lines.not_a_tweet") + Counter(m, "bad_lines.invalid_json"), 0);

  dest = dir_->Join("gnip_tags_by_day");
  r = Run(1, "--src " + gnip + " --regex '\\.jsonl$' --dest " + dest + " --by day --format jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // The only hashtags: one activity of 2017-06-08 with #hashtag #hashtags #quotetweet #tweet.
  BucketRows want = {{"2017-06-08T00:00:00Z", "hashtag", 1},
                     {"2017-06-08T00:00:00Z", "hashtags", 1},
                     {"2017-06-08T00:00:00Z", "quotetweet", 1},
                     {"2017-06-08T00:00:00Z", "tweet", 1}};
  EXPECT_EQ(ReadJsonlBucketRows(dest), want);

  const std::string v2 = testing::SourcePath("tests/data/tweets/v2");
  dest = dir_->Join("v2_tags");
  r = Run(4, "--src " + v2 + " --dest " + dest + " --top 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  rows = ReadCsvRows(dest);
  // twarc-csv_brexit.jsonl: data[].entities.hashtags (retweets: the retweeted tweet's, from
  // includes.tweets) hold #Brexit 119 times, #JohnsonOut 23, #BorisJohnson 20.
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], std::make_pair(std::string("brexit"), uint64_t{119}));
  EXPECT_EQ(CountOf(rows, "johnsonout"), 23u);
  EXPECT_EQ(CountOf(rows, "borisjohnson"), 20u);
  EXPECT_NE(r.output.find("   1           119  brexit\n"), std::string::npos) << r.output;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(Counter(m, "tweets"), 131);
  EXPECT_EQ(Counter(m, "notices"), 2);  // the two compliance lines

  dest = dir_->Join("v2_mentions");
  r = Run(2, "--src " + v2 + " --dest " + dest + " --what mentions --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(CountOf(ReadCsvRows(dest), "borisjohnson"), 5u);

  dest = dir_->Join("v2_emoji");
  r = Run(1, "--src " + v2 + " --dest " + dest + " --what emoji --format jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // U+1F44F (clapping hands) occurs 8 times in the full texts (retweets: the retweeted text).
  EXPECT_EQ(CountOf(ReadJsonlRows(dest), "\U0001F44F"), 8u);
}

// The fast entity reader and TweetParser alone give the same rows and counters on the real
// v1.1 samples (stream, REST, by-shape, notices, malformed lines).
TEST_F(TopTermsTest, RealV1LinesFastReaderEqualsFullParser) {
  for (const char* sub :
       {"v1.1-stream", "v1.1-rest", "by-shape/v1.1", "stream-notices", "malformed"}) {
    const std::string src = testing::SourcePath(std::string("tests/data/tweets/") + sub);
    for (const char* what : {"mentions", "urls", "hashtags"}) {
      const std::string args = "--src " + src + " --what " + what + " --by day --format jsonl";
      const std::string fast = dir_->Join(std::string("fast_") + what);
      const std::string full = dir_->Join(std::string("full_") + what);
      CommandResult r = Run(1, args + " --mode overwrite --dest " + fast);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      r = Run(1, args + " --mode overwrite --full-parser --dest " + full);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(ReadJsonlBucketRows(fast), ReadJsonlBucketRows(full)) << sub << " " << what;
      rapidjson::Document a, b;
      a.Parse(ReadFile(fast + "/_SUCCESS").c_str());
      b.Parse(ReadFile(full + "/_SUCCESS").c_str());
      for (const char* c :
           {"tweets", "notices", "terms", "bad_lines.invalid_json", "bad_lines.not_a_tweet"}) {
        EXPECT_EQ(Counter(a, c), Counter(b, c)) << sub << " " << what << " " << c;
      }
      if (std::string(sub) == "v1.1-stream") {
        EXPECT_GT(Counter(a, "tweets"), 50);
        EXPECT_EQ(Counter(a, "tweets_full_parser"), 0) << what;
      }
    }
  }
}

// Issue 9: one 60 MB line of '[' with --memory-mb 16 peaked at 607 MB RSS (line buffer, padded
// copy and two simdjson structural indexes of 4 bytes per byte). Now a line over the limit
// (--memory-mb / 16, at least 1 MiB) is a bad line "line_too_long", never held whole, and a line
// just under it costs a bounded multiple of itself. The job still commits the good tweets.
TEST_F(TopTermsTest, HugeBracketLineIsCountedBadWithinTheMemoryBudget) {
  const std::vector<std::string> tweets = SplitLines(ReadFile(
      testing::SourcePath("tests/data/tweets/v1.1-stream/python-twitter_streaming_lines.jsonl")));
  ASSERT_GE(tweets.size(), 2u);
  const std::string src = dir_->Join("brackets");
  fs::create_directories(src);
  WriteFile(src + "/a.jsonl", tweets[0] + "\n" + std::string(60'000'000, '[') + "\n" +
                                  std::string(1'000'000, '[') + "\n" + tweets[1] + "\n");
  for (const char* what : {"hashtags", "mentions"}) {
    const std::string dest = dir_->Join(std::string("brackets_out_") + what);
    CommandResult r = Run(1, "--src " + src + " --dest " + dest + " --what " + what +
                                 " --memory-mb 16 --format jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // 608 MB before the fix; ~30 MB for the job now, plus mpirun. Generous: a memory bound.
    EXPECT_LT(r.max_rss_kb, 160 * 1024) << what;
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(Counter(m, "records_in"), 4) << what;
    EXPECT_EQ(Counter(m, "tweets"), 2) << what;
    EXPECT_EQ(Counter(m, "bad_lines.line_too_long"), 1) << what;
    EXPECT_EQ(Counter(m, "bad_lines.invalid_json"), 1) << what;
    EXPECT_EQ(Counter(m, "bytes_in"), static_cast<int64_t>(fs::file_size(src + "/a.jsonl")));
    ASSERT_TRUE(m.HasMember("bad_line_samples") &&
                m["bad_line_samples"].HasMember("line_too_long"));
    const std::string sample = m["bad_line_samples"]["line_too_long"][0].GetString();
    EXPECT_EQ(sample.rfind(src + "/a.jsonl:2: [[[[", 0), 0u) << sample;
    EXPECT_LT(sample.size(), 1000u);
  }
  // --strict: the long line fails the job, naming file and line.
  CommandResult r = Run(
      1, "--src " + src + " --dest " + dir_->Join("brackets_strict") + " --memory-mb 16 --strict");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--strict: line_too_long at " + src + "/a.jsonl:2: [[["),
            std::string::npos)
      << r.output;
}

// Issue 9 (depth limits of the rapidjson readers): a foreign _SUCCESS in --dest nested two million
// levels deep made the manifest reader recurse until the stack overflowed (exit 139).
TEST_F(TopTermsTest, DeeplyNestedForeignManifestInDestIsNotACrash) {
  const std::string dest = dir_->Join("deep_manifest");
  fs::create_directories(dest);
  WriteFile(dest + "/_SUCCESS", std::string(2'000'000, '['));
  const std::string src =
      testing::SourcePath("tests/data/tweets/v1.1-stream/python-twitter_streaming_lines.jsonl");
  for (const char* mode : {"overwrite", "error"}) {
    CommandResult r = Run(1, "--src " + src + " --dest " + dest + " --mode " + mode);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << mode << ": " << r.exit_code << "\n"
                                                      << r.output;
  }
}

// Issue 9: a UTF-8 byte order mark at the start of a line dropped the tweet (invalid_json). Every
// line of a real v1.1 sample with a BOM in front gives the same counts as without.
TEST_F(TopTermsTest, ByteOrderMarkAtLineStartKeepsTheTweet) {
  const std::string lines = ReadFile(
      testing::SourcePath("tests/data/tweets/v1.1-stream/python-twitter_streaming_lines.jsonl"));
  std::string with_bom;
  for (const std::string& line : SplitLines(lines)) with_bom += "\xEF\xBB\xBF" + line + "\n";
  const std::string plain = dir_->Join("bom_plain"), bom = dir_->Join("bom_bom");
  fs::create_directories(plain);
  fs::create_directories(bom);
  WriteFile(plain + "/a.jsonl", lines);
  WriteGzipFile(bom + "/a.jsonl.gz", with_bom);
  for (const char* what : {"hashtags", "mentions"}) {
    const std::string args = std::string(" --what ") + what + " --format jsonl --dest ";
    const std::string out_plain = dir_->Join(std::string("bom_plain_") + what);
    const std::string out_bom = dir_->Join(std::string("bom_bom_") + what);
    CommandResult r = Run(1, "--src " + plain + args + out_plain);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = Run(1, "--src " + bom + args + out_bom);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(ReadJsonlRows(out_bom), ReadJsonlRows(out_plain)) << what;
    EXPECT_FALSE(ReadJsonlRows(out_bom).empty()) << what;
    rapidjson::Document a, b;
    a.Parse(ReadFile(out_plain + "/_SUCCESS").c_str());
    b.Parse(ReadFile(out_bom + "/_SUCCESS").c_str());
    EXPECT_GT(Counter(a, "tweets"), 50) << what;
    EXPECT_EQ(Counter(b, "tweets"), Counter(a, "tweets")) << what;
    EXPECT_EQ(Counter(b, "bad_lines.invalid_json"), Counter(a, "bad_lines.invalid_json")) << what;
  }
}

// --- failures: one line naming the problem, exit 1 on every rank, no _SUCCESS, no hang ---

size_t CountOccurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

void ExpectNoVisibleOutput(const std::string& dest) {
  EXPECT_FALSE(fs::exists(dest + "/_SUCCESS"));
  if (fs::exists(dest)) {
    EXPECT_TRUE(PartFiles(dest, "").empty());
  }
}

// Sorted rows of every CSV part (each part's header left out: one per rank).
std::vector<std::string> CsvLines(const std::string& dest) {
  std::vector<std::string> lines;
  for (const std::string& part : PartFiles(dest, ".csv")) {
    const std::vector<std::string> rows = SplitLines(ReadFile(part));
    for (size_t i = 1; i < rows.size(); ++i) {
      if (!rows[i].empty()) lines.push_back(rows[i]);
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST_F(TopTermsTest, LoadTweetsParquetGivesTheCountsOfItsJsonReadingOnlyTheTermColumn) {
  TempDir tmp;
  for (const char* format : {"jsonl", "parquet"}) {
    CommandResult r = RunCommand(MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " +
                                 corpus_ + " --dest " + tmp.Join(format) + " --format " + format);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  uint64_t parquet_bytes = 0;
  for (const auto& e : fs::directory_iterator(tmp.Join("parquet"))) {
    if (e.path().extension() == ".parquet") parquet_bytes += fs::file_size(e.path());
  }
  for (const std::string args : {"--what hashtags", "--what mentions --by hour", "--what words"}) {
    // The reference: the same tweets as normalized JSON through the full parser (the semantics of
    // the normalized tweet: a retweet's entities are the retweeted tweet's).
    CommandResult r = Run(2, "--full-parser --format csv " + args + " --src " + tmp.Join("jsonl") +
                                 " --dest " + tmp.Join("ref"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::vector<std::string> want = CsvLines(tmp.Join("ref"));
    ASSERT_GT(want.size(), 50u) << args;
    rapidjson::Document ref_manifest;
    ref_manifest.Parse(ReadFile(tmp.Join("ref/_SUCCESS")).c_str());
    const int64_t tweets = Counter(ref_manifest, "tweets");
    for (int ranks : {1, 2, 4}) {
      SCOPED_TRACE(args + ", ranks " + std::to_string(ranks));
      const std::string dest = tmp.Join("pq" + std::to_string(ranks));
      r = Run(ranks, "--format csv --mode overwrite " + args + " --src " + tmp.Join("parquet") +
                         " --dest " + dest);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      EXPECT_EQ(CsvLines(dest), want);
      rapidjson::Document m;
      m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
      EXPECT_EQ(Counter(m, "tweets"), tweets) << "one row per tweet of the load";
      EXPECT_LT(static_cast<uint64_t>(Counter(m, "stored_bytes_in")) * 2, parquet_bytes)
          << "only the term column (and time) is read";
    }
    fs::remove_all(tmp.Join("ref"));
  }
}

TEST_F(TopTermsTest, TruncatedGzipEndsJobNamingTheFile) {
  TempDir in;
  fs::copy_file(corpus_ + "/tweets-00000.jsonl.gz", in.Join("a.jsonl.gz"));
  std::string whole = ReadFile(corpus_ + "/tweets-00001.jsonl.gz");
  WriteFile(in.Join("b.jsonl.gz"), whole.substr(0, whole.size() / 2));
  for (int ranks : {1, 2, 4}) {
    std::string dest = in.Join("out" + std::to_string(ranks));
    CommandResult r = Run(ranks, "--src " + in.path() + " --dest " + dest);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
    EXPECT_NE(r.output.find("top_terms: error: " + in.Join("b.jsonl.gz") + ": truncated gzip"),
              std::string::npos)
        << r.output;
    ExpectNoVisibleOutput(dest);
  }
}

TEST_F(TopTermsTest, EmptyFilesAreReadAsNoLines) {
  TempDir in;
  WriteFile(in.Join("empty.jsonl"), "");
  WriteFile(in.Join("empty2.jsonl.gz"), "");
  WriteGzipFile(
      in.Join("c.jsonl.gz"),
      "{\"id_str\":\"1\",\"text\":\"#A #b\",\"entities\":{\"hashtags\":[{\"text\":\"A\"},"
      "{\"text\":\"b\"}]}}\n\n{\"id_str\":\"2\",\"text\":\"#a\",\"entities\":{\"hashtags\":"
      "[{\"text\":\"a\"}]}}");
  std::string dest = in.Join("out");
  CommandResult r = Run(2, "--src " + in.path() + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), (Rows{{"a", 2}, {"b", 1}}));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(m["records_in"].GetInt(), 2);
  EXPECT_EQ(m["inputs"]["count"].GetInt(), 3);
}

TEST_F(TopTermsTest, GarbageLinesAreCountedAndStrictFailsOnTheFirst) {
  TempDir in;
  WriteFile(in.Join("g.jsonl"),
            "{\"id_str\":\"1\",\"text\":\"x\",\"entities\":{\"hashtags\":[{\"text\":\"Ok\"}]}}\n"
            "not json at all\n[1,2,3]\n{\"id_str\":\"2\",\"text\":\"cut\n\x01\x02\x03\n"
            "{\"delete\":{\"status\":{\"id_str\":\"5\"}}}\n{\"no\":\"tweet\"}\n");
  std::string dest = in.Join("out");
  CommandResult r = Run(2, "--src " + in.path() + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), (Rows{{"ok", 1}}));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(Counter(m, "bad_lines.invalid_json"), 3);
  EXPECT_EQ(Counter(m, "bad_lines.not_a_tweet"), 2);
  EXPECT_EQ(Counter(m, "notices"), 1);
  EXPECT_EQ(m["bad_line_samples"]["invalid_json"][0].GetString(),
            in.Join("g.jsonl") + ":2: not json at all");

  std::string strict_dest = in.Join("strict");
  r = Run(2, "--src " + in.path() + " --dest " + strict_dest + " --strict");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("top_terms: error: --strict: invalid_json at " + in.Join("g.jsonl") +
                          ":2: not json at all"),
            std::string::npos)
      << r.output;
  ExpectNoVisibleOutput(strict_dest);
}

TEST_F(TopTermsTest, MissingSourceFolder) {
  std::string dest = dir_->Join("missing-out");
  CommandResult r = Run(2, "--src " + dir_->Join("no-such-folder") + " --dest " + dest);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find(dir_->Join("no-such-folder")), std::string::npos) << r.output;
  ExpectNoVisibleOutput(dest);
}

TEST_F(TopTermsTest, UnwritableDestination) {
  TempDir t;
  WriteFile(t.Join("a-file"), "x");
  std::string dest = t.Join("a-file") + "/out";
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find(t.Join("a-file")), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("check failed"), std::string::npos) << r.output;
}

TEST_F(TopTermsTest, UnusableSpillFolderEndsTheJobOnEveryRank) {
  std::string dest = dir_->Join("spill-fail");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest +
                               " --debug-shuffle --spill-dir " + dir_->Join("no-such-spill-dir"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find("shuffle: cannot create spill file in " +
                          dir_->Join("no-such-spill-dir") + ": no such file or directory"),
            std::string::npos)
      << r.output;
  ExpectNoVisibleOutput(dest);
}

TEST_F(TopTermsTest, ExistingOutputNeedsOverwrite) {
  std::string dest = dir_->Join("twice");
  ASSERT_EQ(Run(2, "--src " + corpus_ + " --dest " + dest + " --format csv").exit_code, 0);
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --format csv");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_TRUE(fs::exists(dest + "/_SUCCESS"));  // the old output is untouched
  r = Run(2, "--src " + corpus_ + " --dest " + dest + " --mode overwrite --what words");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 2);
}

TEST_F(TopTermsTest, FlagErrorsAndHelp) {
  CommandResult r = Run(2, "--src x --dest y --foo 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: unknown flag --foo (see --help)\n"), 1u)
      << r.output;
  r = Run(1, "--dest y");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("top_terms: missing required flag --src (see --help)"),
            std::string::npos);
  r = Run(1, "--src x --dest y --what emojis");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("top_terms: error: --what must be hashtags, mentions, urls, words or "
                          "emoji, not emojis"),
            std::string::npos)
      << r.output;
  r = Run(1, "--src x --dest y --by week");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("top_terms: error: --by must be minute, hour or day, not week"),
            std::string::npos)
      << r.output;
  r = Run(1, "--src x --dest y --format hdf5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(
      r.output.find("top_terms: error: --format: top_terms writes csv, jsonl, jsonl.gz or parquet, "
                    "not hdf5"),
      std::string::npos)
      << r.output;
  r = Run(1, "--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("usage: top_terms [flags]"), std::string::npos);
  EXPECT_NE(r.output.find("--memory-mb <int>"), std::string::npos);
  EXPECT_NE(r.output.find("--what <string>"), std::string::npos);
}

}  // namespace
}  // namespace rankflow
