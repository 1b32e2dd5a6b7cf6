#include "runtime/manifest.h"

#include <rapidjson/document.h>

#include <cstdio>
#include <random>

#include "runtime/aws/json.h"

namespace rankflow {
namespace {

constexpr size_t kAttemptHexDigits = 12;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A relative name that stays inside the folder: no empty, "." or ".." component.
bool IsInsideName(std::string_view rel) {
  if (rel.empty() || rel.front() == '/') return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t next = rel.find('/', pos);
    if (next == std::string_view::npos) next = rel.size();
    std::string_view part = rel.substr(pos, next - pos);
    if (part.empty() || part == "." || part == "..") return false;
    pos = next + 1;
  }
  return true;
}

}  // namespace

const ManifestFile* Manifest::Find(std::string_view name) const {
  for (const ManifestFile& f : files) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status ParseManifest(const std::string& dir, std::string_view json, Manifest* out) {
  *out = Manifest();
  const std::string where = dir + "/" + kManifestName;
  auto refuse = [&](const std::string& why) {
    return Status::InvalidArgument(where + ": not a rankflow manifest (" + why + ")");
  };
  rapidjson::Document doc;
  // Iterative: a foreign _SUCCESS nested a million levels deep must not overflow the stack.
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return refuse("not a JSON object");
  auto files = doc.FindMember("files");
  if (files == doc.MemberEnd() || !files->value.IsArray()) return refuse("no \"files\" array");
  out->attempt = aws::JsonString(doc, "attempt");
  const std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  for (const auto& f : files->value.GetArray()) {
    if (!f.IsObject()) return refuse("a file entry is not an object");
    ManifestFile m;
    m.path = aws::JsonString(f, "path");
    m.file = aws::JsonString(f, "file");
    m.name = aws::JsonString(f, "name");
    m.bytes = aws::JsonUint64(f, "bytes");
    m.records = aws::JsonUint64(f, "records");
    if (m.file.empty()) {  // before commit v2: derive from the recorded path
      m.file = m.path.compare(0, prefix.size(), prefix) == 0 ? m.path.substr(prefix.size())
                                                             : BaseName(m.path);
    }
    if (!IsInsideName(m.file)) return refuse("file outside the folder: " + m.file);
    if (m.name.empty()) m.name = m.file;
    out->files.push_back(std::move(m));
  }
  return Status::OK();
}

std::string NewAttemptId() {
  std::random_device random;  // /dev/urandom
  uint64_t bits = (uint64_t{random()} << 32) ^ random();
  char buf[kAttemptHexDigits + 3];
  std::snprintf(buf, sizeof buf, "rf%012llx",
                static_cast<unsigned long long>(bits & ((uint64_t{1} << 48) - 1)));
  return buf;
}

std::string AttemptFileName(std::string_view name, std::string_view attempt) {
  size_t dot = name.find('.');
  if (dot == std::string_view::npos) dot = name.size();
  std::string out(name.substr(0, dot));
  out += '-';
  out += attempt;
  out += name.substr(dot);
  return out;
}

bool IsAttemptFileName(std::string_view base) {
  for (size_t pos = base.find("-rf"); pos != std::string_view::npos;
       pos = base.find("-rf", pos + 1)) {
    size_t hex = pos + 3;
    if (base.size() < hex + kAttemptHexDigits) return false;
    size_t i = 0;
    while (i < kAttemptHexDigits && IsLowerHex(base[hex + i])) ++i;
    size_t end = hex + kAttemptHexDigits;
    if (i == kAttemptHexDigits && (end == base.size() || base[end] == '.')) return true;
  }
  return false;
}

bool IsPartitionFolder(std::string_view rel) {
  if (rel.empty()) return false;
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t next = rel.find('/', pos);
    if (next == std::string_view::npos) next = rel.size();
    const std::string_view part = rel.substr(pos, next - pos);
    const size_t eq = part.find('=');
    if (eq == 0 || eq == std::string_view::npos || eq + 1 == part.size()) return false;
    if (part[0] == '_' || part[0] == '.') return false;
    pos = next + 1;
  }
  return true;
}

}  // namespace rankflow
