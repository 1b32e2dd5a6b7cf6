// Pure pieces of runtime/aws: the XML reader, retry policy and backoff, INI parsing, S3 urls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <memory>

#include "runtime/aws/config.h"
#include "runtime/aws/retry.h"
#include "runtime/aws/s3_client.h"
#include "runtime/aws/xml.h"
#include "runtime/markup.h"

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
  EXPECT_EQ(EscapeMarkup("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&#39;");
}

TEST(Retry, BackoffIsEqualJitterBetweenHalfTheCapAndTheCap) {
  RetryPolicy p;
  p.base_delay_ms = 100;
  p.max_delay_ms = 1000;
  for (uint64_t r : {0ull, 1ull, 99ull, 12345678901ull, ~0ull}) {
    EXPECT_GE(BackoffDelay(p, 1, r).count(), 50);
    EXPECT_LE(BackoffDelay(p, 1, r).count(), 100);
    EXPECT_GE(BackoffDelay(p, 3, r).count(), 200);
    EXPECT_LE(BackoffDelay(p, 3, r).count(), 400);
    EXPECT_GE(BackoffDelay(p, 10, r).count(), 500);
    EXPECT_LE(BackoffDelay(p, 10, r).count(), 1000);
    EXPECT_LE(BackoffDelay(p, 1000, r).count(), 1000);  // no overflow for huge retry numbers
  }
  EXPECT_EQ(BackoffDelay(p, 3, 0).count(), 200);
  EXPECT_EQ(BackoffDelay(p, 3, 200).count(), 400);
  EXPECT_EQ(BackoffDelay(p, 3, 201).count(), 200);
  p.base_delay_ms = 0;
  EXPECT_EQ(BackoffDelay(p, 5, 77).count(), 0);
}

TEST(Retry, DefaultsRideOutFiveSlowDownsAndOneSecondOutagesWithinTheStandardCap) {
  const RetryPolicy p;
  EXPECT_GE(p.max_attempts, 6);  // five failures and then the success
  EXPECT_EQ(p.max_delay_ms, 20000);
  ASSERT_NE(p.quota, nullptr);
  EXPECT_EQ(p.quota->available(), 500);
  // The least the first five retries can wait, whatever the jitter draws.
  int64_t least_ms = 0;
  for (int retry = 1; retry <= 5; ++retry) least_ms += BackoffDelay(p, retry, 0).count();
  EXPECT_GT(least_ms, 1000);
}

TEST(Retry, EnvironmentOverridesAttemptsDelayAndQuota) {
  const char* names[] = {"RANKFLOW_AWS_MAX_ATTEMPTS", "AWS_MAX_ATTEMPTS",
                         "RANKFLOW_AWS_RETRY_BASE_MS", "RANKFLOW_AWS_RETRY_QUOTA"};
  for (const char* n : names) unsetenv(n);
  EXPECT_EQ(RetryPolicy::FromEnv().max_attempts, RetryPolicy::kDefaultMaxAttempts);
  setenv("AWS_MAX_ATTEMPTS", "4", 1);
  EXPECT_EQ(RetryPolicy::FromEnv().max_attempts, 4);
  setenv("RANKFLOW_AWS_MAX_ATTEMPTS", "7", 1);  // rankflow's own name wins
  EXPECT_EQ(RetryPolicy::FromEnv().max_attempts, 7);
  setenv("RANKFLOW_AWS_MAX_ATTEMPTS", "seven", 1);  // malformed: ignored
  EXPECT_EQ(RetryPolicy::FromEnv().max_attempts, 4);
  setenv("RANKFLOW_AWS_RETRY_BASE_MS", "3", 1);
  EXPECT_EQ(RetryPolicy::FromEnv().base_delay_ms, 3);
  setenv("RANKFLOW_AWS_RETRY_QUOTA", "20", 1);
  EXPECT_EQ(RetryPolicy::FromEnv().quota->available(), 20);
  setenv("RANKFLOW_AWS_RETRY_QUOTA", "0", 1);
  EXPECT_EQ(RetryPolicy::FromEnv().quota, nullptr);
  for (const char* n : names) unsetenv(n);
}

