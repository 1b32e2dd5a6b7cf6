// Members of a parsed JSON object (rapidjson): the value when it is there and of the asked type,
// else a default. For AWS answers (IMDS, credential_process, EventBridge Scheduler) and rankflow's
// own manifests. Thread-safe (pure).
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <string>

namespace rankflow::aws {

// v[key] as a string (embedded NULs kept); "" when v is not an object, has no such member or the
// member is not a string.
inline std::string JsonString(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// v[key] as an unsigned 64-bit integer; 0 when v is not an object, has no such member or the
// member is not one.
inline uint64_t JsonUint64(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return 0;
  auto it = v.FindMember(key);
  return it != v.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

}  // namespace rankflow::aws
