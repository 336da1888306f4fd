// Kernels for the expression kinds beyond arithmetic and logic: scalar functions, LIKE,
// CASE, IN (list) and casts. Each evaluates one node over a batch. Scalar functions are found
// by the name the planner put in the plan message (src/plan/functions.ts decides names,
// argument types and result types; kernels trust them); each family of functions lives in
// its own file and registers itself in the table functions.cpp keeps.
#pragma once
#include <string>
#include <unordered_map>

#include "expr/expression.hpp"

namespace replaydb {

Datum evaluate_function(const Expression& e, const Batch& batch);
Datum evaluate_like(const Expression& e, const Batch& batch);
Datum evaluate_case(const Expression& e, const Batch& batch);
Datum evaluate_in_list(const Expression& e, const Batch& batch);
Datum evaluate_cast(const Expression& e, const Batch& batch);

/** A scalar function's kernel: evaluates node `e` (whose args are the call's arguments). */
using FunctionKernel = Datum (*)(const Expression& e, const Batch& batch);
using FunctionTable = std::unordered_map<std::string, FunctionKernel>;

// Each family adds its kernels under their plan-message names.
void add_string_functions(FunctionTable& table);        // string_functions.cpp
void add_numeric_functions(FunctionTable& table);       // numeric_functions.cpp
void add_jsonb_functions(FunctionTable& table);         // jsonb_functions.cpp
void add_conditional_functions(FunctionTable& table);   // conditional.cpp
void add_vector_functions(FunctionTable& table);        // vector_functions.cpp
/** The vector distance functions (vector_functions.cpp): false when `e.name` is not one. */
bool evaluate_vector_function(const Expression& e, const Batch& batch, Datum& out);

enum class VectorFunction { CosineSimilarity, CosineDistance, L2Distance, InnerProduct, NegativeInnerProduct };
/** The vector function named `name` (its plan-message name); false when there is none. */
bool vector_function_named(const std::string& name, VectorFunction& function);
/** `function(a, b)` of two non-NULL vectors, exactly as SQL computes it; `zero_cosine` says
 *  one of them is all zeros (then cosine distance is 1, see vector_functions.cpp). */
double vector_function_value(VectorFunction function, const float* a, const float* b, size_t dimensions, bool zero_cosine);

/** How non-text values become text: `Cast` as `::text` prints them (booleans as true/false);
 *  `Output` as Postgres' output functions do, which concat() uses (booleans as t/f). */
enum class TextStyle { Cast, Output };

/** `rows` rows of `input` (any type) as TEXT. JSONB prints with Postgres' spacing, floats as
 *  the shortest text that reads back exactly, timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
Datum to_text(const Datum& input, size_t rows, TextStyle style, int expression_id);

}  // namespace replaydb
