// Seeded, portable permutations (see permutation.hpp for the exact algorithm).
#include "loader/permutation.hpp"

#include <numeric>
#include <utility>

namespace replaydb::loader {

namespace {
constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;
}

uint64_t mix64(uint64_t value) {
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ull;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBull;
  return value ^ (value >> 31);
}

uint64_t SplitMix64::next() {
  state_ += kGoldenGamma;
  return mix64(state_);
}

uint32_t SplitMix64::below(uint32_t bound) {
  // Lemire, "Fast random integer generation in an interval" (2019): the high 32 bits of a
  // 32×32-bit product are uniform in [0, bound) once products whose low half falls below
  // 2^32 mod bound are rejected.
  uint64_t product = uint64_t(uint32_t(next() >> 32)) * bound;
  uint32_t low = uint32_t(product);
  if (low < bound) {
    const uint32_t threshold = uint32_t(-bound) % bound;
    while (low < threshold) {
      product = uint64_t(uint32_t(next() >> 32)) * bound;
      low = uint32_t(product);
    }
  }
  return uint32_t(product >> 32);
}

uint64_t epoch_stream_seed(uint64_t seed, uint64_t epoch) { return mix64(seed ^ mix64(epoch + kGoldenGamma)); }

void shuffle_in_place(uint32_t* items, size_t count, uint64_t stream_seed) {
  if (count < 2) return;
  SplitMix64 random(stream_seed);
  for (size_t i = count - 1; i > 0; i--) {
    const size_t j = random.below(uint32_t(i + 1));
    std::swap(items[i], items[j]);
  }
}

std::vector<uint32_t> epoch_permutation(size_t count, uint64_t seed, uint64_t epoch) {
  std::vector<uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  shuffle_in_place(order.data(), count, epoch_stream_seed(seed, epoch));
  return order;
}

}  // namespace replaydb::loader
