// Byte-level tokenization (see byte_tokenizer.hpp).
#include "loader/byte_tokenizer.hpp"

namespace replaydb::loader {

void append_byte_tokens(std::string_view text, std::vector<int32_t>& out) {
  const size_t start = out.size();
  out.resize(start + text.size());
  for (size_t i = 0; i < text.size(); i++) out[start + i] = int32_t(static_cast<unsigned char>(text[i]));
}

}  // namespace replaydb::loader
