// Small wrappers over the C library that several layers need once each (rankflow_base).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rankflow {

// strerror(err) with its first letter lowercased (messages here are lowercase):
// "no such file or directory".
std::string ErrnoText(int err);

// The whole file at path into *out; false (and *out untouched) if it cannot be opened or read.
bool ReadWholeFile(const std::string& path, std::string* out);

// A non-negative decimal integer from the environment; nullopt when the variable is unset, empty,
// negative, out of range or not a number.
std::optional<int64_t> EnvInt(const char* name);

}  // namespace rankflow
