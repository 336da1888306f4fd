// Files as the store uses them: read-only memory maps of immutable files, whole-file
// atomic replacement (write a temporary, fsync, rename, fsync the directory), an
// append-only file descriptor for tail logs, and an advisory lock that the kernel drops
// when its process dies. Every failure is a StorageError naming the file.
#pragma once
#include <cstdint>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace replaydb {

/** A read-only memory map of a whole file; empty files map to an empty view. */
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view bytes() const { return std::string_view(reinterpret_cast<const char*>(data_), size_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

/**
 * A u64 counter in a small file, memory-mapped shared by every process that opens it, so a
 * change one process makes is seen by the others' next plain load (no system call).
 * The file is created (zero) when missing.
 */
class SharedCounter {
 public:
  SharedCounter() = default;
  ~SharedCounter();
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  void open(const std::string& path);
  bool is_open() const { return value_ != nullptr; }
  uint64_t load() const { return __atomic_load_n(value_, __ATOMIC_ACQUIRE); }
  void increment() { __atomic_fetch_add(value_, 1, __ATOMIC_ACQ_REL); }
  /** The mapped 8 bytes (for readers in JavaScript). */
  uint64_t* data() const { return value_; }

 private:
  uint64_t* value_ = nullptr;
};

std::string read_file(const std::string& path);
bool file_exists(const std::string& path);
bool is_directory(const std::string& path);
void make_directories(const std::string& path);
std::vector<std::string> list_directory(const std::string& path);
void remove_file(const std::string& path);
/** The last component of `path`. */
std::string file_name(const std::string& path);
/** Writes `bytes` to `path` so that a crash leaves either the old or the new file, whole. */
void write_file_atomically(const std::string& path, std::string_view bytes, bool sync);
void sync_directory(const std::string& path);

/**
 * Writes a new file under a temporary name; commit() makes it appear at `path` whole
 * (fsync, rename, fsync the directory). Destroyed uncommitted, the temporary is removed.
 * Small writes are staged; large ones go straight to the kernel from the caller's memory.
 */
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  void write(const void* data, size_t length);
  /** Pads with zero bytes to a multiple of `alignment`. */
  void align(size_t alignment);
  uint64_t position() const { return position_; }
  void commit(bool sync);

 private:
  void flush();
  std::string path_;
  std::string temporary_;
  int fd_ = -1;
  uint64_t position_ = 0;
  std::string staged_;
  bool committed_ = false;
};

/** An append-only file. write_all either appends every byte or restores the old length. */
class AppendFile {
 public:
  AppendFile() = default;
  explicit AppendFile(const std::string& path) { open(path); }
  /** Opens (creating if needed) `path` for appending, closing any file open before. */
  void open(const std::string& path);
  ~AppendFile();
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;
  void write_all(std::string_view bytes);
  void sync();
  void truncate(uint64_t length);
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }
  void close();
  void swap(AppendFile& other) noexcept {
    std::swap(path_, other.path_);
    std::swap(fd_, other.fd_);
    std::swap(size_, other.size_);
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

/** An exclusive flock() on a file; released by the kernel when the process exits. */
class FileLock {
 public:
  FileLock() = default;
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  /** Returns false when another process (or another open of the file) holds it. */
  bool try_lock(const std::string& path);
  /** Waits until it is free. A lock dies with the process holding it, so a crash never leaves it taken. */
  void lock(const std::string& path);
  bool locked() const { return fd_ >= 0; }
  void unlock();

 private:
  int fd_ = -1;
};

}  // namespace replaydb
