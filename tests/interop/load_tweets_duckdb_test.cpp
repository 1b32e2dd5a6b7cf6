// load_tweets --format parquet read by a real peer, DuckDB (npm @duckdb/node-api): every row of
// the Parquet output, turned back into a normalized tweet, is byte for byte the JSON line that
// load_tweets --format jsonl writes for the same input (row count, every column, lists, nulls,
// non-ASCII text) — on the bundled samples of every archive shape, on a tweetgen corpus, in the
// partitioned layout read with hive_partitioning (dt DATE, hr), and written to S3 (moto).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "operators/tweet.h"
#include "tests/interop/duckdb.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
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
using testing::SqlString;
using testing::TempDir;

// Every column, in the form the JSON has it (ids as decimal strings, doubles as shortest text).
const char* const kSelect =
    "SELECT CAST(id AS VARCHAR), CAST(epoch_ms(created_at) AS VARCHAR), "
    "CAST(timestamp_ms AS VARCHAR), CAST(user_id AS VARCHAR), screen_name, "
    "CAST(followers AS VARCHAR), lang, text, is_retweet, is_quote, is_reply, "
    "CAST(retweeted_id AS VARCHAR), CAST(quoted_id AS VARCHAR), CAST(in_reply_to_id AS VARCHAR), "
    "hashtags, mentions, urls, media_count, CAST(lon AS VARCHAR), CAST(lat AS VARCHAR), place, "
    "source_format, CAST(retweeted_user_id AS VARCHAR), retweeted_screen_name";

std::string Str(const rapidjson::Value& v) { return v.IsNull() ? "" : v.GetString(); }

std::vector<std::string> Strings(const rapidjson::Value& v) {
  std::vector<std::string> out;
  for (const auto& e : v.GetArray()) out.push_back(e.GetString());
  return out;
}

// A DuckDB row of kSelect as the normalized tweet's JSON line.
std::string RowAsJson(const rapidjson::Value& row) {
  Tweet t;
  t.id = row[0].GetString();
  EXPECT_EQ(Str(row[1]), Str(row[2])) << "created_at is timestamp_ms";
  t.timestamp_ms = std::stoll(row[2].GetString());
  t.created_at = FormatIsoUtc(t.timestamp_ms);
  t.user_id = Str(row[3]);
  t.screen_name = Str(row[4]);
  t.followers = row[5].IsNull() ? -1 : std::stoll(row[5].GetString());
  t.lang = Str(row[6]);
  t.text = row[7].GetString();
  t.is_retweet = row[8].GetBool();
  t.is_quote = row[9].GetBool();
  t.is_reply = row[10].GetBool();
  t.retweeted_id = Str(row[11]);
  t.quoted_id = Str(row[12]);
  t.in_reply_to_id = Str(row[13]);
  t.hashtags = Strings(row[14]);
  t.mentions = Strings(row[15]);
  t.urls = Strings(row[16]);
  t.media_count = row[17].GetInt();
  EXPECT_EQ(row[18].IsNull(), row[19].IsNull()) << "lon and lat are null together";
  t.has_coordinates = !row[18].IsNull();
  if (t.has_coordinates) {
    t.lon = std::strtod(row[18].GetString(), nullptr);
    t.lat = std::strtod(row[19].GetString(), nullptr);
  }
  t.place = Str(row[20]);
  const std::string format = row[21].GetString();
  t.source_format = format == "gnip" ? SourceFormat::kGnip
                    : format == "v2" ? SourceFormat::kV2
                                     : SourceFormat::kV1;
  t.retweeted_user_id = Str(row[22]);
  t.retweeted_screen_name = Str(row[23]);
  return TweetToJson(t);
}

// id -> JSON line of a committed jsonl output.
std::map<std::string, std::string> JsonLines(const std::string& dest) {
  std::map<std::string, std::string> out;
  for (const std::string& path : CommittedPaths(dest)) {
    for (const std::string& line : SplitLines(ReadFile(path))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      out[d["id"].GetString()] = line;
    }
  }
  return out;
}

