// Scalar functions, LIKE, CASE and IN (list). (Being written; see functions.hpp.)
#include "expr/functions.hpp"

#include "common/error.hpp"

namespace replaydb {

Datum evaluate_function(const Expression& e, const Batch&) {
  throw EngineError("feature_not_supported", "function " + e.name + "() is not supported yet", -1, e.id);
}
Datum evaluate_like(const Expression& e, const Batch&) { throw EngineError("feature_not_supported", "LIKE is not supported yet", -1, e.id); }
Datum evaluate_case(const Expression& e, const Batch&) { throw EngineError("feature_not_supported", "CASE is not supported yet", -1, e.id); }
Datum evaluate_in_list(const Expression& e, const Batch&) { throw EngineError("feature_not_supported", "IN is not supported yet", -1, e.id); }

}  // namespace replaydb
