// The built-in tokenizer of token batches: byte-level, one token per UTF-8 byte (ids
// 0–255), so it needs no vocabulary file and round-trips any text exactly. Ids from 256 up
// are free for special tokens (the loader pads with 256 by default).
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace replaydb::loader {

constexpr int32_t kByteVocabularySize = 256;

/** Appends the byte tokens of `text` to `out`. */
void append_byte_tokens(std::string_view text, std::vector<int32_t>& out);

}  // namespace replaydb::loader
