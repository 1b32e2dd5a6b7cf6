#include "runtime/aws/config.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/sys.h"

namespace rankflow::aws {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string HomeDir(const EnvLookup& env) {
  auto home = env("HOME");
  return home ? *home : std::string("/root");
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

IniFile ParseIni(const std::string& text) {
  IniFile out;
  std::string section;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = Trim(std::string_view(t).substr(1, t.size() - 2));
      out[section];
      continue;
    }
    size_t eq = t.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    out[section][Trim(std::string_view(t).substr(0, eq))] =
        Trim(std::string_view(t).substr(eq + 1));
  }
  return out;
}

std::string ProfileName(const EnvLookup& env) {
  auto p = env("AWS_PROFILE");
  return p ? *p : std::string("default");
}

std::string ConfigFilePath(const EnvLookup& env) {
  auto p = env("AWS_CONFIG_FILE");
  return p ? *p : HomeDir(env) + "/.aws/config";
}

std::string CredentialsFilePath(const EnvLookup& env) {
  auto p = env("AWS_SHARED_CREDENTIALS_FILE");
  return p ? *p : HomeDir(env) + "/.aws/credentials";
}

std::map<std::string, std::string> ConfigProfile(const EnvLookup& env, const std::string& profile) {
  std::string text;
  if (!ReadWholeFile(ConfigFilePath(env), &text)) return {};
  IniFile ini = ParseIni(text);
  auto it = ini.find("profile " + profile);
  if (it != ini.end()) return it->second;
  if (profile == "default") {
    it = ini.find("default");
    if (it != ini.end()) return it->second;
  }
  return {};
}

std::string ResolveRegion(const EnvLookup& env) {
  if (auto r = env("AWS_REGION")) return *r;
  if (auto r = env("AWS_DEFAULT_REGION")) return *r;
  auto profile = ConfigProfile(env, ProfileName(env));
  auto it = profile.find("region");
  if (it != profile.end() && !it->second.empty()) return it->second;
  return "us-east-1";
}

std::string ServiceEndpoint::HostHeader() const {
  if (port == 0) return host;
  return host + ":" + std::to_string(port);
}

std::string ServiceEndpoint::Origin() const { return scheme + "://" + HostHeader(); }

std::string RedactUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const size_t sep = url.find("://");
  const size_t authority = sep == std::string_view::npos ? 0 : sep + 3;
  const size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(url);
  return std::string(url.substr(0, authority)) + "***" + std::string(url.substr(at));
}

Result<ServiceEndpoint> ParseEndpointUrl(const std::string& url) {
  ServiceEndpoint ep;
  const std::string shown = RedactUrl(url);
  if (url.find('@') != std::string::npos) {
    return Status::InvalidArgument("endpoint url '" + shown +
                                   "': must not carry user info (credentials come from the aws "
                                   "credential chain)");
  }
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return Status::InvalidArgument("endpoint url '" + shown + "': expected http(s)://host[:port]");
  }
  ep.scheme = url.substr(0, sep);
  if (ep.scheme != "http" && ep.scheme != "https") {
    return Status::InvalidArgument("endpoint url '" + shown + "': scheme must be http or https");
  }
  std::string rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    ep.base_path = rest.substr(slash);
    while (!ep.base_path.empty() && ep.base_path.back() == '/') ep.base_path.pop_back();
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    std::string port = authority.substr(colon + 1);
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p <= 0 || p > 65535) {
      return Status::InvalidArgument("endpoint url '" + shown + "': bad port '" + port + "'");
    }
    // A default port is left out: curl omits it from the Host header, the signature must too.
    const bool is_default = (ep.scheme == "http" && p == 80) || (ep.scheme == "https" && p == 443);
    ep.port = is_default ? 0 : static_cast<int>(p);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return Status::InvalidArgument("endpoint url '" + shown + "': no host");
  ep.host = authority;
  return ep;
}

Result<ServiceEndpoint> ResolveServiceEndpoint(const std::string& service, const EnvLookup& env,
                                               const std::string& region_override) {
  const std::string region = region_override.empty() ? ResolveRegion(env) : region_override;
  std::optional<std::string> url = env("AWS_ENDPOINT_URL_" + Upper(service));
  if (!url) url = env("AWS_ENDPOINT_URL");
  ServiceEndpoint ep;
  if (url) {
    Result<ServiceEndpoint> parsed = ParseEndpointUrl(*url);
    if (!parsed.ok()) return parsed.status();
    ep = std::move(parsed).value();
    ep.custom = true;
  } else {
    ep.scheme = "https";
    ep.host = service + "." + region + ".amazonaws.com";
  }
  ep.region = region;
  ep.path_style = ep.custom;
  if (auto ps = env("RANKFLOW_S3_PATH_STYLE")) ep.path_style = (*ps == "1" || *ps == "true");
  return ep;
}

}  // namespace rankflow::aws
