// POSIX implementation of the store's file primitives.
#include "store/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "common/error.hpp"

namespace replaydb {

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_failure(path, "open", errno);
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    int e = errno;
    ::close(fd);
    throw io_failure(path, "stat", e);
  }
  size_ = size_t(info.st_size);
  if (size_ > 0) {
    void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    if (mapped == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      throw io_failure(path, "mmap", e);
    }
    data_ = static_cast<uint8_t*>(mapped);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

std::string read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_failure(path, "open", errno);
  std::string out;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw io_failure(path, "read", e);
    }
    if (n == 0) break;
    out.append(buffer, size_t(n));
  }
  ::close(fd);
  return out;
}

bool file_exists(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0;
}

bool is_directory(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

void make_directories(const std::string& path) {
  if (path.empty() || is_directory(path)) return;
  const size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) make_directories(path.substr(0, slash));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw io_failure(path, "mkdir", errno);
}

std::vector<std::string> list_directory(const std::string& path) {
  std::vector<std::string> names;
  DIR* dir = ::opendir(path.c_str());
  if (!dir) {
    if (errno == ENOENT) return names;
    throw io_failure(path, "opendir", errno);
  }
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  return names;
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw io_failure(path, "unlink", errno);
}

void sync_directory(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw io_failure(path, "open directory", errno);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0 && error != EINVAL) throw io_failure(path, "fsync directory", error);
}

static void write_whole(int fd, std::string_view bytes, const std::string& path) {
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_failure(path, "write", errno);
    }
    written += size_t(n);
  }
}

void write_file_atomically(const std::string& path, std::string_view bytes, bool sync) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  const std::string temporary = path + ".tmp-" + std::to_string(random());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw io_failure(temporary, "create", errno);
  try {
    write_whole(fd, bytes, temporary);
    if (sync && ::fsync(fd) != 0) throw io_failure(temporary, "fsync", errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(temporary.c_str());
    throw io_failure(path, "rename", e);
  }
  if (sync) {
    const size_t slash = path.find_last_of('/');
    sync_directory(slash == std::string::npos ? "." : path.substr(0, slash));
  }
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  temporary_ = path_ + ".tmp-" + std::to_string(random());
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io_failure(temporary_, "create", errno);
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void AtomicFileWriter::flush() {
  write_whole(fd_, staged_, temporary_);
  staged_.clear();
}

void AtomicFileWriter::write(const void* data, size_t length) {
  constexpr size_t kDirect = 256 * 1024;
  if (length >= kDirect) {
    flush();
    write_whole(fd_, std::string_view(static_cast<const char*>(data), length), temporary_);
  } else if (length) {
    staged_.append(static_cast<const char*>(data), length);
    if (staged_.size() >= kDirect) flush();
  }
  position_ += length;
}

void AtomicFileWriter::align(size_t alignment) {
  static const char zeros[64] = {};
  size_t padding = (alignment - position_ % alignment) % alignment;
  while (padding) {
    const size_t chunk = std::min(padding, sizeof zeros);
    write(zeros, chunk);
    padding -= chunk;
  }
}

void AtomicFileWriter::commit(bool sync) {
  flush();
  if (sync && ::fsync(fd_) != 0) throw io_failure(temporary_, "fsync", errno);
  ::close(fd_);
  fd_ = -1;
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) throw io_failure(path_, "rename", errno);
  committed_ = true;
  if (sync) {
    const size_t slash = path_.find_last_of('/');
    sync_directory(slash == std::string::npos ? "." : path_.substr(0, slash));
  }
}

void AppendFile::open(const std::string& path) {
  close();
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io_failure(path, "open for append", errno);
  struct stat info;
  if (::fstat(fd_, &info) != 0) throw io_failure(path, "stat", errno);
  size_ = uint64_t(info.st_size);
}

AppendFile::~AppendFile() { close(); }

void AppendFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void AppendFile::write_all(std::string_view bytes) {
  try {
    write_whole(fd_, bytes, path_);
  } catch (...) {
    // A short write would leave half a record; cut it so the log stays well-formed.
    if (::ftruncate(fd_, off_t(size_)) != 0) {
      // The next open cuts a torn last record anyway.
    }
    throw;
  }
  size_ += bytes.size();
}

void AppendFile::sync() {
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) throw io_failure(path_, "fdatasync", errno);
}

void AppendFile::truncate(uint64_t length) {
  if (::ftruncate(fd_, off_t(length)) != 0) throw io_failure(path_, "truncate", errno);
  size_ = length;
}

SharedCounter::~SharedCounter() {
  if (value_) ::munmap(value_, sizeof(uint64_t));
}

void SharedCounter::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw io_failure(path, "open", errno);
  struct stat info;
  // Growing a new (empty) file to 8 bytes; one already 8 bytes long keeps its value.
  if (::fstat(fd, &info) != 0 || (info.st_size < off_t(sizeof(uint64_t)) && ::ftruncate(fd, sizeof(uint64_t)) != 0)) {
    const int e = errno;
    ::close(fd);
    throw io_failure(path, "size", e);
  }
  void* mapped = ::mmap(nullptr, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int e = errno;
  ::close(fd);
  if (mapped == MAP_FAILED) throw io_failure(path, "mmap", e);
  value_ = static_cast<uint64_t*>(mapped);
}

std::string file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

FileLock::~FileLock() { unlock(); }

bool FileLock::try_lock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io_failure(path, "open lock file", errno);
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (e == EWOULDBLOCK) return false;
    throw io_failure(path, "flock", e);
  }
  return true;
}

void FileLock::lock(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw io_failure(path, "open lock file", errno);
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw io_failure(path, "flock", e);
  }
}

void FileLock::unlock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  fd_ = -1;
}

}  // namespace replaydb
