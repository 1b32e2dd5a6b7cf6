// Inputs and helpers shared by the tests of the collective pieces (sort, group, join, topk): keyed
// byte records with skew, keys that hold 0x00 and 0xff and are prefixes of each other, and an
// all-gather of (key, value) pairs. The references in the tests are built from every rank's
// inputs with std containers, independently of the pieces under test.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/spill.h"

namespace rankflow::testing {

struct KeyedRecord {
  std::string key;
  std::string value;  // "r<rank>.<index>": names its origin, so order checks can see ties
};

// n records of `rank`; hot_share of them carry the key "hot" (one key with most of the values).
inline std::vector<KeyedRecord> KeyedInputs(int rank, int n, double hot_share, uint64_t seed) {
  std::mt19937_64 rng(seed * 1000 + static_cast<uint64_t>(rank));
  const char alphabet[] = {'\0', 'a', 'b', '\xff', 'z'};
  std::vector<KeyedRecord> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    std::string key;
    if (std::uniform_real_distribution<double>(0, 1)(rng) < hot_share) {
      key = "hot";
    } else {
      const size_t len = rng() % 5;
      for (size_t j = 0; j < len; ++j) key.push_back(alphabet[rng() % 5]);
      if (rng() % 4 == 0) key += std::to_string(rng() % 500);
    }
    out.push_back({key, "r" + std::to_string(rank) + "." + std::to_string(i)});
  }
  return out;
}

// Every rank's records, in rank order (each rank's in its own order).
inline std::vector<KeyedRecord> AllGatherRecords(const MpiContext& mpi,
                                                 const std::vector<KeyedRecord>& mine) {
  std::string wire;
  for (const KeyedRecord& r : mine) AppendFramedRecord(&wire, r.key, r.value);
  std::vector<KeyedRecord> all;
  for (const std::string& part : mpi.AllGather(wire)) {
    const char* p = part.data();
    const char* end = p + part.size();
    std::string_view k, v;
    while (p < end && (p = ParseFramedRecord(p, end, &k, &v)) != nullptr) {
      all.push_back({std::string(k), std::string(v)});
    }
  }
  return all;
}

// (rank, index) of a value written by KeyedInputs, for ordering ties.
inline std::pair<int, int> Origin(const std::string& value) {
  const size_t dot = value.find('.');
  return {std::stoi(value.substr(1, dot - 1)), std::stoi(value.substr(dot + 1))};
}

// Forces the hard paths: spills after a few records, rounds of a few records.
inline ShuffleOptions TinyBudget() {
  ShuffleOptions o;
  o.memory_bytes = 16 << 10;
  o.round_bytes = 256;
  return o;
}

}  // namespace rankflow::testing
