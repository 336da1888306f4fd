// Reads the one message the TypeScript planner sends per statement (its shape is defined
// in src/plan/plan_message.ts) into a Statement, converting every parameter and constant
// on the calling (JS) thread so the statement itself can run anywhere.
#pragma once
#include <napi.h>

#include "exec/statement.hpp"

namespace replaydb {

/** `params` is the array of bound parameter values (may be empty). */
std::unique_ptr<Statement> read_statement(const Napi::Object& message, const Napi::Array& params);

}  // namespace replaydb
