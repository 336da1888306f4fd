// Round-robin sharding of an epoch's order with a drop or pad remainder (see sharding.hpp).
#include "loader/sharding.hpp"

#include <numeric>

#include "loader/permutation.hpp"

namespace replaydb::loader {

size_t shard_size(size_t items, const ShardSpec& shard) {
  if (items == 0) return 0;
  const size_t world = shard.world_size;
  return shard.remainder == ShardRemainder::Drop ? items / world : (items + world - 1) / world;
}

std::vector<uint32_t> rank_epoch_order(size_t items, bool shuffle, uint64_t seed, uint64_t epoch, const ShardSpec& shard) {
  std::vector<uint32_t> order;
  if (shuffle) {
    order = epoch_permutation(items, seed, epoch);
  } else {
    order.resize(items);
    std::iota(order.begin(), order.end(), 0u);
  }
  if (shard.world_size == 1) return order;
  const size_t count = shard_size(items, shard);
  std::vector<uint32_t> part(count);
  for (size_t position = 0; position < count; position++) {
    // Pad wraps past the end of the order back to its start; Drop never gets there.
    part[position] = order[(position * shard.world_size + shard.rank) % items];
  }
  return part;
}

}  // namespace replaydb::loader
