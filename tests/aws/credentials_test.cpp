// The credential chain (environment, shared files with profiles, IMDSv2 against a fake metadata
// server: tests/aws/fake_imds.py), endpoint and region resolution, and that no secret shows up
// in any error or description.
#include "runtime/aws/credentials.h"

#include <gtest/gtest.h>

#include "runtime/aws/service_client.h"
#include "tests/aws/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow::aws {
namespace {

using rankflow::testing::ChildProcess;
using rankflow::testing::FreeLoopbackPort;
using rankflow::testing::SourcePath;
using rankflow::testing::TempDir;
using rankflow::testing::WriteFile;

constexpr char kSecret[] = "SuperSecretKeyValue/1234+abcd";
constexpr char kToken[] = "SessionTokenValue==xyz";

class FakeImds {
 public:
  explicit FakeImds(std::vector<std::string> extra_args = {}) {
    const std::string port_file = dir_.Join("port");
    std::vector<std::string> argv = {"python3", SourcePath("tests/aws/fake_imds.py"), "--port-file",
                                     port_file};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    child_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{}, dir_.Join("out"));
    endpoint_ = rankflow::testing::WaitForPortFile(port_file);
  }
  const std::string& endpoint() const { return endpoint_; }

 private:
  TempDir dir_;
  std::string endpoint_;
  std::unique_ptr<ChildProcess> child_;
};

// An environment with no credentials anywhere except what the test adds.
std::map<std::string, std::string> BareEnv(const TempDir& dir) {
  return {{"HOME", dir.path()},
          {"AWS_SHARED_CREDENTIALS_FILE", dir.Join("no-credentials")},
          {"AWS_CONFIG_FILE", dir.Join("no-config")},
          {"AWS_EC2_METADATA_SERVICE_ENDPOINT",
           "http://127.0.0.1:" + std::to_string(FreeLoopbackPort())}};
}

TEST(Credentials, EnvironmentWithSessionToken) {
  TempDir dir;
  auto vars = BareEnv(dir);
  vars["AWS_ACCESS_KEY_ID"] = "AKIAENVEXAMPLE";
  vars["AWS_SECRET_ACCESS_KEY"] = kSecret;
  vars["AWS_SESSION_TOKEN"] = kToken;
  Result<Credentials> c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIAENVEXAMPLE");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "environment");
  const std::string described = c->Describe();
  EXPECT_EQ(described, "access key …MPLE from environment");
  EXPECT_EQ(described.find(kSecret), std::string::npos);
}

