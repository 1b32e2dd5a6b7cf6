#include "provision/cluster_spec.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>

namespace rankflow::provision {
namespace {

using Setter = std::function<Status(ClusterSpec*, const std::string&)>;

Status ParseInt(const std::string& key, const std::string& v, int* out) {
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0')
    return Status::InvalidArgument("--" + key + ": not an integer: " + v);
  *out = static_cast<int>(n);
  return Status::OK();
}

Status ParseBool(const std::string& key, const std::string& v, bool* out) {
  if (v == "true" || v == "1" || v == "yes" || v.empty()) {
    *out = true;
  } else if (v == "false" || v == "0" || v == "no") {
    *out = false;
  } else {
    return Status::InvalidArgument("--" + key + ": not a boolean: " + v);
  }
  return Status::OK();
}

// "a,b,c" -> {"a", "b", "c"}, empty items dropped.
std::vector<std::string> SplitList(const std::string& v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    std::string item =
        v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A setting whose comma list gives the first choice and the fallbacks after it.
Setter FirstAndFallbacks(std::string ClusterSpec::*first,
                         std::vector<std::string> ClusterSpec::*fallbacks) {
  return [first, fallbacks](ClusterSpec* s, const std::string& v) {
    std::vector<std::string> items = SplitList(v);
    s->*first = items.empty() ? std::string() : items.front();
    s->*fallbacks = items.empty() ? std::vector<std::string>()
                                  : std::vector<std::string>(items.begin() + 1, items.end());
    return Status::OK();
  };
}

template <typename Field>
Setter Str(Field ClusterSpec::*f) {
  return [f](ClusterSpec* s, const std::string& v) {
    s->*f = v;
    return Status::OK();
  };
}

const std::map<std::string, Setter>& Setters() {
  static const auto* setters = new std::map<std::string, Setter>{
      {"name", Str(&ClusterSpec::name)},
      {"region", Str(&ClusterSpec::region)},
      {"head_type", FirstAndFallbacks(&ClusterSpec::head_type, &ClusterSpec::head_type_fallbacks)},
      {"worker_type",
       FirstAndFallbacks(&ClusterSpec::worker_type, &ClusterSpec::worker_type_fallbacks)},
      {"workers",
       [](ClusterSpec* s, const std::string& v) { return ParseInt("workers", v, &s->workers); }},
      {"ami", Str(&ClusterSpec::ami)},
      {"spot", [](ClusterSpec* s, const std::string& v) { return ParseBool("spot", v, &s->spot); }},
      {"spot_max_price", Str(&ClusterSpec::spot_max_price)},
      {"subnet_id", FirstAndFallbacks(&ClusterSpec::subnet_id, &ClusterSpec::subnet_id_fallbacks)},
      {"vpc_id", Str(&ClusterSpec::vpc_id)},
      {"availability_zone", FirstAndFallbacks(&ClusterSpec::availability_zone,
                                              &ClusterSpec::availability_zone_fallbacks)},
      {"on_demand_fallback",
       [](ClusterSpec* s, const std::string& v) {
         return ParseBool("on-demand-fallback", v, &s->on_demand_fallback);
       }},
      {"node_boot_s",
       [](ClusterSpec* s, const std::string& v) {
         return ParseInt("node-boot-s", v, &s->node_boot_s);
       }},
      {"max_replacements",
       [](ClusterSpec* s, const std::string& v) {
         return ParseInt("max-replacements", v, &s->max_replacements);
       }},
      {"private_ips",
       [](ClusterSpec* s, const std::string& v) {
         return ParseBool("private-ips", v, &s->private_ips);
       }},
      {"ssh_cidr", Str(&ClusterSpec::ssh_cidr)},
      {"ttl_minutes",
       [](ClusterSpec* s, const std::string& v) {
         return ParseInt("ttl-minutes", v, &s->ttl_minutes);
       }},
      {"ssh_user", Str(&ClusterSpec::ssh_user)},
      {"instance_profile", Str(&ClusterSpec::instance_profile)},
      {"artifacts", Str(&ClusterSpec::artifacts)},
      {"placement_group",
       [](ClusterSpec* s, const std::string& v) {
         return ParseBool("placement-group", v, &s->placement_group);
       }},
      {"boot_deadline_s",
       [](ClusterSpec* s, const std::string& v) {
         return ParseInt("boot-deadline-s", v, &s->boot_deadline_s);
       }},
      {"ssh_port",
       [](ClusterSpec* s, const std::string& v) { return ParseInt("ssh-port", v, &s->ssh_port); }},
      {"key_dir", Str(&ClusterSpec::key_dir)},
      {"extra_packages",
       [](ClusterSpec* s, const std::string& v) {
         s->extra_packages = SplitList(v);
         return Status::OK();
       }},
      {"scheduler_role_arn", Str(&ClusterSpec::scheduler_role_arn)},
      {"log_url", Str(&ClusterSpec::log_url)},
      {"local",
       [](ClusterSpec* s, const std::string& v) { return ParseBool("local", v, &s->local); }},
      {"local_authorized_keys", Str(&ClusterSpec::local_authorized_keys)},
      {"local_user", Str(&ClusterSpec::local_user)},
  };
  return *setters;
}

std::string Normalize(std::string key) {
  std::replace(key.begin(), key.end(), '-', '_');
  return key;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 40 || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

Status ApplyOverride(ClusterSpec* spec, const std::string& key, const std::string& value) {
  auto it = Setters().find(Normalize(key));
  if (it == Setters().end()) return Status::InvalidArgument("unknown cluster setting: " + key);
  return it->second(spec, value);
}

Result<ClusterSpec> ParseClusterSpec(const std::string& json, const std::string& source_name) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument(source_name + ": not a JSON object");
  }
  ClusterSpec spec;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key = it->name.GetString();
    const rapidjson::Value& v = it->value;
    std::string text;
    if (v.IsString()) {
      text = v.GetString();
    } else if (v.IsInt()) {
      text = std::to_string(v.GetInt());
    } else if (v.IsBool()) {
      text = v.GetBool() ? "true" : "false";
    } else if (v.IsArray()) {
      for (const auto& item : v.GetArray()) {
        if (!item.IsString()) {
          return Status::InvalidArgument(source_name + ": " + key + ": expected strings");
        }
        text += (text.empty() ? "" : ",") + std::string(item.GetString());
      }
    } else {
      return Status::InvalidArgument(source_name + ": " + key + ": unsupported value type");
    }
    Status s = ApplyOverride(&spec, key, text);
    if (!s.ok()) return s.WithPrefix(source_name);
  }
  return spec;
}

Status ValidateSpec(ClusterSpec* spec) {
  if (!ValidName(spec->name)) {
    return Status::InvalidArgument("cluster name '" + spec->name +
                                   "' must be 1-40 characters of a-z, 0-9 and '-'");
  }
  if (spec->workers < 0 || spec->workers > 100) {
    return Status::InvalidArgument("workers must be 0..100, not " + std::to_string(spec->workers));
  }
  if (spec->ttl_minutes < 5 || spec->ttl_minutes > 7 * 24 * 60) {
    return Status::InvalidArgument("ttl-minutes must be 5..10080, not " +
                                   std::to_string(spec->ttl_minutes));
  }
  if (spec->boot_deadline_s < 1) return Status::InvalidArgument("boot-deadline-s must be > 0");
  if (spec->node_boot_s < 1) return Status::InvalidArgument("node-boot-s must be > 0");
  if (spec->max_replacements < 0 || spec->max_replacements > 100) {
    return Status::InvalidArgument("max-replacements must be 0..100, not " +
                                   std::to_string(spec->max_replacements));
  }
  if (spec->head_type.empty() || spec->worker_type.empty()) {
    return Status::InvalidArgument("head-type and worker-type need at least one instance type");
  }
  if (!spec->artifacts.empty() && spec->artifacts.rfind("s3://", 0) != 0) {
    return Status::InvalidArgument("artifacts must be an s3://bucket/key url: " + spec->artifacts);
  }
  if (!spec->log_url.empty() && spec->log_url.rfind("s3://", 0) != 0) {
    return Status::InvalidArgument("log-url must be an s3://bucket/prefix url: " + spec->log_url);
  }
  if (!spec->scheduler_role_arn.empty() &&
      (spec->scheduler_role_arn.rfind("arn:", 0) != 0 ||
       spec->scheduler_role_arn.find(":role/") == std::string::npos)) {
    return Status::InvalidArgument(
        "scheduler-role-arn must be an IAM role ARN "
        "(arn:aws:iam::<account>:role/<name>), not " +
        spec->scheduler_role_arn);
  }
  if (spec->local) {
    spec->ssh_user = spec->local_user;
    if (spec->ssh_cidr.empty()) spec->ssh_cidr = "127.0.0.0/8";
    if (spec->scheduler_role_arn.empty()) {
      spec->scheduler_role_arn = "arn:aws:iam::123456789012:role/rankflow-scheduler";
    }
  }
  if (spec->key_dir.empty()) {
    const char* home = std::getenv("HOME");
    if (home == nullptr || *home == '\0') {
      return Status::InvalidArgument("HOME is not set; give --key-dir");
    }
    spec->key_dir = std::string(home) + "/.rankflow/" + spec->name;
  }
  return Status::OK();
}

Status ValidateSpecForUp(const ClusterSpec& spec) {
  if (!spec.local && spec.ssh_cidr.empty()) {
    return Status::InvalidArgument(
        "ssh-cidr is required: the addresses allowed to SSH in, e.g. your IP with /32");
  }
  return Status::OK();
}

std::vector<std::string> SpecKeys() {
  std::vector<std::string> keys;
  for (const auto& [k, v] : Setters()) keys.push_back(k);
  return keys;
}

std::string ResourceName(const ClusterSpec& spec) { return "rankflow-" + spec.name; }

std::string UtcTimestamp(int64_t epoch_s) {
  std::time_t t = static_cast<std::time_t>(epoch_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int64_t ParseUtcTimestamp(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr) return -1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace rankflow::provision
