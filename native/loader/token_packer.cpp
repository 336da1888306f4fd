// Rendering trajectories into token streams and packing them into rows (see token_packer.hpp).
#include "loader/token_packer.hpp"

#include <algorithm>

#include "loader/byte_tokenizer.hpp"

namespace replaydb::loader {

void TokenPacker::render(uint32_t trajectory, std::vector<int32_t>& tokens, std::vector<uint8_t>& mask) const {
  tokens.clear();
  mask.clear();
  const TrajectoryIndex& index = corpus_.index;
  for (uint32_t i = index.offsets[trajectory]; i < index.offsets[trajectory + 1]; i++) {
    const uint32_t row = index.rows[i];
    const RoleTemplate& role = corpus_.roles[index.row_roles[row]];
    const uint8_t trained = role.trained ? 1 : 0;
    tokens.insert(tokens.end(), role.prefix.begin(), role.prefix.end());
    mask.resize(tokens.size(), 0);
    if (corpus_.pretokenized) {
      tokens.insert(tokens.end(), corpus_.content_tokens.begin() + corpus_.content_offsets[row],
                    corpus_.content_tokens.begin() + corpus_.content_offsets[row + 1]);
    } else if (!corpus_.content.is_null(row) && corpus_.content.type.is_variable_width()) {
      append_byte_tokens(corpus_.content.bytes(row), tokens);
    }
    tokens.insert(tokens.end(), role.suffix.begin(), role.suffix.end());
    mask.resize(tokens.size(), trained);
  }
}

const std::vector<int32_t>& TokenPacker::tokens_of(uint32_t trajectory) {
  if (rendered_ != trajectory) {
    render(trajectory, tokens_, mask_);
    rendered_ = trajectory;
  }
  return tokens_;
}

size_t TokenPacker::pack(const std::vector<uint32_t>& order, PackCursor& cursor, size_t batch_rows, const PackOutput& out,
                         size_t& tokens) {
  const size_t seq_len = corpus_.seq_len;
  tokens = 0;
  size_t rows = 0;
  while (rows < batch_rows) {
    // Skip trajectories with nothing to emit, so no row is empty.
    while (cursor.item < order.size() && tokens_of(order[cursor.item]).size() <= cursor.token) {
      cursor.item++;
      cursor.token = 0;
    }
    if (cursor.item >= order.size()) break;
    const size_t base = rows * seq_len;
    size_t filled = 0;
    int32_t segment = 0;
    while (filled < seq_len && cursor.item < order.size()) {
      const std::vector<int32_t>& stream = tokens_of(order[cursor.item]);
      const size_t take = std::min(seq_len - filled, stream.size() - size_t(cursor.token));
      segment++;
      for (size_t k = 0; k < take; k++) {
        out.input_ids[base + filled + k] = stream[cursor.token + k];
        out.loss_mask[base + filled + k] = mask_[cursor.token + k];
        out.position_ids[base + filled + k] = int32_t(k);
        out.sequence_ids[base + filled + k] = segment;
      }
      filled += take;
      cursor.token += take;
      if (!corpus_.pack) {
        // One trajectory per row: whatever did not fit is truncated.
        cursor.item++;
        cursor.token = 0;
        break;
      }
      if (cursor.token >= stream.size()) {
        cursor.item++;
        cursor.token = 0;
        while (cursor.item < order.size() && tokens_of(order[cursor.item]).empty()) cursor.item++;
      }
    }
    for (size_t k = filled; k < seq_len; k++) {
      out.input_ids[base + k] = corpus_.pad_id;
      out.loss_mask[base + k] = 0;
      out.position_ids[base + k] = 0;
      out.sequence_ids[base + k] = 0;
    }
    tokens += filled;
    rows++;
  }
  return rows;
}

}  // namespace replaydb::loader
