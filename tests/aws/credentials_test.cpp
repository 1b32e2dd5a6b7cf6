// The credential chain (environment, shared files with profiles, IMDSv2 against a fake metadata
// server: tests/aws/fake_imds.py; role_arn profiles through STS AssumeRole on moto, behind
// tests/aws/fault_proxy.py to see which key signed; credential_process with shell scripts),
// endpoint and region resolution, and that no secret shows up in any error or description.
#include "runtime/aws/credentials.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>

#include "runtime/aws/credential_process.h"
#include "runtime/aws/service_client.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow::aws {
namespace {

using rankflow::testing::ChildProcess;
using rankflow::testing::FaultProxy;
using rankflow::testing::FreeLoopbackPort;
using rankflow::testing::ReadFile;
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

// "2026-12-04T19:07:46Z", `from_now` ahead.
std::string IsoIn(std::chrono::seconds from_now) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + from_now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// An executable /bin/sh script at `path`.
void WriteScript(const std::string& path, const std::string& body) {
  WriteFile(path, "#!/bin/sh\n" + body);
  ASSERT_EQ(chmod(path.c_str(), 0755), 0);
}

TEST(Credentials, Iso8601ExpirationFormats) {
  auto base = ParseIso8601("2026-12-04T19:07:46Z");
  ASSERT_TRUE(base.has_value());
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*base), 1796411266);
  EXPECT_EQ(ParseIso8601("2026-12-04T19:07:46.140632Z"), base);  // moto's STS
  EXPECT_EQ(ParseIso8601("2026-12-04T20:07:46+01:00"), base);
  EXPECT_EQ(ParseIso8601("2026-12-04T14:07:46-0500"), base);
  for (const char* bad :
       {"", "tomorrow", "2026-12-04", "2026-12-04T19:07:46Zjunk", "2026-13-04T19:07:46Z",
        "2026-12-04T19:07:46.Z", "2026-12-04T19:07:46+1"}) {
    EXPECT_FALSE(ParseIso8601(bad).has_value()) << bad;
  }
}

TEST(Credentials, SplitCommandLineLikeAShellWithoutExpanding) {
  auto w = SplitCommandLine("  /opt/my\\ tools/x 'a b' \"c \\\"d\\\" $HOME\" e\\'f $HOME ;  ");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(*w, (std::vector<std::string>{"/opt/my tools/x", "a b", "c \"d\" $HOME", "e'f", "$HOME",
                                          ";"}));
  EXPECT_EQ(SplitCommandLine("tool 'open").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCommandLine("tool \"open").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SplitCommandLine("   ").status().code(), StatusCode::kInvalidArgument);
}

TEST(Credentials, CredentialProcessRunsWithoutAShellAndCachesUntilExpiry) {
  TempDir dir;
  ASSERT_EQ(mkdir(dir.Join("my tools").c_str(), 0755), 0);
  const std::string script = dir.Join("my tools/creds.sh");
  // $1 is the Expiration to print; every argument is recorded as received.
  WriteScript(script,
              "d=$(dirname \"$0\")\nprintf '%s\\n' \"$@\" > \"$d/args\"\n"
              "echo run >> \"$d/runs\"\nn=$(wc -l < \"$d/runs\")\n"
              "printf '{\"Version\": 1, \"AccessKeyId\": \"ASIAPROC%04d\", "
              "\"SecretAccessKey\": \"" +
                  std::string(kSecret) + "\", \"SessionToken\": \"" + kToken +
                  "\", \"Expiration\": \"%s\"}\\n' \"$n\" \"$1\"\n");
  const std::string far = IsoIn(std::chrono::hours(1));
  const std::string near = IsoIn(std::chrono::minutes(2));
  WriteFile(dir.Join("config"), "[profile proc]\ncredential_process = \"" + script + "\" " + far +
                                    " $HOME 'a b' ;\n[profile soon]\ncredential_process = '" +
                                    script + "' " + near + "\n");
  auto vars = BareEnv(dir);
  vars["AWS_CONFIG_FILE"] = dir.Join("config");
  vars["AWS_PROFILE"] = "proc";
  DefaultCredentialsChain chain(MapEnv(vars));
  Result<Credentials> c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAPROC0001");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "profile proc (credential_process)");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(c->expiration, ParseIso8601(far));
  EXPECT_EQ(ReadFile(dir.Join("my tools/args")), far + "\n$HOME\na b\n;\n");  // no shell
  c = chain.Get();  // an hour left: cached
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIAPROC0001");
  EXPECT_EQ(ReadFile(dir.Join("my tools/runs")), "run\n");
  EXPECT_EQ(c->Describe().find(kSecret), std::string::npos);

  // Two minutes left < the five-minute window: every Get runs the command again.
  auto soon = ProfileCredentialsProvider(MapEnv(vars), "soon");
  ASSERT_TRUE(soon.ok()) << soon.status().ToString();
  ASSERT_TRUE((*soon)->Get().ok());
  c = (*soon)->Get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIAPROC0003");
}

