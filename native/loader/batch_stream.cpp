// Epochs, batch boundaries and per-batch gathers (see batch_stream.hpp).
#include "loader/batch_stream.hpp"

#include <algorithm>
#include <chrono>

#include "common/error.hpp"
#include "loader/gather.hpp"

namespace replaydb::loader {

BatchStream::BatchStream(std::shared_ptr<const LoaderData> data, const StreamSettings& settings, const StreamCursor& start)
    : data_(std::move(data)), settings_(settings), cursor_(start) {
  if (settings_.batch_size == 0) throw EngineError("invalid_parameter", "batch size must be at least 1");
  if (settings_.shard.world_size == 0 || settings_.shard.rank >= settings_.shard.world_size) {
    throw EngineError("invalid_parameter", "shard rank must be in [0, worldSize)");
  }
  if (settings_.token_batches) {
    if (!data_->tokens) throw EngineError("internal_error", "token batches are not configured");
    items_ = data_->tokens->index.trajectories();
    layout_ = token_batch_layout(settings_.target, settings_.batch_size, data_->tokens->seq_len);
    packer_ = std::make_unique<TokenPacker>(*data_->tokens);
  } else {
    items_ = data_->rows;
    layout_ = row_batch_layout(data_->columns, settings_.target, settings_.batch_size);
  }
  epoch_items_ = shard_size(items_, settings_.shard);
}

const std::vector<uint32_t>& BatchStream::order_for(uint64_t epoch) {
  if (order_epoch_ != epoch) {
    order_ = rank_epoch_order(items_, settings_.shuffle, settings_.seed, epoch, settings_.shard);
    order_epoch_ = epoch;
    if (settings_.token_batches) {
      suffix_tokens_.assign(order_.size() + 1, 0);
      suffix_streams_.assign(order_.size() + 1, 0);
      for (size_t i = order_.size(); i-- > 0;) {
        const uint64_t length = data_->trajectory_tokens[order_[i]];
        suffix_tokens_[i] = suffix_tokens_[i + 1] + length;
        suffix_streams_[i] = suffix_streams_[i + 1] + (length > 0 ? 1 : 0);
      }
    }
  }
  return order_;
}

uint64_t BatchStream::remaining_rows(uint64_t position, uint64_t token) const {
  if (position >= order_.size()) return 0;
  if (data_->tokens->pack) {
    const uint64_t tokens = suffix_tokens_[position] - std::min<uint64_t>(token, suffix_tokens_[position]);
    const uint64_t seq_len = data_->tokens->seq_len;
    return (tokens + seq_len - 1) / seq_len;
  }
  return suffix_streams_[position] - (token > 0 ? 1 : 0);
}

uint64_t BatchStream::epoch_batches() const {
  uint64_t rows = epoch_items_;
  if (settings_.token_batches) {
    // Every epoch holds the same streams (shuffled), except with padded shards; measure epoch 0's.
    std::vector<uint32_t> order = rank_epoch_order(items_, settings_.shuffle, settings_.seed, 0, settings_.shard);
    uint64_t tokens = 0, streams = 0;
    for (uint32_t item : order) {
      tokens += data_->trajectory_tokens[item];
      streams += data_->trajectory_tokens[item] > 0 ? 1 : 0;
    }
    rows = data_->tokens->pack ? (tokens + data_->tokens->seq_len - 1) / data_->tokens->seq_len : streams;
  }
  return settings_.drop_last ? rows / settings_.batch_size : (rows + settings_.batch_size - 1) / settings_.batch_size;
}

void BatchStream::next_epoch() {
  cursor_.epoch++;
  cursor_.batch = 0;
  cursor_.position = 0;
  cursor_.token = 0;
}

BatchInfo BatchStream::plan(uint8_t* destination) {
  const auto started = std::chrono::steady_clock::now();
  BatchInfo info;
  const size_t batch_size = settings_.batch_size;
  for (;;) {
    if (cursor_.epoch >= settings_.epochs || epoch_items_ == 0) {
      info.done = true;
      info.end = cursor_;
      return info;
    }
    order_for(cursor_.epoch);
    const uint64_t remaining = settings_.token_batches ? remaining_rows(cursor_.position, cursor_.token)
                                                       : epoch_items_ - std::min<uint64_t>(cursor_.position, epoch_items_);
    if (remaining == 0 || (settings_.drop_last && remaining < batch_size)) {
      next_epoch();
      continue;
    }
    break;
  }

  info.epoch = cursor_.epoch;
  info.batch = cursor_.batch;
  info.used.assign(layout_.regions.size(), 0);
  if (settings_.token_batches) {
    // Packing carries state from batch to batch, so it all happens here, in order.
    PackCursor pack{cursor_.position, cursor_.token};
    auto region = [&](size_t index) { return reinterpret_cast<int32_t*>(destination + layout_.regions[index].offset); };
    const PackOutput out{region(0), region(1), region(2), region(3)};
    info.size = packer_->pack(order_, pack, batch_size, out, info.tokens);
    cursor_.position = pack.item;
    cursor_.token = pack.token;
    for (size_t r = 0; r < 4; r++) info.used[r] = info.size * layout_.regions[r].row_bytes;
    const uint64_t remaining = remaining_rows(cursor_.position, cursor_.token);
    info.end_of_epoch = remaining == 0 || (settings_.drop_last && remaining < batch_size);
  } else {
    // Row batches only pick their rows here; gather() copies them, possibly on another thread.
    const size_t count = std::min<uint64_t>(batch_size, epoch_items_ - cursor_.position);
    info.rows.assign(order_.begin() + cursor_.position, order_.begin() + cursor_.position + count);
    info.size = count;
    cursor_.position += count;
    const uint64_t remaining = epoch_items_ - cursor_.position;
    info.end_of_epoch = remaining == 0 || (settings_.drop_last && remaining < batch_size);
  }
  cursor_.batch++;
  if (info.end_of_epoch) next_epoch();
  info.end = cursor_;
  info.gather_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return info;
}

void BatchStream::gather(BatchInfo& info, uint8_t* destination) const {
  if (info.done) return;
  const auto started = std::chrono::steady_clock::now();
  if (!settings_.token_batches) {
    for (size_t r = 0; r < layout_.regions.size(); r++) {
      const Region& region = layout_.regions[r];
      info.used[r] = gather_region(data_->columns[region.column], region, layout_.target, info.rows.data(), info.size, destination);
    }
  }
  info.bytes = 0;
  for (size_t used : info.used) info.bytes += used;
  info.gather_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

BatchInfo BatchStream::next(uint8_t* destination) {
  BatchInfo info = plan(destination);
  gather(info, destination);
  return info;
}

}  // namespace replaydb::loader
