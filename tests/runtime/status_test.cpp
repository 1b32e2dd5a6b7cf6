#include "runtime/status.h"

#include <gtest/gtest.h>

namespace rankflow {
namespace {

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ErrorKeepsCodeAndMessage) {
  Status s = Status::NotFound("s3://b/k: no such key");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.WithPrefix("rank 3").message(), "rank 3: s3://b/k: no such key");
}

Status FailsThenReturns() {
  RF_RETURN_IF_ERROR(Status::Corruption("truncated gzip"));
  return Status::OK();
}

TEST(StatusTest, ReturnIfErrorReturnsEarly) {
  EXPECT_EQ(FailsThenReturns().code(), StatusCode::kCorruption);
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good(42);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  Result<int> bad(Status::InvalidArgument("--top: not a number: x"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--top: not a number: x");
}

}  // namespace
}  // namespace rankflow
