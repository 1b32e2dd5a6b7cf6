// The other job tables as Parquet, read by DuckDB (npm @duckdb/node-api): tweet_features
// --format parquet at 2 ranks holds, row for row, what --format jsonl writes for the same input
// (id, timestamp_ms, every scalar as the same float32, the sparse n-grams); top_terms --format
// parquet the rows of its csv, in order.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tests/interop/duckdb.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::CommandResult;
using testing::CommittedPaths;
using testing::DuckDbQuery;
using testing::DuckDbResult;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::RunCommand;
using testing::SourcePath;
using testing::SplitLines;
using testing::SqlList;
using testing::TempDir;

const char* const kScalars[] = {"hashtags", "mentions",       "urls",        "tokens",
                                "afinn",    "vader_compound", "profanity",   "is_retweet",
                                "is_quote", "is_reply",       "media_count", "followers"};

TEST(JobTablesDuckDbTest, TweetFeaturesParquetEqualsItsJsonLines) {
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  for (const char* format : {"jsonl", "parquet"}) {
    CommandResult r = RunCommand(MpirunPrefix(2) + " " + BinPath("tweet_features") + " --src " +
                                 in + " --dest " + tmp.Join(format) + " --format " + format);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // Every row as one canonical line: id, timestamp, the scalars as float32, the non-zero n-gram
  // slots with their float32 values (sample files repeat some ids with other content, so rows
  // are compared as sorted lists, not by id).
  auto canonical = [](const std::string& id, int64_t ts, const std::vector<float>& scalars,
                      const std::map<int, float>& ngrams) {
    std::string out = id + "|" + std::to_string(ts);
    char buf[48];
    for (float v : scalars) {
      std::snprintf(buf, sizeof buf, "|%.9g", static_cast<double>(v));
      out += buf;
    }
    for (const auto& [slot, v] : ngrams) {
      std::snprintf(buf, sizeof buf, "|%d:%.9g", slot, static_cast<double>(v));
      out += buf;
    }
    return out;
  };
  std::vector<std::string> want;
  for (const std::string& path : CommittedPaths(tmp.Join("jsonl"))) {
    for (const std::string& line : SplitLines(ReadFile(path))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse<rapidjson::kParseFullPrecisionFlag>(line.c_str());
      ASSERT_FALSE(d.HasParseError()) << line;
      std::vector<float> scalars;
      for (const char* name : kScalars) scalars.push_back(static_cast<float>(d[name].GetDouble()));
      std::map<int, float> ngrams;
      for (const auto& m : d["ngrams"].GetObject()) {
        ngrams[std::stoi(m.name.GetString())] = static_cast<float>(m.value.GetDouble());
      }
      want.push_back(canonical(d["id"].GetString(), d["timestamp_ms"].GetInt64(), scalars, ngrams));
    }
  }
  ASSERT_GT(want.size(), 300u);
  const std::string list = SqlList(CommittedPaths(tmp.Join("parquet")));
  std::string select = "SELECT CAST(id AS VARCHAR), CAST(timestamp_ms AS VARCHAR)";
  for (const char* s : kScalars) select += std::string(", ") + s;
  select += ", ngram_slots, ngram_values FROM read_parquet(" + list + ")";
  DuckDbResult r = DuckDbQuery({select});
  ASSERT_TRUE(r.ok) << r.error;
  std::vector<std::string> got;
  size_t with_ngrams = 0;
  for (const auto& row : r.rows().GetArray()) {
    std::vector<float> scalars;
    for (size_t i = 0; i < 12; ++i) scalars.push_back(static_cast<float>(row[2 + i].GetDouble()));
    const auto& slots = row[14];
    const auto& values = row[15];
    EXPECT_EQ(slots.Size(), values.Size());
    std::map<int, float> ngrams;
    for (rapidjson::SizeType k = 0; k < slots.Size() && k < values.Size(); ++k) {
      ngrams[slots[k].GetInt()] = static_cast<float>(values[k].GetDouble());
    }
    with_ngrams += !ngrams.empty();
    got.push_back(canonical(row[0].GetString(), std::stoll(row[1].GetString()), scalars, ngrams));
  }
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  EXPECT_GT(with_ngrams, 100u);
}

// top_terms --format parquet: the same ranking, row for row and in order, as --format csv
// (term, count; with --by, bucket first), read by DuckDB from the committed parts in their order.
TEST(JobTablesDuckDbTest, TopTermsParquetEqualsItsCsv) {
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  for (const char* by : {"", " --by day"}) {
    for (const char* format : {"csv", "parquet"}) {
      CommandResult r =
          RunCommand(MpirunPrefix(2) + " " + BinPath("top_terms") + " --src " + in + " --dest " +
                     tmp.Join(format + std::string(by[0] ? "-day" : "")) +
                     " --what hashtags --top 0 --format " + format + by);
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    const std::string suffix = by[0] ? "-day" : "";
    std::vector<std::string> want;
    std::string header;
    for (const std::string& path : CommittedPaths(tmp.Join("csv" + suffix))) {
      std::vector<std::string> lines = SplitLines(ReadFile(path));
      ASSERT_FALSE(lines.empty()) << path;
      header = lines[0];
      for (size_t i = 1; i < lines.size(); ++i) {
        if (!lines[i].empty()) want.push_back(lines[i]);
      }
    }
    ASSERT_GT(want.size(), 20u);
    const std::string list = SqlList(CommittedPaths(tmp.Join("parquet" + suffix)));
    const bool bucketed = by[0] != '\0';
    EXPECT_EQ(header, bucketed ? "bucket,term,count" : "term,count");
    DuckDbResult r = DuckDbQuery({std::string("SELECT ") + (bucketed ? "bucket, " : "") +
                                  "term, CAST(count AS VARCHAR) FROM read_parquet(" + list + ")"});
    ASSERT_TRUE(r.ok) << r.error;
    std::vector<std::string> got;
    for (const auto& row : r.rows().GetArray()) {
      std::string line;
      for (const auto& v : row.GetArray())
        line += (line.empty() ? "" : ",") + std::string(v.GetString());
      got.push_back(line);
    }
    EXPECT_EQ(got, want) << (bucketed ? "--by day" : "");
  }
}

}  // namespace
}  // namespace rankflow
