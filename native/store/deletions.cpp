// Reading and writing deletion files.
#include "store/deletions.hpp"

#include <cstring>

#include "common/bytes.hpp"
#include "common/crc32c.hpp"
#include "common/error.hpp"
#include "store/files.hpp"

namespace replaydb {
namespace {
constexpr char kDeletionsMagic[8] = {'R', 'P', 'D', 'B', 'D', 'E', 'L', '1'};
}

void write_deletions(const std::string& path, const std::vector<uint8_t>& deleted) {
  std::string bytes;
  ByteWriter out(bytes);
  out.put_bytes(kDeletionsMagic, 8);
  out.put<uint64_t>(deleted.size());
  out.put_bytes(deleted.data(), deleted.size());
  out.put<uint32_t>(crc32c(bytes.data(), bytes.size()));
  write_file_atomically(path, bytes, true);
}

std::vector<uint8_t> read_deletions(const std::string& path, uint64_t row_count) {
  const std::string bytes = read_file(path);
  if (bytes.size() != 8 + 8 + row_count + 4 || std::memcmp(bytes.data(), kDeletionsMagic, 8) != 0) {
    throw corrupt_file(path, "deletion file is truncated or not a deletion file");
  }
  uint32_t checksum;
  std::memcpy(&checksum, bytes.data() + bytes.size() - 4, 4);
  if (crc32c(bytes.data(), bytes.size() - 4) != checksum) throw corrupt_file(path, "deletion file checksum mismatch");
  uint64_t rows;
  std::memcpy(&rows, bytes.data() + 8, 8);
  if (rows != row_count) throw corrupt_file(path, "deletion file does not match its segment's row count");
  return std::vector<uint8_t>(bytes.begin() + 16, bytes.end() - 4);
}

}  // namespace replaydb
