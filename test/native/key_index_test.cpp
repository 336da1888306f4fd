// Tests of the primary-key index (native/store/key_index): random inserts, overwrites,
// erases and re-inserts of keys of many lengths, checked against std::unordered_map after
// every step, through growth, erased-slot reuse and arena compaction. A standalone
// program: it exits non-zero at the first failed CHECK and prints "N passed, 0 failed".
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "check.hpp"
#include "store/key_index.hpp"

using replaydb::KeyIndex;

namespace {

std::string key_of(uint64_t n) {
  // Lengths 0–40, including keys that are prefixes of others and embedded zero bytes.
  std::string key(n % 41, '\0');
  for (size_t i = 0; i < key.size(); i++) key[i] = char((n >> (i % 8)) * 131 + i);
  return key + std::to_string(n);
}

void check_same(const KeyIndex& index, const std::unordered_map<std::string, uint64_t>& expected, uint64_t universe) {
  CHECK(index.size() == expected.size());
  for (uint64_t n = 0; n < universe; n++) {
    const std::string key = key_of(n);
    const auto found = expected.find(key);
    CHECK(index.find(key) == (found == expected.end() ? KeyIndex::kNone : found->second));
  }
}

}  // namespace

int main() {
  std::mt19937_64 random(20261205);
  for (const uint64_t universe : {10ull, 300ull, 5000ull}) {
    KeyIndex index;
    std::unordered_map<std::string, uint64_t> expected;
    CHECK(index.find("absent") == KeyIndex::kNone);
    for (int step = 0; step < 20000; step++) {
      const uint64_t n = random() % universe;
      const std::string key = key_of(n);
      switch (random() % 4) {
        case 0:
        case 1: {
          const uint64_t position = random() % 1000000;
          index.assign(key, position);
          expected[key] = position;
          break;
        }
        case 2:
          index.erase(key);
          expected.erase(key);
          break;
        case 3:
          // An UPDATE of a keyed row: erased, then stored again at a new position.
          index.erase(key);
          index.assign(key, uint64_t(step));
          expected[key] = uint64_t(step);
          break;
      }
      if (step % 2500 == 0) check_same(index, expected, universe);
    }
    check_same(index, expected, universe);
    // Hashing is part of the interface: find(key, hash(key)) is find(key).
    for (const auto& [key, position] : expected) CHECK(index.find(key, KeyIndex::hash(key)) == position);
  }
  // reserve() keeps what is stored.
  KeyIndex index;
  for (uint64_t n = 0; n < 100; n++) index.assign(key_of(n), n);
  index.reserve(100000);
  for (uint64_t n = 0; n < 100; n++) CHECK(index.find(key_of(n)) == n);
  return replaydb_test::report_passed();
}
