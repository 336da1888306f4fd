// Validation of branch names (git check-ref-format rules, stricter where harmless) and
// listing of refs.
#include "store/refs.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "store/files.hpp"

namespace replaydb {
namespace {

[[noreturn]] void invalid(const std::string& name, const std::string& why) {
  throw EngineError("invalid_name", "invalid branch name \"" + name + "\": " + why);
}

void collect(const std::string& directory, const std::string& prefix, std::vector<std::string>& out) {
  for (const std::string& entry : list_directory(directory)) {
    if (entry.find(".tmp-") != std::string::npos) continue;
    const std::string path = directory + "/" + entry;
    if (is_directory(path)) {
      collect(path, prefix + entry + "/", out);
    } else {
      out.push_back(prefix + entry);
    }
  }
}

}  // namespace

void check_branch_name(const std::string& name) {
  if (name.empty()) invalid(name, "it is empty");
  if (name.size() > 200) invalid(name, "it is longer than 200 bytes");
  if (name.front() == '/' || name.back() == '/') invalid(name, "it starts or ends with '/'");
  if (name.find("..") != std::string::npos) invalid(name, "it contains '..'");
  if (name.find("//") != std::string::npos) invalid(name, "it contains '//'");
  if (name.find("@{") != std::string::npos) invalid(name, "it contains '@{'");
  if (name == "@") invalid(name, "'@' alone is reserved");
  if (name.back() == '.') invalid(name, "it ends with '.'");
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) invalid(name, "it contains a control character");
    if (c == ' ' || c == '~' || c == '^' || c == ':' || c == '?' || c == '*' || c == '[' || c == '\\') {
      invalid(name, std::string("it contains '") + char(c) + "'");
    }
  }
  size_t start = 0;
  while (start <= name.size()) {
    const size_t end = std::min(name.find('/', start), name.size());
    const std::string component = name.substr(start, end - start);
    if (component.front() == '.') invalid(name, "a component starts with '.'");
    if (component.size() >= 5 && component.compare(component.size() - 5, 5, ".lock") == 0) invalid(name, "a component ends with '.lock'");
    start = end + 1;
  }
}

std::vector<std::string> list_branches(const std::string& heads_directory) {
  std::vector<std::string> out;
  collect(heads_directory, "", out);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace replaydb
