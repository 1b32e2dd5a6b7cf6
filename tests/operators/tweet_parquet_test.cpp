// The normalized tweet as Parquet (operators/tweet_parquet.h), at 1, 2 and 4 ranks: tweets of
// every archive shape (tests/data/tweets) written with TweetParquetWriter through an
// OutputCommitter in small row groups, read back with ParquetSource (row groups claimed across
// ranks) and TweetParquetRows, are the same Tweets (every field, through their JSON); a projection
// reads fewer bytes and fills only its fields; ReadParquetTerms gives ExtractTerms' terms of every
// tweet (hashtags, mentions, urls, words; with and without time) and ReadParquetTermCounts the
// same terms tallied (a dictionary, one that falls back to PLAIN mid-chunk, none); ids that do not
// fit INT64 are refused; a column of another type is a clear error.
#include "operators/tweet_parquet.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "operators/terms.h"
#include "operators/tokenizer.h"
#include "operators/tweet_parser.h"
#include "runtime/commit.h"
#include "runtime/parquet/parquet_source.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::TestMpi;

// Every tweet of every sample file, in file and line order.
std::vector<Tweet> SampleTweets() {
  std::vector<Tweet> out;
  TweetParser parser;
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(testing::SourcePath("tests/data/tweets"))) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    for (std::string line : testing::SplitLines(testing::ReadFile(f))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      parser.Parse(line, &out);
    }
  }
  return out;
}

ParquetWriterOptions SmallRowGroups() {
  ParquetWriterOptions o;
  o.row_group_bytes = 4096;
  return o;
}

// Rank r writes tweets r, r + size, … into its part (by default in row groups of about 4 KiB).
void WriteTweets(const std::vector<Tweet>& tweets, const std::string& dest,
                 const ParquetWriterOptions& o = SmallRowGroups()) {
  auto fs = NewLocalFileSystem();
  OutputCommitter c(TestMpi(), *fs, dest, WriteMode::kError);
  ASSERT_TRUE(c.status().ok()) << c.status().ToString();
  WritableFile* part = c.NewPart("parquet");
  TweetParquetWriter w(part, o);
  bool ok = true;
  for (size_t i = static_cast<size_t>(TestMpi().rank()); i < tweets.size();
       i += static_cast<size_t>(TestMpi().size())) {
    Status s = w.Add(tweets[i]);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ok = ok && s.ok();
  }
  ok = w.Finish().ok() && ok;
  c.SetRecords(part, w.records());
  ASSERT_TRUE(c.Commit(ok, "\"job\":\"tweet_parquet_test\"").ok());
}

// Every rank's lines, sorted.
std::vector<std::string> AllLinesSorted(const std::string& mine) {
  std::vector<std::string> all;
  for (const std::string& part : TestMpi().AllGather(mine)) {
    for (const std::string& line : testing::SplitLines(part)) {
      if (!line.empty()) all.push_back(line);
    }
  }
  std::sort(all.begin(), all.end());
  return all;
}

// Reads `columns` of every row of dest (each rank its claimed row groups) into Tweets; every
// rank gets all of them as JSON lines, sorted. *stored_bytes = the chunks' bytes read (all ranks).
std::vector<std::string> ReadBack(const std::string& dest, const std::vector<std::string>& columns,
                                  int64_t* stored_bytes) {
  auto fs = NewLocalFileSystem();
  Metrics metrics;
  ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
  TweetParquetRows rows(columns);
  ParquetSourceOptions o;
  o.src = dest;
  o.columns = rows.columns();
  o.batch_rows = 7;  // batches end mid row group
  Status s = source.Plan(o);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(source.plan().units.size(), static_cast<size_t>(TestMpi().size()));
  std::string mine;
  s = source.Run([&](const ParquetRowBatch& b) {
    RF_RETURN_IF_ERROR(rows.Check(b));
    for (size_t r = 0; r < b.num_rows; ++r) {
      Tweet t;
      rows.Get(b, r, &t);
      mine += TweetToJson(t) + "\n";
    }
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  *stored_bytes = TestMpi().AllSum(std::vector<int64_t>{metrics.Get("stored_bytes_in")})[0];
  return AllLinesSorted(mine);
}

TEST(TweetParquetTest, TweetsReadBackAreTheTweetsWritten) {
  const std::vector<Tweet> tweets = SampleTweets();
  ASSERT_GT(tweets.size(), 300u);
  testing::SharedTempDir shared;
  const std::string dest = shared.Join("out");
  WriteTweets(tweets, dest);

  std::vector<std::string> want;
  for (const Tweet& t : tweets) want.push_back(TweetToJson(t));
  std::sort(want.begin(), want.end());
  int64_t all_bytes = 0, tag_bytes = 0;
  EXPECT_EQ(ReadBack(dest, {}, &all_bytes), want);

  // Only the hashtags: fewer bytes read, the other fields at their defaults.
  std::vector<std::string> tags_want;
  for (const Tweet& t : tweets) {
    Tweet only;
    only.hashtags = t.hashtags;
    tags_want.push_back(TweetToJson(only));
  }
  std::sort(tags_want.begin(), tags_want.end());
  EXPECT_EQ(ReadBack(dest, {"hashtags"}, &tag_bytes), tags_want);
  EXPECT_LT(tag_bytes * 5, all_bytes) << "a projection reads only its column chunks";
  TestMpi().Barrier();
}

TEST(TweetParquetTest, IdsThatDoNotFitInt64AreRefused) {
  Tweet t;
  t.id = "9223372036854775807";
  t.text = "max";
  EXPECT_TRUE(TweetIdsFitInt64(t));
  for (const char* bad : {"9223372036854775808", "01", "18446744073709551615"}) {
    Tweet b = t;
    b.id = bad;
    EXPECT_FALSE(TweetIdsFitInt64(b)) << bad;
    b = t;
    b.in_reply_to_id = bad;
    EXPECT_FALSE(TweetIdsFitInt64(b)) << bad;
  }
  Tweet empty = t;
  empty.id = "";
  EXPECT_FALSE(TweetIdsFitInt64(empty)) << "a tweet always has an id";
  auto fs = NewLocalFileSystem();
  testing::TempDir dir;
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("x.parquet"), &f).ok());
  TweetParquetWriter w(f.get(), {});
  Tweet b = t;
  b.user_id = "99999999999999999999";
  Status s = w.Add(b);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("INT64"), std::string::npos) << s.ToString();
}

