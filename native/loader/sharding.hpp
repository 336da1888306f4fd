// Sharding for distributed training: which part of an epoch each rank visits. The epoch's
// order (the query's order, or the seeded permutation) is dealt out round-robin: rank r of
// w takes positions r, r + w, r + 2w, … . Every rank gets the same number of items, so
// ranks step in lockstep; the remainder rule decides what happens to the n mod w items
// that do not divide evenly:
//   - Drop (default): the last n mod w positions of the epoch's order are left out, so the
//     parts are disjoint and each holds ⌊n / w⌋ items. With shuffling a different handful
//     of items sits out each epoch.
//   - Pad: the order is extended by wrapping around to its start until it divides evenly,
//     so the parts cover every item and each holds ⌈n / w⌉; up to w − 1 items appear twice
//     in that epoch (once on two different ranks).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace replaydb::loader {

enum class ShardRemainder : uint8_t { Drop, Pad };

struct ShardSpec {
  uint32_t rank = 0;
  uint32_t world_size = 1;
  ShardRemainder remainder = ShardRemainder::Drop;
};

/** Items one rank visits per epoch when the epoch has `items`. */
size_t shard_size(size_t items, const ShardSpec& shard);

/**
 * The items rank `shard.rank` visits in epoch `epoch`, in visiting order: the epoch's order
 * (identity, or the permutation of (seed, epoch) when `shuffle`) dealt out by `shard`.
 */
std::vector<uint32_t> rank_epoch_order(size_t items, bool shuffle, uint64_t seed, uint64_t epoch, const ShardSpec& shard);

}  // namespace replaydb::loader
