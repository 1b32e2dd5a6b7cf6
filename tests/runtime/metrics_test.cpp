#include "runtime/metrics.h"

#include <gtest/gtest.h>

namespace rankflow {
namespace {

TEST(MetricsTest, CountersAddAndStayStable) {
  Metrics m;
  int64_t* in = m.Counter("records_in");
  for (int i = 0; i < 10; ++i) ++*in;
  m.Add("records_out", 3);
  m.Add("a_new_one", 1);  // must not move records_in's storage
  *in += 1;
  EXPECT_EQ(m.Get("records_in"), 11);
  EXPECT_EQ(m.Get("records_out"), 3);
  EXPECT_EQ(m.Get("never"), 0);
}

TEST(MetricsTest, BadLinesAreCountedAndSampledUpToLimit) {
  Metrics m(2);
  m.BadLine("invalid_json", "a.jsonl", 3, "{oops");
  m.BadLine("invalid_json", "a.jsonl", 7, "nope");
  m.BadLine("invalid_json", "b.jsonl", 1, "third");
  m.BadLine("not_a_tweet", "b.jsonl", 2, "{}");
  EXPECT_EQ(m.Get("bad_lines.invalid_json"), 3);
  EXPECT_EQ(m.Get("bad_lines.not_a_tweet"), 1);
  EXPECT_EQ(m.BadLinesTotal(), 4);
  ASSERT_EQ(m.samples().at("invalid_json").size(), 2u);
  EXPECT_EQ(m.samples().at("invalid_json")[0], "a.jsonl:3: {oops");
  EXPECT_EQ(m.samples().at("invalid_json")[1], "a.jsonl:7: nope");
}

TEST(MetricsTest, SamplesAreTruncatedOnUtf8Boundary) {
  Metrics m;
  std::string line = "x";
  for (int i = 0; i < 150; ++i) line += "\xC3\xA9";  // é, two bytes each
  std::string sample = m.BadLine("k", "f", 1, line);
  std::string text = sample.substr(std::string("f:1: ").size());
  EXPECT_LE(text.size(), Metrics::kSampleBytes);
  EXPECT_EQ(text.size(), 199u);  // "x" + 99 whole é
  EXPECT_EQ(TruncateUtf8("abc", 2), "ab");
}

TEST(MetricsTest, SerializeRoundTripsAndMergeSums) {
  Metrics a(3);
  a.Add("records_in", 5);
  a.BadLine("invalid_json", "f", 1, "x");
  Metrics b(3);
  ASSERT_TRUE(Metrics::Deserialize(a.Serialize(), &b).ok());
  EXPECT_EQ(b.Get("records_in"), 5);
  EXPECT_EQ(b.samples().at("invalid_json").size(), 1u);
  b.MergeFrom(a);
  EXPECT_EQ(b.Get("records_in"), 10);
  EXPECT_EQ(b.Get("bad_lines.invalid_json"), 2);
  Metrics c;
  std::string bytes = a.Serialize();
  EXPECT_EQ(Metrics::Deserialize(bytes.substr(0, bytes.size() - 1), &c).code(),
            StatusCode::kCorruption);
}

TEST(MetricsTest, JsonMembersEscape) {
  Metrics m;
  m.Add("records_in", 2);
  m.BadLine("invalid_json", "f", 9, "say \"hi\"\n\x01\xff");
  EXPECT_EQ(
      m.ToJsonMembers(),
      "\"counters\":{\"bad_lines.invalid_json\":1,\"records_in\":2},"
      "\"bad_line_samples\":{\"invalid_json\":[\"f:9: say \\\"hi\\\"\\n\\u0001\xEF\xBF\xBD\"]}");
}

}  // namespace
}  // namespace rankflow
