#include "tests/util/moto_fixture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "runtime/aws/http.h"

namespace rankflow::testing {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

bool WaitForHttp(const std::string& url, int timeout_ms) {
  aws::HttpOptions opts;
  opts.connect_timeout_ms = 500;
  opts.total_timeout_ms = 2000;
  aws::HttpClient http(opts);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    aws::HttpRequest req;
    req.url = url;
    aws::HttpResponse resp;
    if (http.Perform(req, &resp).ok() && resp.status >= 200 && resp.status < 300) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::vector<std::string>& extra_env, const std::string& log_path) {
  pid_ = fork();
  if (pid_ != 0) return;
  // Child: own process group so the whole tree can be stopped; output to the log.
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  for (const std::string& e : extra_env) putenv(const_cast<char*>(e.c_str()));
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  _exit(127);
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

MotoServer::MotoServer(Scope scope) {
  if (const char* ep = std::getenv("RANKFLOW_TEST_MOTO_ENDPOINT");
      scope == Scope::kShared && ep != nullptr && *ep != '\0') {
    endpoint_ = ep;
    return;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    const int port = FreeLoopbackPort();
    const std::string log = "/tmp/rankflow-moto-" + std::to_string(getpid()) + ".log";
    auto child = std::make_unique<ChildProcess>(
        std::vector<std::string>{"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port)},
        std::vector<std::string>{"S3_UPLOAD_PART_MIN_SIZE=1"}, log);
    const std::string url = "http://127.0.0.1:" + std::to_string(port);
    // Our process must be the one answering: it is alive and the port answers.
    if (WaitForHttp(url + "/moto-api/", 20000) && waitpid(child->pid(), nullptr, WNOHANG) == 0) {
      endpoint_ = url;
      own_ = std::move(child);
      return;
    }
    error_ = "moto_server did not start on port " + std::to_string(port) + " (see " + log + ")";
  }
}

std::string WaitForPortFile(const std::string& port_file) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) return "http://127.0.0.1:" + std::to_string(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

FaultProxy::FaultProxy(const std::string& upstream, const std::string& schedule,
                       const std::vector<std::string>& extra_args)
    : log_(dir_.Join("requests.log")) {
  const std::string port_file = dir_.Join("port");
  std::vector<std::string> argv = {"python3",     SourcePath("tests/aws/fault_proxy.py"),
                                   "--upstream",  upstream,
                                   "--schedule",  schedule,
                                   "--port-file", port_file,
                                   "--log",       log_};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  child_ = std::make_unique<ChildProcess>(argv, std::vector<std::string>{}, dir_.Join("proxy.out"));
  endpoint_ = WaitForPortFile(port_file);
}

std::vector<std::string> FaultProxy::Requests() const { return SplitLines(ReadFile(log_)); }

MotoServer& SharedMoto() {
  static MotoServer moto;  // its moto_server (if ours) is stopped at exit
  return moto;
}

size_t FaultProxy::CountRequests(const std::string& action) const {
  size_t n = 0;
  for (const std::string& line : Requests()) n += line.rfind(action + " ", 0) == 0 ? 1 : 0;
  return n;
}

std::string UniqueBucket(const std::string& stem) {
  static std::atomic<int> n{0};
  return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

std::shared_ptr<aws::S3Client> TestS3Client(const std::string& endpoint, aws::S3Options options,
                                            int max_attempts) {
  aws::RetryPolicy retry;
  retry.max_attempts = max_attempts;
  retry.base_delay_ms = 5;
  retry.max_delay_ms = 50;
  return TestS3ClientWithRetry(endpoint, retry, nullptr, options);
}

std::shared_ptr<aws::S3Client> TestS3ClientWithRetry(
    const std::string& endpoint, const aws::RetryPolicy& retry,
    std::shared_ptr<aws::CredentialsProvider> credentials, aws::S3Options options) {
  Result<aws::ServiceEndpoint> ep = aws::ParseEndpointUrl(endpoint);
  ep->custom = true;
  ep->path_style = true;
  ep->region = "us-east-1";
  if (credentials == nullptr) {
    credentials = std::make_shared<aws::StaticCredentialsProvider>(
        aws::Credentials{"rankflowtestkeyid", "rankflowtestsecret", "", std::nullopt, "test"});
  }
  return std::make_shared<aws::S3Client>(std::move(ep).value(), std::move(credentials),
                                         std::make_shared<aws::HttpClient>(), retry, options);
}

}  // namespace rankflow::testing
