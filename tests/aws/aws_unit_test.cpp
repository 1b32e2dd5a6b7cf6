// Pure pieces of runtime/aws: the XML reader, retry policy and backoff, INI parsing, S3 urls.
#include <gtest/gtest.h>

#include <atomic>

#include "runtime/aws/config.h"
#include "runtime/aws/retry.h"
#include "runtime/aws/s3_client.h"
#include "runtime/aws/xml.h"

namespace rankflow::aws {
namespace {

TEST(Xml, ListBucketResultWithEntitiesAndCdata) {
  Result<XmlElement> doc = ParseXml(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- c -->"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>a&amp;b/c=</NextContinuationToken>"
      "<Contents><Key>a &lt;b&gt; &quot;c&quot; &apos;d&apos; &#233;&#x65E5;</Key><Size>12</Size>"
      "</Contents><Contents><Key><![CDATA[x<y]]></Key><Size>0</Size><Empty/></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "ListBucketResult");
  EXPECT_EQ(doc->ChildText("NextContinuationToken"), "a&b/c=");
  auto contents = doc->Children("Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0]->ChildText("Key"), "a <b> \"c\" 'd' \xc3\xa9\xe6\x97\xa5");
  EXPECT_EQ(contents[1]->ChildText("Key"), "x<y");
  EXPECT_NE(contents[1]->Child("Empty"), nullptr);
  EXPECT_EQ(contents[1]->Child("Missing"), nullptr);
}

TEST(Xml, MalformedDocumentsAreCorruption) {
  for (const char* bad : {"", "<a>", "<a></b>", "<a>&bogus;</a>", "<a><b></a>", "<a/>junk",
                          "<a>&#xZZ;</a>", "<a x=\"1></a>"}) {
    Result<XmlElement> doc = ParseXml(bad);
    EXPECT_FALSE(doc.ok()) << bad;
    if (!doc.ok()) {
      EXPECT_EQ(doc.status().code(), StatusCode::kCorruption) << bad;
    }
  }
  EXPECT_EQ(XmlEscape("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
}

TEST(Retry, BackoffIsFullJitterWithinTheCap) {
  RetryPolicy p;
  p.base_delay_ms = 100;
  p.max_delay_ms = 1000;
  for (uint64_t r : {0ull, 1ull, 99ull, 12345678901ull, ~0ull}) {
    EXPECT_LE(BackoffDelay(p, 1, r).count(), 100);
    EXPECT_LE(BackoffDelay(p, 3, r).count(), 400);
    EXPECT_LE(BackoffDelay(p, 10, r).count(), 1000);
  }
  EXPECT_EQ(BackoffDelay(p, 3, 400).count(), 400);
  EXPECT_EQ(BackoffDelay(p, 3, 401).count(), 0);
}

TEST(Retry, RetriesTransientStopsOnFinalAndNamesTheLastFailure) {
  RetryPolicy p;
  p.max_attempts = 4;
  p.base_delay_ms = 1;
  int calls = 0;
  Status s = RunWithRetries(p, "s3://b/k: GetObject", [&](int attempt) {
    ++calls;
    EXPECT_EQ(attempt, calls);
    return AttemptOutcome::Transient(attempt == 4 ? "503 SlowDown" : "500 InternalError");
  });
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "s3://b/k: GetObject failed after 4 attempts: 503 SlowDown");
  calls = 0;
  s = RunWithRetries(p, "op", [&](int attempt) {
    ++calls;
    return attempt < 2 ? AttemptOutcome::Transient("reset") : AttemptOutcome::Ok();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 2);
  calls = 0;
  s = RunWithRetries(p, "op", [&](int) {
    ++calls;
    return AttemptOutcome::Final(Status::NotFound("s3://b/k: HeadObject: 404 not found"));
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_TRUE(IsRetryableHttpStatus(503));
  EXPECT_TRUE(IsRetryableHttpStatus(429));
  EXPECT_FALSE(IsRetryableHttpStatus(404));
  EXPECT_TRUE(IsRetryableErrorCode("SlowDown"));
  EXPECT_TRUE(IsRetryableErrorCode("RequestTimeout"));
  EXPECT_FALSE(IsRetryableErrorCode("NoSuchKey"));
}

TEST(Config, IniSectionsCommentsAndTrimming) {
  IniFile ini = ParseIni("# top\n[default]\n  key = v1 \n;c\nbad line\n[profile x]\nk=a=b\n");
  EXPECT_EQ(ini["default"]["key"], "v1");
  EXPECT_EQ(ini["profile x"]["k"], "a=b");
  EXPECT_EQ(ini.size(), 2u);
}

TEST(S3Urls, SchemesBucketsAndKeys) {
  Result<S3Url> u = ParseS3Url("s3a://bucket/a/b c/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->bucket, "bucket");
  EXPECT_EQ(u->key, "a/b c/");
  u = ParseS3Url("s3://bucket");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->key, "");
  EXPECT_EQ(ParseS3Url("s3:///key").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseS3Url("/local/path").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rankflow::aws