void ExpectParquetEqualsJson(const std::vector<std::string>& parquet_files,
                             const std::map<std::string, std::string>& json) {
  DuckDbResult r = DuckDbQuery(
      {std::string(kSelect) + " FROM read_parquet(" + SqlList(parquet_files) + ") ORDER BY id"});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.rows().Size(), json.size());
  size_t non_ascii = 0, null_lang = 0, with_hashtags = 0, with_coordinates = 0;
  for (const auto& row : r.rows().GetArray()) {
    const std::string id = row[0].GetString();
    auto it = json.find(id);
    ASSERT_NE(it, json.end()) << "id " << id << " is not in the jsonl output";
    EXPECT_EQ(RowAsJson(row), it->second);
    const std::string text = row[7].GetString();
    non_ascii += std::any_of(text.begin(), text.end(), [](char c) { return c & 0x80; });
    null_lang += row[6].IsNull();
    with_hashtags += row[14].Size() > 0;
    with_coordinates += !row[18].IsNull();
  }
  // The comparison covered what it is meant to cover.
  EXPECT_GT(non_ascii, 0u);
  EXPECT_GT(with_hashtags, 0u);
  (void)null_lang;
  (void)with_coordinates;
}

std::string LoadTweets(int ranks, const std::string& args) {
  CommandResult r = RunCommand(MpirunPrefix(ranks) + " " + BinPath("load_tweets") + " " + args);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

TEST(LoadTweetsDuckDbTest, ParquetOfTheBundledSamplesEqualsTheJsonlOutput) {
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  LoadTweets(2, "--src " + in + " --dest " + tmp.Join("jsonl") + " --format jsonl");
  LoadTweets(2, "--src " + in + " --dest " + tmp.Join("parquet") + " --format parquet");
  const auto json = JsonLines(tmp.Join("jsonl"));
  ASSERT_GT(json.size(), 200u);
  ExpectParquetEqualsJson(CommittedPaths(tmp.Join("parquet")), json);
  // The schema as DuckDB sees it.
  DuckDbResult d = DuckDbQuery({"DESCRIBE SELECT * FROM read_parquet(" +
                                SqlList(CommittedPaths(tmp.Join("parquet"))) + ")"});
  ASSERT_TRUE(d.ok) << d.error;
  std::map<std::string, std::string> types;
  for (const auto& row : d.rows().GetArray()) types[row[0].GetString()] = row[1].GetString();
  EXPECT_EQ(types["id"], "BIGINT");
  EXPECT_EQ(types["created_at"], "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(types["hashtags"], "VARCHAR[]");
  EXPECT_EQ(types["lon"], "DOUBLE");
  EXPECT_EQ(types["media_count"], "INTEGER");
  EXPECT_EQ(types.size(), 24u);
}

TEST(LoadTweetsDuckDbTest, ParquetOfATweetgenCorpusEqualsTheJsonlOutput) {
  TempDir tmp;
  CommandResult g = RunCommand(BinPath("tweetgen") + " --dest " + tmp.Join("in") +
                               " --files 3 --mb 4 --seed 11 --dup-share 0.02 --notice-share 0.01");
  ASSERT_EQ(g.exit_code, 0) << g.output;
  LoadTweets(2, "--src " + tmp.Join("in") + " --dest " + tmp.Join("jsonl") + " --format jsonl");
  LoadTweets(2, "--src " + tmp.Join("in") + " --dest " + tmp.Join("parquet") + " --format parquet");
  const auto json = JsonLines(tmp.Join("jsonl"));
  ASSERT_GT(json.size(), 500u);
  ExpectParquetEqualsJson(CommittedPaths(tmp.Join("parquet")), json);
}

TEST(LoadTweetsDuckDbTest, PartitionedParquetIsReadWithHivePartitioning) {
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  LoadTweets(2, "--src " + in + " --dest " + tmp.Join("jsonl") + " --format jsonl");
  LoadTweets(2, "--src " + in + " --dest " + tmp.Join("hour") +
                    " --format parquet --partition-by hour --max-open-parts 2");
  const auto json = JsonLines(tmp.Join("jsonl"));
  ExpectParquetEqualsJson(CommittedPaths(tmp.Join("hour")), json);
  // A plain glob over the folder, partition keys as columns: dt as DATE, hr as '07' (DuckDB keeps
  // a key with leading zeros as VARCHAR) or, with hive_types, as an INTEGER.
  const std::string glob = SqlString(tmp.Join("hour") + "/*/*/*.parquet");
  DuckDbResult r = DuckDbQuery(
      {"SELECT CAST(a.id AS VARCHAR), CAST(a.dt AS VARCHAR), a.hr, typeof(a.dt), b.hr FROM "
       "read_parquet(" +
       glob + ", hive_partitioning = true) a JOIN read_parquet(" + glob +
       ", hive_partitioning = true, hive_types = {'hr': INTEGER}) b ON a.id = b.id"});
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.rows().Size(), json.size());
  for (const auto& row : r.rows().GetArray()) {
    rapidjson::Document d;
    d.Parse(json.at(row[0].GetString()).c_str());
    const std::string created = d["created_at"].GetString();  // 2017-05-24T20:19:05Z
    EXPECT_EQ(row[1].GetString(), created.substr(0, 10));
    EXPECT_EQ(row[2].GetString(), created.substr(11, 2));
    EXPECT_STREQ(row[3].GetString(), "DATE");
    EXPECT_EQ(row[4].GetInt(), std::stoi(created.substr(11, 2)));
  }
}

TEST(LoadTweetsDuckDbTest, ParquetWrittenToS3EqualsTheLocalJsonl) {
  ASSERT_TRUE(testing::SharedMoto().ok()) << testing::SharedMoto().error();
  auto client = testing::TestS3Client(testing::SharedMoto().endpoint());
  const std::string bucket = testing::UniqueBucket("rf-parquet");
  ASSERT_TRUE(client->CreateBucket(bucket).ok());
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  const std::string env = "AWS_ENDPOINT_URL=" + testing::SharedMoto().endpoint() +
                          " AWS_ACCESS_KEY_ID=rankflowtestkeyid "
                          "AWS_SECRET_ACCESS_KEY=rankflowtestsecret AWS_REGION=us-east-1 "
                          "AWS_EC2_METADATA_DISABLED=true ";
  CommandResult r =
      RunCommand(env + MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " + in +
                 " --dest s3://" + bucket + "/tweets --format parquet --partition-by day");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  LoadTweets(2, "--src " + in + " --dest " + tmp.Join("jsonl") + " --format jsonl");
  // Fetch what _SUCCESS lists, keeping the folders.
  std::string manifest;
  ASSERT_TRUE(
      client->GetObjectRange(bucket, "tweets/_SUCCESS", 0, aws::S3Client::kToEnd, &manifest).ok());
  rapidjson::Document m;
  m.Parse(manifest.c_str());
  std::vector<std::string> local;
  for (const auto& f : m["files"].GetArray()) {
    const std::string rel = f["file"].GetString();
    EXPECT_EQ(rel.rfind("dt=", 0), 0u) << rel;
    std::string body;
    ASSERT_TRUE(
        client->GetObjectRange(bucket, "tweets/" + rel, 0, aws::S3Client::kToEnd, &body).ok());
    EXPECT_EQ(body.size(), f["bytes"].GetUint64());
    const std::string path = tmp.Join("fetched/" + rel);
    fs::create_directories(fs::path(path).parent_path());
    testing::WriteFile(path, body);
    local.push_back(path);
  }
  ExpectParquetEqualsJson(local, JsonLines(tmp.Join("jsonl")));
}

}  // namespace
}  // namespace rankflow
