// HTTP on libcurl: a thread-safe client that reuses connections (a pool of easy handles, each
// keeping its connections alive), verifies TLS, and enforces connect and low-speed timeouts.
//
// Perform() reports transport failures (connection refused/reset, timeouts, a body shorter than
// its Content-Length) as a non-ok Status with code kUnavailable; any HTTP status (200, 404, 503 …)
// is a successful exchange and lands in HttpResponse::status. Messages name the method and the URL
// as RedactUrl (config.h) shows it: no query (presigned URLs carry signatures), no user info.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/status.h"

namespace rankflow::aws {

struct HttpOptions {
  int64_t connect_timeout_ms = 5000;
  // A transfer slower than low_speed_bytes_per_s for low_speed_time_s is aborted (timeout).
  int64_t low_speed_bytes_per_s = 1024;
  int64_t low_speed_time_s = 30;
  // Whole-request limit; 0 = none (big downloads rely on the low-speed limit instead).
  int64_t total_timeout_ms = 0;
  bool verify_tls = true;  // never turned off by rankflow itself
  std::string ca_file;     // empty: the system bundle
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // fully encoded: "http://127.0.0.1:5000/bucket/a%20b?uploads="
  // Sent as given. Callers always set Content-Type when there is a body (moto needs it); Perform
  // adds "Content-Type: application/octet-stream" for a body without one.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;  // not owned; must outlive Perform
  // If set, response body bytes go here as they arrive (nothing is stored in HttpResponse::body).
  // Return false to abort the transfer (Perform then returns kAborted). Only called for 2xx
  // responses; error bodies are always collected into HttpResponse::body.
  std::function<bool(const char* data, size_t n)> on_body;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  uint64_t body_bytes = 0;  // bytes received (also counted when streamed)
  // First header of that (case-insensitive) name, or "".
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Thread-safe: concurrent calls use different pooled handles. Blocking.
  Status Perform(const HttpRequest& request, HttpResponse* response);

 private:
  struct Handle;
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> h);
  HttpOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace rankflow::aws