TEST(Credentials, CredentialProcessFailuresNameTheProfileNeverTheOutput) {
  TempDir dir;
  const std::string json_start =
      "{\"Version\": 1, \"AccessKeyId\": \"AKIAX\", "
      "\"SecretAccessKey\": \"" +
      std::string(kSecret) + "\"";
  WriteScript(dir.Join("fails.sh"),
              "echo '" + json_start + "}'\necho 'tool: login expired' >&2\nexit 3\n");
  WriteScript(dir.Join("badjson.sh"), "echo '" + json_start + ", '\n");
  WriteScript(dir.Join("v2.sh"), "echo '{\"Version\": 2" + json_start.substr(13) + "}'\n");
  WriteScript(dir.Join("nosecret.sh"), "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAX\"}'\n");
  WriteScript(dir.Join("badexp.sh"),
              "echo '" + json_start + ", \"Expiration\": \"" + kSecret + "\"}'\n");
  WriteScript(dir.Join("killed.sh"), "kill -9 $$\n");
  WriteFile(dir.Join("config"),
            "[profile fails]\ncredential_process = " + dir.Join("fails.sh") +
                "\n[profile badjson]\ncredential_process = " + dir.Join("badjson.sh") +
                "\n[profile v2]\ncredential_process = " + dir.Join("v2.sh") +
                "\n[profile nosecret]\ncredential_process = " + dir.Join("nosecret.sh") +
                "\n[profile badexp]\ncredential_process = " + dir.Join("badexp.sh") +
                "\n[profile killed]\ncredential_process = " + dir.Join("killed.sh") +
                "\n[profile missing]\ncredential_process = /nonexistent/tool --password " +
                kSecret + "\n[profile quote]\ncredential_process = tool '" + kSecret + "\n");
  auto vars = BareEnv(dir);
  vars["AWS_CONFIG_FILE"] = dir.Join("config");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"fails", "credential_process exited with status 3"},
      {"badjson", "credential_process printed no json object"},
      {"v2", "credential_process: Version must be 1"},
      {"nosecret", "AccessKeyId or SecretAccessKey missing"},
      {"badexp", "Expiration is not an iso-8601 time"},
      {"killed", "credential_process was killed by signal 9"},
      {"missing", "cannot run '/nonexistent/tool'"},
      {"quote", "unterminated ' quote"}};
  for (const auto& [profile, expected] : cases) {
    vars["AWS_PROFILE"] = profile;
    Result<Credentials> c = DefaultCredentialsChain(MapEnv(vars)).Get();
    ASSERT_FALSE(c.ok()) << profile;
    const std::string& m = c.status().message();
    EXPECT_EQ(m.rfind("profile '" + profile + "': ", 0), 0u) << m;
    EXPECT_NE(m.find(expected), std::string::npos) << m;
    EXPECT_EQ(m.find(kSecret), std::string::npos) << m;
  }
}

