// Seeded permutations that are identical on every machine, compiler and standard library.
// A SplitMix64 stream (Steele, Lea & Flood, "Fast splittable pseudorandom number
// generators", 2014) drives a Fisher–Yates shuffle whose bounded integers come from
// Lemire's multiply-and-reject method, so every step is plain 64-bit integer arithmetic.
// std::shuffle and std::uniform_int_distribution are deliberately not used: their output
// is implementation-defined and differs between libstdc++, libc++ and MSVC.
//
// Epoch e of seed s shuffles with the stream seeded by epoch_stream_seed(s, e), so epochs
// are independent permutations and any epoch can be recomputed without the ones before it
// (which is what makes a resumed loader land on exactly the same order).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace replaydb::loader {

/** SplitMix64's finaliser: a bijective 64-bit mix with good avalanche. */
uint64_t mix64(uint64_t value);

/** The SplitMix64 generator: state advances by the golden-ratio increment, output is mix64(state). */
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /** A uniform integer in [0, bound) for 0 < bound ≤ 2^32, without modulo bias (Lemire 2019). */
  uint32_t below(uint32_t bound);

 private:
  uint64_t state_;
};

/** The stream seed of one epoch: mix64(seed ^ mix64(epoch + golden ratio)). */
uint64_t epoch_stream_seed(uint64_t seed, uint64_t epoch);

/** Fisher–Yates from the last item down, drawing j = below(i + 1) for i = n-1 … 1. */
void shuffle_in_place(uint32_t* items, size_t count, uint64_t stream_seed);

/** 0 … count-1, shuffled for (seed, epoch). */
std::vector<uint32_t> epoch_permutation(size_t count, uint64_t seed, uint64_t epoch);

}  // namespace replaydb::loader