TEST(TweetParquetTest, AColumnOfAnotherTypeOrNameIsAClearError) {
  ParquetRowBatch batch;
  const std::string path = "/d/foreign.parquet";
  batch.path = &path;
  ParquetLeaf leaf;
  leaf.type = pq::PhysicalType::kByteArray;  // id as a string: not what load_tweets writes
  batch.columns.resize(1);
  batch.columns[0].leaf = &leaf;
  Status s = TweetParquetRows({"id"}).Check(batch);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("/d/foreign.parquet: column id"), std::string::npos) << s.ToString();
  s = TweetParquetRows({"nope"}).Check(batch);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nope"), std::string::npos) << s.ToString();
}

TEST(TweetParquetTest, ReadParquetTermsGivesExtractTermsOfEveryTweetReadingOnlyItsColumns) {
  const std::vector<Tweet> tweets = SampleTweets();
  testing::SharedTempDir shared;
  const std::string dest = shared.Join("out");
  WriteTweets(tweets, dest);
  auto fs = NewLocalFileSystem();
  Tokenizer tokenizer;
  for (TweetTermKind kind : {TweetTermKind::kHashtags, TweetTermKind::kMentions,
                             TweetTermKind::kUrls, TweetTermKind::kWords}) {
    for (bool need_time : {false, true}) {
      SCOPED_TRACE(std::string(TweetTermKindName(kind)) + (need_time ? " with time" : ""));
      std::vector<std::string> want;
      for (const Tweet& t : tweets) {
        for (const std::string& term : ExtractTerms(t, kind, &tokenizer)) {
          want.push_back(std::to_string(need_time ? t.timestamp_ms : 0) + " " + term);
        }
      }
      std::sort(want.begin(), want.end());
      ASSERT_FALSE(want.empty());
      Metrics metrics;
      std::string mine;
      ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
      ParquetSourceOptions files;
      files.src = dest;
      Status s = ReadParquetTerms(
          source, files, &metrics, kind, need_time,
          [&](int64_t ts, std::string&& term) { mine += std::to_string(ts) + " " + term + "\n"; });
      ASSERT_TRUE(s.ok()) << s.ToString();
      EXPECT_EQ(AllLinesSorted(mine), want);
      const std::vector<int64_t> sums =
          TestMpi().AllSum(std::vector<int64_t>{metrics.Get("tweets"), metrics.Get("terms")});
      EXPECT_EQ(sums[0], static_cast<int64_t>(tweets.size()));
      EXPECT_EQ(sums[1], static_cast<int64_t>(want.size()));
      Result<bool> parquet = InputsAreParquet(TestMpi(), *fs, dest, "");
      ASSERT_TRUE(parquet.ok());
      EXPECT_TRUE(*parquet);
    }
  }
  TestMpi().Barrier();
}

// Tweets whose hashtags and mentions repeat, in spellings that lowercase alike, beside unique ones.
std::vector<Tweet> RepeatingTweets() {
  const char* kSpellings[] = {"Python", "PYTHON", "python", "Straße"};
  std::vector<Tweet> tweets(600);
  for (size_t i = 0; i < tweets.size(); ++i) {
    Tweet& t = tweets[i];
    t.id = std::to_string(1000 + i);
    t.timestamp_ms = 1500000000000 + static_cast<int64_t>(i) * 1000;
    t.text = "tweet " + std::to_string(i % 9);
    t.hashtags = {kSpellings[i % 4], "tag" + std::to_string(i % 7), "once" + std::to_string(i)};
    if (i % 5 == 0) t.hashtags.push_back("");  // an empty entity: no term
    t.mentions = {"User" + std::to_string(i % 5)};
  }
  return tweets;
}

