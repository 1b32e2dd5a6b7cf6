// Differential libFuzzer target: the fast v1.1 entity reader of top_terms (V1EntityReader) against
// TweetParser. Built by tests/operators/fuzz/run_fuzz.sh (target v1_entity_fuzz) with clang++
// -fsanitize=fuzzer,address,undefined. A finding (abort) is a line the fast reader answers where
// the parser's tweet, time or terms differ (tests/operators/v1_entity_check.h), or a crash.
// Findings go to tests/operators/fuzz/v1_entity_regressions/, replayed by v1_entity_reader_test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tests/operators/v1_entity_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rankflow::testing::V1EntityReaders* readers = new rankflow::testing::V1EntityReaders();
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const std::string diff = rankflow::testing::V1EntityDisagreement(*readers, line);
  if (!diff.empty()) {
    std::fprintf(stderr, "fuzz finding: fast reader and parser disagree: %s\n%.*s\n", diff.c_str(),
                 static_cast<int>(size), reinterpret_cast<const char*>(data));
    std::abort();
  }
  return 0;
}
