// Errors raised by the engine. EngineError carries a Postgres-like code that the TypeScript
// layer turns into a SqlError; `parameter` and `expression` say which bound parameter or
// plan expression the error is about, so the message can point into the SQL text.
// StorageError is an EngineError about a file: its message always names the file.
#pragma once
#include <stdexcept>
#include <string>

namespace replaydb {

class EngineError : public std::runtime_error {
 public:
  EngineError(std::string code, const std::string& message, int parameter = -1, int expression = -1)
      : std::runtime_error(message), code_(std::move(code)), parameter_(parameter), expression_(expression) {}
  const std::string& code() const { return code_; }
  /** 0-based parameter slot the error is about, or -1. */
  int parameter() const { return parameter_; }
  /** Plan-message id of the expression the error is about, or -1. */
  int expression() const { return expression_; }

 private:
  std::string code_;
  int parameter_;
  int expression_;
};

class StorageError : public EngineError {
 public:
  StorageError(const std::string& code, const std::string& file, const std::string& message)
      : EngineError(code, message + " (" + file + ")"), file_(file) {}
  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

/** A file's bytes do not match what was written: checksum mismatch, bad magic, truncation. */
inline StorageError corrupt_file(const std::string& file, const std::string& what) {
  return StorageError("data_corrupted", file, "corrupt database file: " + what);
}

/** An operating-system call failed on a file; `errno_value` is rendered with strerror. */
StorageError io_failure(const std::string& file, const std::string& operation, int errno_value);

}  // namespace replaydb