TEST(Retry, QuotaChargesRetriesRefundsSuccessesAndStopsWhenEmpty) {
  RetryPolicy p;
  p.max_attempts = 10;
  p.base_delay_ms = 0;
  p.quota = std::make_shared<RetryQuota>(27);
  // Two retries after error answers (5 each), then success: the last retry's 5 come back.
  int calls = 0;
  Status s = RunWithRetries(p, "op", [&](int attempt) {
    ++calls;
    return attempt < 3 ? AttemptOutcome::Transient("503 SlowDown") : AttemptOutcome::Ok();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(p.quota->available(), 27 - 10 + 5);
  // Transport failures cost 10: 22 tokens pay for two, the third retry is refused.
  calls = 0;
  s = RunWithRetries(p, "s3://b/k: HeadObject", [&](int) {
    ++calls;
    return AttemptOutcome::Transient("couldn't connect to server", TransientKind::kTransport);
  });
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "s3://b/k: HeadObject failed after 3 attempts (retry quota exhausted): "
            "couldn't connect to server");
  EXPECT_EQ(p.quota->available(), 2);
  // A copy of the policy shares the empty quota: one attempt, no retry.
  const RetryPolicy copy = p;
  calls = 0;
  s = RunWithRetries(copy, "op", [&](int) {
    ++calls;
    return AttemptOutcome::Transient("500 InternalError");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(s.ok());
  // First-try successes refill one token each, up to the capacity.
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(RunWithRetries(copy, "op", [](int) { return AttemptOutcome::Ok(); }).ok());
  }
  EXPECT_EQ(p.quota->available(), 27);
  // No quota at all: every attempt is made.
  p.quota = nullptr;
  calls = 0;
  s = RunWithRetries(p, "op", [&](int) {
    ++calls;
    return AttemptOutcome::Transient("reset", TransientKind::kTransport);
  });
  EXPECT_EQ(calls, 10);
  EXPECT_EQ(s.message(), "op failed after 10 attempts: reset");
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
  EXPECT_FALSE(IsRetryableErrorCode("ExpiredToken"));  // a credential error: retrying cannot help
  EXPECT_FALSE(IsRetryableErrorCode("InvalidAccessKeyId"));
}

TEST(Config, IniSectionsCommentsAndTrimming) {
  IniFile ini = ParseIni("# top\n[default]\n  key = v1 \n;c\nbad line\n[profile x]\nk=a=b\n");
  EXPECT_EQ(ini["default"]["key"], "v1");
  EXPECT_EQ(ini["profile x"]["k"], "a=b");
  EXPECT_EQ(ini.size(), 2u);
}

TEST(Config, RedactUrlDropsQueryAndUserInfo) {
  EXPECT_EQ(RedactUrl("http://user:pw@host:9000/p?X-Amz-Signature=abc"), "http://***@host:9000/p");
  EXPECT_EQ(RedactUrl("https://s3.amazonaws.com/b/k%40x?uploads="),
            "https://s3.amazonaws.com/b/k%40x");
  EXPECT_EQ(RedactUrl("http://u:p/w@host/x#frag"), "http://***@host/x");
  EXPECT_EQ(RedactUrl("u:pw@host:5000"), "***@host:5000");
  EXPECT_EQ(RedactUrl("http://host/a?x=u:pw@y"), "http://host/a");
  EXPECT_EQ(RedactUrl("http://127.0.0.1:5000"), "http://127.0.0.1:5000");
}

TEST(Config, EndpointErrorsNeverShowAPassword) {
  // Regression: AWS_ENDPOINT_URL=http://user:secret@host:port was echoed in an error.
  const std::string secret = "s3cr3tPw";
  for (const std::string& url :
       {"http://user:" + secret + "@127.0.0.1:5000", "ftp://user:" + secret + "@host",
        "user:" + secret + "@host:5000", "http://user:" + secret + "/x@host:5000",
        "http://user:" + secret + "@host:99999", "https://:" + secret + "@",
        "http://" + secret + "@h"}) {
    Result<ServiceEndpoint> ep = ParseEndpointUrl(url);
    ASSERT_FALSE(ep.ok()) << "accepted an endpoint with user info";
    EXPECT_EQ(ep.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ep.status().message().find(secret), std::string::npos) << ep.status().message();
    EXPECT_NE(ep.status().message().find("***@"), std::string::npos) << ep.status().message();
    for (const char* var : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"}) {
      Result<ServiceEndpoint> r = ResolveServiceEndpoint("s3", MapEnv({{var, url}}));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().message().find(secret), std::string::npos) << r.status().message();
    }
  }
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

TEST(S3Urls, DotSegmentsAreRefusedNamingTheUrl) {
  // Regression: --dest s3://b/o3/../q was written to q/ (curl resolves "..") but recorded as
  // o3/../q/ in the manifest.
  for (const char* bad : {"s3://b/o3/../q", "s3://b/o3/..", "s3://b/./q", "s3a://b/a/./",
                          "s3://b/..", "s3://../q", "s3://b/a//../q"}) {
    Result<S3Url> u = ParseS3Url(bad);
    ASSERT_FALSE(u.ok()) << bad;
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(u.status().message().rfind(std::string(bad) + ": ", 0), 0u) << u.status().message();
    EXPECT_NE(u.status().message().find("'..'"), std::string::npos) << u.status().message();
  }
  // Dots inside a segment are ordinary characters.
  for (const char* ok : {"s3://b/a.b/..c/c..", "s3://b/.hidden/x", "s3://b/.../x", "s3://b.c/k."}) {
    EXPECT_TRUE(ParseS3Url(ok).ok()) << ok;
  }
}

}  // namespace
}  // namespace rankflow::aws
