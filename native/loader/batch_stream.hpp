// A stream of batches over a loader's data: the cursor that walks epochs, the rank's part
// of each epoch (sharding.hpp), the batch boundaries (batch size, drop_last), and the gather
// or token packing of each batch into a caller-given allocation (batch_layout.hpp). It runs
// on the prefetch threads: plan() on one at a time, in order; gather() on several at once.
//
// The cursor after a batch is the loader's resumable state: (epoch, batch, position,
// token), where position counts items (rows, or trajectories for token batches) of the
// rank's epoch already consumed and token the tokens of the item at `position` already
// emitted (packing's leftover). A stream started at a cursor produces exactly the batches
// an uninterrupted stream would have produced from that point.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/column.hpp"
#include "loader/batch_layout.hpp"
#include "loader/sharding.hpp"
#include "loader/token_packer.hpp"

namespace replaydb::loader {

/** What every stream of one loader reads; immutable once built and shared between threads. */
struct LoaderData {
  std::vector<ColumnView> columns;
  size_t rows = 0;
  /** Set once token batches are configured. */
  std::shared_ptr<const TokenCorpus> tokens;
  /** Token streams only: per trajectory, the length of its rendered token stream. */
  std::vector<uint64_t> trajectory_tokens;
};

struct StreamSettings {
  bool token_batches = false;
  BatchTarget target = BatchTarget::Host;
  size_t batch_size = 32;
  uint64_t epochs = 1;  // UINT64_MAX: without end
  bool drop_last = false;
  bool shuffle = false;
  uint64_t seed = 0;
  ShardSpec shard;
};

struct StreamCursor {
  uint64_t epoch = 0;
  uint64_t batch = 0;
  uint64_t position = 0;
  uint64_t token = 0;
};

struct BatchInfo {
  bool done = false;
  uint64_t epoch = 0;
  uint64_t batch = 0;
  size_t size = 0;           // rows in the batch
  size_t tokens = 0;         // token batches: non-padding tokens
  bool end_of_epoch = false; // the last batch of its epoch
  StreamCursor end;          // where the next batch starts
  std::vector<size_t> used;  // bytes used, per layout region
  size_t bytes = 0;          // sum of `used`
  double gather_seconds = 0; // time the gather (or packing) took on the thread
  std::vector<uint32_t> rows;  // row batches: the rows plan() picked, for gather()
};

class BatchStream {
 public:
  BatchStream(std::shared_ptr<const LoaderData> data, const StreamSettings& settings, const StreamCursor& start);

  const BatchLayout& layout() const { return layout_; }
  /** Items (rows or trajectories) the rank visits per epoch. */
  size_t epoch_items() const { return epoch_items_; }
  /** Batches per epoch for this rank. */
  uint64_t epoch_batches() const;

  /** Gathers the next batch into `destination` (layout().total_bytes bytes); done when the epochs are over. */
  BatchInfo next(uint8_t* destination);

  /**
   * next() in two steps, so that batches can be gathered in parallel: plan() advances the
   * cursor and picks the next batch's rows (token batches: packs it entirely); calls must
   * be made one at a time, in batch order. gather() then copies a planned row batch into
   * its destination; it only reads shared, immutable data, so several may run at once.
   */
  BatchInfo plan(uint8_t* destination);
  void gather(BatchInfo& info, uint8_t* destination) const;

  /** Moves the cursor (no call of next() may be running). */
  void seek(const StreamCursor& cursor) { cursor_ = cursor; }

 private:
  const std::vector<uint32_t>& order_for(uint64_t epoch);
  /** Rows the rest of the current epoch fills from `position`/`token` (token batches). */
  uint64_t remaining_rows(uint64_t position, uint64_t token) const;
  void next_epoch();

  std::shared_ptr<const LoaderData> data_;
  StreamSettings settings_;
  StreamCursor cursor_;
  BatchLayout layout_;
  size_t items_ = 0;
  size_t epoch_items_ = 0;
  uint64_t order_epoch_ = UINT64_MAX;
  std::vector<uint32_t> order_;
  std::unique_ptr<TokenPacker> packer_;
  // Token batches: over the current order, suffix sums of stream lengths and non-empty streams.
  std::vector<uint64_t> suffix_tokens_;
  std::vector<uint64_t> suffix_streams_;
};

}  // namespace replaydb::loader
