// The CHECK macro of the standalone C++ test programs: counts passed checks, and at the
// first failed one prints where and exits non-zero. Each program ends with
// report_passed(), printing "N passed, 0 failed" (what test/native.test.ts looks for).
#pragma once
#include <cstdio>
#include <cstdlib>

namespace replaydb_test {

inline int passed_count = 0;

inline int report_passed() {
  std::printf("%d passed, 0 failed\n", passed_count);
  return 0;
}

}  // namespace replaydb_test

#define CHECK(condition)                                                                 \
  do {                                                                                   \
    if (condition) {                                                                     \
      ++replaydb_test::passed_count;                                                     \
    } else {                                                                             \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::fprintf(stderr, "%d passed, 1 failed\n", replaydb_test::passed_count);        \
      std::exit(1);                                                                      \
    }                                                                                    \
  } while (0)
