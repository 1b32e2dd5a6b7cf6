// UTF-8 encoding of one code point. In rankflow_base, so runtime/aws and every layer above share
// it.
#pragma once

#include <cstdint>
#include <string>

namespace rankflow {

// Appends code point `cp` (at most 0x10FFFF; the caller validates) to `out` as 1–4 UTF-8 bytes.
void AppendUtf8(uint32_t cp, std::string* out);

}  // namespace rankflow