// Whether some hashtags chunk under dest holds dictionary-encoded pages and PLAIN ones.
bool SomeHashtagsChunkIsMixed(const std::string& dest) {
  auto fs = NewLocalFileSystem();
  bool mixed = false;
  for (const auto& e : std::filesystem::directory_iterator(dest)) {
    if (e.path().extension() != ".parquet") continue;
    std::unique_ptr<ParquetFileReader> r;
    EXPECT_TRUE(
        ParquetFileReader::Open(*fs, {e.path(), std::filesystem::file_size(e.path())}, {}, &r)
            .ok());
    std::vector<int> cols;
    EXPECT_TRUE(r->ResolveColumns({"hashtags"}, &cols).ok());
    for (int g = 0; g < r->num_row_groups(); ++g) {
      EXPECT_TRUE(r->CountRowGroupValues(g, cols, [&](const ParquetValueCounts& c) {
                     mixed = mixed || (!c.dictionary_counts.empty() && !c.others.strings.empty());
                     return Status::OK();
                   }).ok());
    }
  }
  return mixed;
}

TEST(TweetParquetTest, ReadParquetTermCountsGivesReadParquetTermsTallied) {
  const std::vector<Tweet> tweets = RepeatingTweets();
  auto fs = NewLocalFileSystem();
  struct Layout {
    const char* name;
    bool dictionary;
    uint64_t dictionary_bytes;
  };
  for (const Layout& layout :
       {Layout{"dictionary", true, 1 << 20}, Layout{"dictionary, then PLAIN", true, 256},
        Layout{"no dictionary", false, 1 << 20}}) {
    testing::SharedTempDir shared;
    const std::string dest = shared.Join("out");
    ParquetWriterOptions o;
    o.row_group_bytes = 1 << 20;  // a row group per rank
    o.dictionary = layout.dictionary;
    o.dictionary_bytes = layout.dictionary_bytes;
    WriteTweets(tweets, dest, o);
    if (layout.dictionary_bytes < 1000) {
      EXPECT_TRUE(SomeHashtagsChunkIsMixed(dest));  // the case this layout is for
    }
    for (TweetTermKind kind : {TweetTermKind::kHashtags, TweetTermKind::kMentions,
                               TweetTermKind::kUrls, TweetTermKind::kWords}) {
      for (bool need_time : {false, true}) {
        SCOPED_TRACE(std::string(TweetTermKindName(kind)) + (need_time ? " with time" : "") + ", " +
                     layout.name);
        ParquetSourceOptions files;
        files.src = dest;
        files.batch_rows = 64;  // several batches per row group (ReadParquetTerms)
        Metrics want_metrics;
        ParquetSource want_source(TestMpi(), *fs, &want_metrics, nullptr);
        std::string want_lines;
        Status s = ReadParquetTerms(want_source, files, &want_metrics, kind, need_time,
                                    [&](int64_t ts, std::string&& term) {
                                      want_lines += std::to_string(ts) + " " + term + "\n";
                                    });
        ASSERT_TRUE(s.ok()) << s.ToString();
        Metrics metrics;
        ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
        std::string lines;
        int64_t calls = 0;
        s = ReadParquetTermCounts(source, files, &metrics, kind, need_time,
                                  [&](int64_t ts, std::string&& term, uint64_t count) {
                                    ++calls;
                                    EXPECT_GE(count, 1u);
                                    for (uint64_t k = 0; k < count; ++k) {
                                      lines += std::to_string(ts) + " " + term + "\n";
                                    }
                                  });
        ASSERT_TRUE(s.ok()) << s.ToString();
        const std::vector<std::string> want = AllLinesSorted(want_lines);
        EXPECT_EQ(AllLinesSorted(lines), want);
        const std::vector<int64_t> sums = TestMpi().AllSum(std::vector<int64_t>{
            metrics.Get("tweets"), metrics.Get("terms"), calls, want_metrics.Get("terms")});
        EXPECT_EQ(sums[0], static_cast<int64_t>(tweets.size()));
        EXPECT_EQ(sums[1], static_cast<int64_t>(want.size()));
        EXPECT_EQ(sums[3], static_cast<int64_t>(want.size()));
        const bool tallied = !need_time && kind != TweetTermKind::kWords && !want.empty();
        if (tallied) {
          // Per row group: 4 spellings and 7 tags once, each unique tag once, 5 mentions.
          EXPECT_LT(sums[2] * 2, static_cast<int64_t>(want.size()));
        } else {
          EXPECT_EQ(sums[2], static_cast<int64_t>(want.size()));
        }
      }
    }
  }
  TestMpi().Barrier();
}

}  // namespace
}  // namespace rankflow