// role_arn profiles against moto's STS, through a proxy that logs which access key signed each
// request.
class AssumeRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(rankflow::testing::SharedMoto().ok()) << rankflow::testing::SharedMoto().error();
    proxy_ = std::make_unique<FaultProxy>(rankflow::testing::SharedMoto().endpoint(), schedule_,
                                          std::vector<std::string>{"--log-key-id"});
    ASSERT_FALSE(proxy_->endpoint().empty());
    WriteScript(dir_.Join("proc.sh"),
                "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROCSOURCE01\", "
                "\"SecretAccessKey\": \"" +
                    std::string(kSecret) + "\"}'\n");
    WriteFile(dir_.Join("credentials"),
              "[base]\naws_access_key_id = AKIABASESOURCE01\n"
              "aws_secret_access_key = " +
                  std::string(kSecret) + "\n");
    const std::string role = "role_arn = arn:aws:iam::123456789012:role/";
    WriteFile(dir_.Join("config"),
              "[profile base]\nregion = us-east-1\n"
              "[profile dev]\n" +
                  role +
                  "analyst\nsource_profile = base\nrole_session_name = rankflow-test\n"
                  "duration_seconds = 900\n"
                  "[profile chained]\n" +
                  role + "second\nsource_profile = dev\n[profile viaproc]\n" + role +
                  "third\nsource_profile = procsrc\n[profile procsrc]\ncredential_process = " +
                  dir_.Join("proc.sh") + "\n[profile loop-a]\n" + role +
                  "a\nsource_profile = loop-b\n[profile loop-b]\n" + role +
                  "b\nsource_profile = loop-a\n[profile nosource]\n" + role + "x\n[profile mfa]\n" +
                  role +
                  "x\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n"
                  "[profile ghost]\n" +
                  role + "x\nsource_profile = missing\n");
    vars_ = BareEnv(dir_);
    vars_["AWS_CONFIG_FILE"] = dir_.Join("config");
    vars_["AWS_SHARED_CREDENTIALS_FILE"] = dir_.Join("credentials");
    vars_["AWS_ENDPOINT_URL_STS"] = proxy_->endpoint();
  }
  Result<Credentials> GetFor(const std::string& profile) {
    vars_["AWS_PROFILE"] = profile;
    return DefaultCredentialsChain(MapEnv(vars_)).Get();
  }
  // The access key that signed each request the proxy saw.
  std::vector<std::string> SigningKeys() const {
    std::vector<std::string> keys;
    for (const std::string& line : proxy_->Requests()) {
      EXPECT_EQ(line.rfind(" key=") == std::string::npos, false) << line;
      keys.push_back(line.substr(line.rfind(" key=") + 5));
    }
    return keys;
  }

  std::string schedule_;
  TempDir dir_;
  std::unique_ptr<FaultProxy> proxy_;
  std::map<std::string, std::string> vars_;
};

