// Where an AWS service is and how to reach it: endpoint, region, addressing style, resolved from
// the environment and the shared config file. Pure functions over an EnvLookup, so tests can inject
// variables without touching the process environment.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "runtime/status.h"

namespace rankflow::aws {

// Looks up one environment variable; nullopt when unset. Must be thread-safe.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (std::getenv). Empty values count as unset.
EnvLookup ProcessEnv();
// A fixed map, for tests. Empty values count as unset.
EnvLookup MapEnv(std::map<std::string, std::string> vars);

// An INI file as AWS writes them: "[section]" lines, "key = value" lines, '#' and ';' comments.
// Keys and section names are trimmed; values are trimmed. Later keys win.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile ParseIni(const std::string& text);

// The profile in use: AWS_PROFILE, else "default".
std::string ProfileName(const EnvLookup& env);
// ~/.aws/config (or AWS_CONFIG_FILE) and ~/.aws/credentials (or AWS_SHARED_CREDENTIALS_FILE).
std::string ConfigFilePath(const EnvLookup& env);
std::string CredentialsFilePath(const EnvLookup& env);
// The settings of `profile` in the config file ("[profile name]", or "[default]"); empty when the
// file or the section is missing.
std::map<std::string, std::string> ConfigProfile(const EnvLookup& env, const std::string& profile);

// Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's "region" in the config file, "us-east-1".
std::string ResolveRegion(const EnvLookup& env);

struct ServiceEndpoint {
  std::string scheme;     // "https" or "http"
  std::string host;       // "s3.us-east-1.amazonaws.com", "127.0.0.1"
  int port = 0;           // 0: the scheme's default
  std::string base_path;  // path prefix of a custom endpoint without trailing '/', usually ""
  bool custom = false;    // from AWS_ENDPOINT_URL*
  std::string region;
  // S3 only: bucket in the path ("http://host/bucket/key") instead of the host name. True when
  // RANKFLOW_S3_PATH_STYLE=1 or the endpoint is custom (moto, MinIO); RANKFLOW_S3_PATH_STYLE=0
  // forces virtual-host style.
  bool path_style = false;

  // "host" or "host:port" as sent in the Host header.
  std::string HostHeader() const;
  // "scheme://host[:port]".
  std::string Origin() const;
};

// Splits "http://127.0.0.1:5000/base" into its parts. InvalidArgument naming the url (as RedactUrl
// shows it) if malformed or if it carries user info ("http://user:password@host").
Result<ServiceEndpoint> ParseEndpointUrl(const std::string& url);

// A url as every message and log line shows it: without its query and fragment (presigned
// queries hold signatures) and without user info: everything from the start of the authority
// (after "://", or from the start when there is no scheme) to the last '@' before the query
// becomes "***", so "http://user:pw@host:9000/p?X-Amz-Signature=…" reads "http://***@host:9000/p"
// however malformed the url is. Pure.
std::string RedactUrl(std::string_view url);

// Endpoint of a service ("s3", "ec2"): AWS_ENDPOINT_URL_<SERVICE> (upper case), AWS_ENDPOINT_URL,
// else https://<service>.<region>.amazonaws.com. The region is `region` when not empty (a cluster
// file's), else ResolveRegion(env). InvalidArgument if an override is malformed.
Result<ServiceEndpoint> ResolveServiceEndpoint(const std::string& service, const EnvLookup& env,
                                               const std::string& region = "");

}  // namespace rankflow::aws
