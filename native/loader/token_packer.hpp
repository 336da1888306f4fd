// Token batches: each trajectory becomes one token stream, and streams are laid into rows
// of seq_len tokens. A trajectory renders as its steps in step order, each step as
//   prefix(role) content suffix(role)
// where prefix and suffix come from the template (e.g. "<|assistant|>\n" and "\n"), already
// tokenized per role by the caller. The loss mask is 1 on the content and suffix tokens of
// steps whose role is trained (so a model learns to end its turn) and 0 elsewhere.
//
// pack = true: streams are concatenated in epoch order and cut into rows; a stream that
// does not fit continues at the start of the next row (and the next batch). The cursor
// (item, token) is where the next row starts: item = position in the rank's epoch order,
// token = tokens of that item already emitted. These two numbers are the packer's whole
// leftover state, so a resumed stream re-renders the item and continues mid-trajectory.
// pack = false: one trajectory per row, truncated to seq_len.
//
// Output per row: input_ids (pad_id after the last token), loss_mask (0/1), position_ids
// (0, 1, … from the start of each segment, where a segment is one trajectory's part in a
// row; 0 on padding) and sequence_ids (1, 2, … numbering the segments within the row; 0 on
// padding), each i32[rows × seq_len].
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/column.hpp"
#include "loader/trajectory_index.hpp"

namespace replaydb::loader {

struct RoleTemplate {
  std::vector<int32_t> prefix;
  std::vector<int32_t> suffix;
  bool trained = false;
};

/** Everything token batches read, fixed once per loader. */
struct TokenCorpus {
  TrajectoryIndex index;
  /** Built-in tokenizer: the content column, one byte token per byte (NULL = empty). */
  ColumnView content;
  /** A caller's tokenizer: row r's content tokens are content_tokens[content_offsets[r] … [r + 1]). */
  bool pretokenized = false;
  std::vector<int32_t> content_tokens;
  std::vector<uint32_t> content_offsets;
  /** By role index (TrajectoryIndex::roles). */
  std::vector<RoleTemplate> roles;
  uint32_t seq_len = 0;
  bool pack = true;
  int32_t pad_id = 256;
};

struct PackCursor {
  uint64_t item = 0;
  uint64_t token = 0;
};

struct PackOutput {
  int32_t* input_ids;
  int32_t* loss_mask;
  int32_t* position_ids;
  int32_t* sequence_ids;
};

/** Renders and packs trajectories; holds the rendering of the current trajectory between calls. */
class TokenPacker {
 public:
  explicit TokenPacker(const TokenCorpus& corpus) : corpus_(corpus) {}

  /**
   * Fills up to `batch_rows` rows from `cursor` over `order` (trajectory numbers of the
   * rank's epoch), advancing the cursor; returns the rows filled (fewer only at the end of
   * the epoch). `tokens` receives the number of non-padding tokens written.
   */
  size_t pack(const std::vector<uint32_t>& order, PackCursor& cursor, size_t batch_rows, const PackOutput& out, size_t& tokens);

  /** The token stream of one trajectory, and its loss mask. */
  void render(uint32_t trajectory, std::vector<int32_t>& tokens, std::vector<uint8_t>& mask) const;

 private:
  const std::vector<int32_t>& tokens_of(uint32_t trajectory);

  const TokenCorpus& corpus_;
  uint32_t rendered_ = UINT32_MAX;
  std::vector<int32_t> tokens_;
  std::vector<uint8_t> mask_;
};

}  // namespace replaydb::loader