TEST(Credentials, HalfSetEnvironmentIsAnErrorWithoutTheSecret) {
  Result<Credentials> c = CredentialsFromEnv(MapEnv({{"AWS_SECRET_ACCESS_KEY", kSecret}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);
}

TEST(Credentials, ProfilesFromSharedFilesAndRegionFromConfig) {
  TempDir dir;
  WriteFile(dir.Join("credentials"),
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = def-secret\n"
            "# comment\n[dev]\naws_access_key_id=AKIADEV0001\n aws_secret_access_key = " +
                std::string(kSecret) + "\naws_session_token = " + kToken + "\n");
  WriteFile(dir.Join("config"),
            "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-3\n"
            "[profile cfgonly]\naws_access_key_id = AKIACFGONLY\naws_secret_access_key = c\n"
            "[profile broken]\naws_secret_access_key = " +
                std::string(kSecret) + "\n");
  auto vars = BareEnv(dir);
  vars["AWS_SHARED_CREDENTIALS_FILE"] = dir.Join("credentials");
  vars["AWS_CONFIG_FILE"] = dir.Join("config");

  Result<Credentials> c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIADEFAULT");
  EXPECT_EQ(ResolveRegion(MapEnv(vars)), "us-west-2");

  vars["AWS_PROFILE"] = "dev";
  c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIADEV0001");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "profile dev");
  EXPECT_EQ(ResolveRegion(MapEnv(vars)), "eu-west-3");
  vars["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(ResolveRegion(MapEnv(vars)), "ap-south-1");

  vars["AWS_PROFILE"] = "cfgonly";
  c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIACFGONLY");

  vars["AWS_PROFILE"] = "broken";
  c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("'broken'"), std::string::npos);
  EXPECT_EQ(c.status().message().find(kSecret), std::string::npos);

  // Environment beats the files.
  vars["AWS_PROFILE"] = "dev";
  vars["AWS_ACCESS_KEY_ID"] = "AKIAENVWINS";
  vars["AWS_SECRET_ACCESS_KEY"] = "x";
  c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAENVWINS");
}

TEST(Credentials, ImdsV2TokenRoleAndCaching) {
  FakeImds imds;
  ASSERT_FALSE(imds.endpoint().empty());
  TempDir dir;
  auto vars = BareEnv(dir);
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.endpoint();
  DefaultCredentialsChain chain(MapEnv(vars));
  Result<Credentials> c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAFAKE0001");
  EXPECT_EQ(c->secret_access_key, "imds-secret-1");
  EXPECT_EQ(c->session_token, "imds-token-1");
  EXPECT_EQ(c->source, "imds role rankflow-node");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_GT(*c->expiration, std::chrono::system_clock::now() + std::chrono::hours(5));
  // Six hours left: the second call is served from the cache.
  c = chain.Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIAFAKE0001");
  ImdsCredentialsProvider direct(MapEnv(vars));
  ASSERT_TRUE(direct.Get().ok());
  ASSERT_TRUE(direct.Get().ok());
  EXPECT_EQ(direct.fetch_count(), 1);
}

TEST(Credentials, ImdsRefreshesBeforeExpiry) {
  FakeImds imds({"--expires-in", "120"});
  ASSERT_FALSE(imds.endpoint().empty());
  TempDir dir;
  auto vars = BareEnv(dir);
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.endpoint();
  ImdsCredentialsProvider provider(MapEnv(vars), std::chrono::minutes(5));
  Result<Credentials> a = provider.Get();
  Result<Credentials> b = provider.Get();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->access_key_id, "ASIAFAKE0001");
  EXPECT_EQ(b->access_key_id, "ASIAFAKE0002");  // 2 min left < 5 min window: refreshed
  EXPECT_EQ(provider.fetch_count(), 2);
  ImdsCredentialsProvider lazy(MapEnv(vars), std::chrono::seconds(10));
  ASSERT_TRUE(lazy.Get().ok());
  ASSERT_TRUE(lazy.Get().ok());
  EXPECT_EQ(lazy.fetch_count(), 1);
}

TEST(Credentials, BadImdsDocumentErrorHasNoSecret) {
  FakeImds imds({"--bad-expiration"});
  ASSERT_FALSE(imds.endpoint().empty());
  TempDir dir;
  auto vars = BareEnv(dir);
  vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.endpoint();
  Result<Credentials> c = DefaultCredentialsChain(MapEnv(vars)).Get();
  ASSERT_FALSE(c.ok());
  // The fake puts the secret into the Expiration field; the error must not repeat it.
  EXPECT_EQ(c.status().message().find("imds-secret"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("Expiration"), std::string::npos);
}

TEST(Credentials, NoSourceAtAllIsNotFoundWithAHint) {
  TempDir dir;
  Result<Credentials> c = DefaultCredentialsChain(MapEnv(BareEnv(dir))).Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_NE(c.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  auto vars = BareEnv(dir);
  vars["AWS_EC2_METADATA_DISABLED"] = "true";
  EXPECT_EQ(DefaultCredentialsChain(MapEnv(vars)).Get().status().code(), StatusCode::kNotFound);
}

TEST(Credentials, FailedSignedCallsNeverPrintSecrets) {
  // A service nobody listens on: the error names the operation, never the key or token.
  ServiceEndpoint ep =
      ParseEndpointUrl("http://127.0.0.1:" + std::to_string(FreeLoopbackPort())).value();
  ep.region = "us-east-1";
  Credentials creds{"AKIAEXAMPLEID", kSecret, kToken, std::nullopt, "test"};
  RetryPolicy retry;
  retry.max_attempts = 2;
  retry.base_delay_ms = 1;
  AwsServiceClient ec2(ep, "ec2", std::make_shared<StaticCredentialsProvider>(creds),
                       std::make_shared<HttpClient>(), retry);
  std::string body;
  AwsRequest r =
      AwsRequest::Form({{"Action", "DescribeInstances"}, {"Version", "2016-11-15"}}, &body);
  HttpResponse resp;
  Status s = ec2.Send(r, "ec2 DescribeInstances", &resp);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("ec2 DescribeInstances failed after 2 attempts: ", 0), 0u)
      << s.message();
  EXPECT_EQ(s.message().find(kSecret), std::string::npos);
  EXPECT_EQ(s.message().find(kToken), std::string::npos);
  // A presigned URL carries the token (by design) but never the secret.
  std::string url = ec2.PresignGetUrl("/bin/tool", 300);
  EXPECT_EQ(url.find(kSecret), std::string::npos);
}

TEST(Credentials, EndpointPasswordsNeverAppearInTransportOrMetadataErrors) {
  const std::string secret = "s3cr3tPw";
  const std::string closed =
      "http://user:" + secret + "@127.0.0.1:" + std::to_string(FreeLoopbackPort());
  HttpClient http;
  HttpRequest req;
  req.url = closed + "/b/k?X-Amz-Signature=" + kSecret;
  HttpResponse resp;
  Status s = http.Perform(req, &resp);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find(secret), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find(kSecret), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("GET http://***@127.0.0.1:", 0), 0u) << s.message();
  // The metadata endpoint is used as given (no parsing): its errors are redacted too.
  ImdsCredentialsProvider imds(MapEnv({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", closed}}));
  Result<Credentials> c = imds.Get();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find(secret), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("***@127.0.0.1"), std::string::npos) << c.status().message();
}

TEST(Endpoints, OverridesPathStyleAndRegion) {
  auto env = MapEnv({{"AWS_ENDPOINT_URL", "http://127.0.0.1:5000"},
                     {"AWS_ENDPOINT_URL_S3", "http://localhost:9000/base/"},
                     {"AWS_DEFAULT_REGION", "eu-central-1"}});
  Result<ServiceEndpoint> s3 = ResolveServiceEndpoint("s3", env);
  ASSERT_TRUE(s3.ok());
  EXPECT_EQ(s3->Origin(), "http://localhost:9000");
  EXPECT_EQ(s3->base_path, "/base");
  EXPECT_TRUE(s3->custom);
  EXPECT_TRUE(s3->path_style);
  EXPECT_EQ(s3->region, "eu-central-1");
  Result<ServiceEndpoint> ec2 = ResolveServiceEndpoint("ec2", env);
  ASSERT_TRUE(ec2.ok());
  EXPECT_EQ(ec2->HostHeader(), "127.0.0.1:5000");
  Result<ServiceEndpoint> aws = ResolveServiceEndpoint("s3", MapEnv({{"AWS_REGION", "us-west-2"}}));
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->Origin(), "https://s3.us-west-2.amazonaws.com");
  EXPECT_FALSE(aws->path_style);
  aws = ResolveServiceEndpoint("s3", MapEnv({{"RANKFLOW_S3_PATH_STYLE", "1"}}));
  EXPECT_TRUE(aws->path_style);
  EXPECT_EQ(aws->region, "us-east-1");
  Result<ServiceEndpoint> bad =
      ResolveServiceEndpoint("s3", MapEnv({{"AWS_ENDPOINT_URL", "ftp://x"}}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  Result<ServiceEndpoint> default_port = ParseEndpointUrl("https://minio.example:443");
  ASSERT_TRUE(default_port.ok());
  EXPECT_EQ(default_port->HostHeader(), "minio.example");
  bad = ResolveServiceEndpoint("s3", MapEnv({{"AWS_ENDPOINT_URL", "http://h:99999"}}));
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rankflow::aws
