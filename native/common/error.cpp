// Rendering of operating-system failures into StorageErrors that name the file.
#include "common/error.hpp"

#include <cstring>

namespace replaydb {

StorageError io_failure(const std::string& file, const std::string& operation, int errno_value) {
  return StorageError("io_error", file, operation + " failed: " + std::strerror(errno_value));
}

}  // namespace replaydb
