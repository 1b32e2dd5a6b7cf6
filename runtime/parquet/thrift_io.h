// Thrift Compact Protocol (de)serialisation of the generated Parquet metadata types
// (runtime/parquet/parquet_types.h, namespace parquet): page headers and the file footer.
// Thread-safe (no shared state).
#pragma once

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <climits>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>

#include "runtime/status.h"

namespace rankflow {

// Appends the compact encoding of `value` (any generated struct) to *out.
template <typename T>
void AppendThrift(const T& value, std::string* out);

// Reads one `T` from the start of data[0, size) into *value; *consumed (if given) gets the bytes
// it took. Strings and containers are limited to `size` bytes/elements, so corrupt input cannot
// make it allocate more than a multiple of its size. Corruption "bad thrift metadata: why" on bad
// or truncated input; never throws.
template <typename T>
Status ReadThrift(const uint8_t* data, size_t size, T* value, size_t* consumed = nullptr);

template <typename T>
void AppendThrift(const T& value, std::string* out) {
  using apache::thrift::transport::TMemoryBuffer;
  auto buffer = std::make_shared<TMemoryBuffer>();
  apache::thrift::protocol::TCompactProtocolT<TMemoryBuffer> protocol(buffer);
  value.write(&protocol);
  uint8_t* bytes = nullptr;
  uint32_t n = 0;
  buffer->getBuffer(&bytes, &n);
  out->append(reinterpret_cast<const char*>(bytes), n);
}

template <typename T>
Status ReadThrift(const uint8_t* data, size_t size, T* value, size_t* consumed) {
  using apache::thrift::transport::TMemoryBuffer;
  if (size > static_cast<size_t>(INT_MAX)) return Status::Corruption("thrift: message too large");
  try {
    auto config = std::make_shared<apache::thrift::TConfiguration>(INT_MAX, INT_MAX);
    auto buffer = std::make_shared<TMemoryBuffer>(
        const_cast<uint8_t*>(data), static_cast<uint32_t>(size), TMemoryBuffer::OBSERVE, config);
    const int32_t limit = static_cast<int32_t>(size);
    apache::thrift::protocol::TCompactProtocolT<TMemoryBuffer> protocol(buffer, limit, limit);
    value->read(&protocol);
    if (consumed != nullptr) *consumed = size - buffer->available_read();
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("bad thrift metadata: ") + e.what());
  }
  return Status::OK();
}

}  // namespace rankflow
