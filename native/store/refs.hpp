// Branch names and refs. A branch is a file refs/heads/<name> holding a manifest id, so a
// name becomes a path: it must follow git's ref-name rules, which also keep it inside the
// database directory.
#pragma once
#include <string>
#include <vector>

namespace replaydb {

/** Throws EngineError(invalid_name) saying what is wrong with `name`. */
void check_branch_name(const std::string& name);

/** Every branch under `heads_directory`, sorted, as names with '/' separators. */
std::vector<std::string> list_branches(const std::string& heads_directory);

}  // namespace replaydb