TEST_F(AssumeRoleTest, SourceProfileSignsAndTheRoleCredentialsAreCachedAndRefreshed) {
  vars_["AWS_PROFILE"] = "dev";
  DefaultCredentialsChain chain(MapEnv(vars_));
  EXPECT_TRUE(proxy_->Requests().empty());  // construction reads files only
  Result<Credentials> c = chain.Get();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id.rfind("ASIA", 0), 0u) << c->access_key_id;
  EXPECT_FALSE(c->session_token.empty());
  EXPECT_FALSE(c->secret_access_key.empty());
  EXPECT_NE(c->secret_access_key, kSecret);
  EXPECT_EQ(c->source, "profile dev (role arn:aws:iam::123456789012:role/analyst)");
  ASSERT_TRUE(c->expiration.has_value());  // duration_seconds = 900 was sent
  const auto now = std::chrono::system_clock::now();
  EXPECT_GT(*c->expiration, now + std::chrono::minutes(14));
  EXPECT_LT(*c->expiration, now + std::chrono::minutes(16));
  EXPECT_EQ(SigningKeys(), std::vector<std::string>{"AKIABASESOURCE01"});

  // moto knows the keys as the assumed role's session.
  ServiceEndpoint ep = ParseEndpointUrl(rankflow::testing::SharedMoto().endpoint()).value();
  ep.region = "us-east-1";
  AwsServiceClient sts(ep, "sts", std::make_shared<StaticCredentialsProvider>(*c),
                       std::make_shared<HttpClient>());
  std::string body;
  AwsRequest r =
      AwsRequest::Form({{"Action", "GetCallerIdentity"}, {"Version", "2011-06-15"}}, &body);
  HttpResponse resp;
  ASSERT_TRUE(sts.Send(r, "sts GetCallerIdentity", &resp).ok());
  EXPECT_NE(resp.body.find("assumed-role/analyst/rankflow-test"), std::string::npos) << resp.body;

  // Fifteen minutes left: cached.
  Result<Credentials> again = chain.Get();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->access_key_id, c->access_key_id);
  EXPECT_EQ(proxy_->Requests().size(), 1u);

  // With a 20-minute refresh window, 15 minutes left means ask STS again.
  auto eager = ProfileCredentialsProvider(MapEnv(vars_), "dev", std::chrono::minutes(20));
  ASSERT_TRUE(eager.ok()) << eager.status().ToString();
  Result<Credentials> a = (*eager)->Get();
  Result<Credentials> b = (*eager)->Get();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->access_key_id, b->access_key_id);
  EXPECT_EQ(proxy_->Requests().size(), 3u);
}

TEST_F(AssumeRoleTest, ChainedRolesAndProcessSourcesSignWithTheirSourcesKeys) {
  Result<Credentials> c = GetFor("chained");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->source, "profile chained (role arn:aws:iam::123456789012:role/second)");
  std::vector<std::string> keys = SigningKeys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], "AKIABASESOURCE01");   // base assumes dev's role
  EXPECT_EQ(keys[1].rfind("ASIA", 0), 0u);  // dev's role assumes the second
  EXPECT_NE(keys[1], c->access_key_id);

  c = GetFor("viaproc");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  keys = SigningKeys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[2], "AKIAPROCSOURCE01");
}

TEST_F(AssumeRoleTest, MisconfiguredRoleProfilesAreClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"loop-a", "source_profile loop loop-a -> loop-b -> loop-a"},
      {"nosource", "role_arn needs source_profile or credential_source"},
      {"mfa", "mfa_serial"},
      {"ghost", "source_profile 'missing' has no credentials"}};
  for (const auto& [profile, expected] : cases) {
    Result<Credentials> c = GetFor(profile);
    ASSERT_FALSE(c.ok()) << profile;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << c.status().ToString();
    const std::string& m = c.status().message();
    EXPECT_EQ(m.rfind("profile '" + profile + "'", 0), 0u) << m;
    EXPECT_NE(m.find(expected), std::string::npos) << m;
    EXPECT_EQ(m.find(kSecret), std::string::npos) << m;
  }
  EXPECT_TRUE(proxy_->Requests().empty());
}

class AssumeRoleRefusedTest : public AssumeRoleTest {
 protected:
  AssumeRoleRefusedTest() { schedule_ = "expired"; }
};

TEST_F(AssumeRoleRefusedTest, StsErrorNamesProfileAndRoleNeverTheSourceSecret) {
  Result<Credentials> c = GetFor("dev");
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_EQ(m.rfind("profile 'dev': sts AssumeRole of arn:aws:iam::123456789012:role/analyst", 0),
            0u)
      << m;
  EXPECT_NE(m.find("ExpiredToken"), std::string::npos) << m;
  EXPECT_EQ(m.find(kSecret), std::string::npos) << m;
  EXPECT_EQ(m.find("AKIABASESOURCE01"), std::string::npos) << m;
  EXPECT_EQ(proxy_->Requests().size(), 1u);  // a credential error is not retried
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
