// Building blocks shared by the scalar-function kernels (functions.cpp and the files it
// gathers): evaluating a node's arguments once per batch, deciding whether a result can be a
// single broadcast row (every argument a constant), and builders that fill a result column
// in one typed pass without per-row allocation. Kernels read arguments through Datum::row(),
// so broadcast constants and full columns take the same loop.
#pragma once
#include <memory>
#include <string_view>
#include <vector>

#include "expr/datum_util.hpp"

namespace replaydb {

/** A node's arguments evaluated over one batch. `rows` is how many result rows to compute:
 *  one when every argument is a broadcast constant (the result is then broadcast too). */
struct Arguments {
  std::vector<Datum> values;
  size_t rows = 0;
  bool broadcast = false;

  const Datum& operator[](size_t i) const { return values[i]; }
  size_t size() const { return values.size(); }
  /** Whether row `i` of any argument is NULL (the result of a strict function is then NULL). */
  bool any_null(size_t i) const {
    for (const Datum& value : values) {
      if (value.is_null(i)) return true;
    }
    return false;
  }
};

inline Arguments evaluate_arguments(const Expression& e, const Batch& batch) {
  Arguments arguments;
  arguments.values.reserve(e.args.size());
  bool all_constant = true;
  for (const auto& arg : e.args) {
    arguments.values.push_back(evaluate(*arg, batch));
    all_constant = all_constant && arguments.values.back().broadcast;
  }
  arguments.broadcast = all_constant;
  arguments.rows = all_constant ? 1 : batch.size;
  return arguments;
}

inline std::string_view text_at(const Datum& datum, size_t i) { return datum.view.bytes(datum.row(i)); }

template <typename T>
T value_at_row(const Datum& datum, size_t i) {
  return load<T>(datum.view.data, datum.row(i));
}

inline Datum finish_datum(std::shared_ptr<Column> column, bool broadcast) {
  Datum datum = datum_of(std::move(column));
  datum.broadcast = broadcast;
  return datum;
}

/** A TEXT or JSONB result appended row by row. */
class VariableBuilder {
 public:
  VariableBuilder(DataType type, size_t rows, size_t byte_hint = 0) : column_(std::make_shared<Column>(type)) {
    column_->reserve(rows, byte_hint);
  }
  void append(std::string_view bytes) { column_->append_bytes(bytes); }
  void append_null() { column_->append_null(); }
  Datum finish(bool broadcast) { return finish_datum(std::move(column_), broadcast); }

 private:
  std::shared_ptr<Column> column_;
};

/** A fixed-width result of C++ type T, written by row index; validity is allocated only
 *  once a NULL is set. */
template <typename T>
class FixedBuilder {
 public:
  FixedBuilder(DataType type, size_t rows) : column_(std::make_shared<Column>(type)), rows_(rows) {
    column_->data().assign(rows * sizeof(T), 0);
    column_->set_size(rows);
  }
  T* values() { return reinterpret_cast<T*>(column_->data().data()); }
  void set(size_t i, T value) { std::memcpy(column_->data().data() + i * sizeof(T), &value, sizeof(T)); }
  void set_null(size_t i) {
    std::vector<uint8_t>& validity = column_->validity();
    if (validity.empty()) validity.assign(rows_, 1);
    validity[i] = 0;
  }
  Datum finish(bool broadcast) { return finish_datum(std::move(column_), broadcast); }

 private:
  std::shared_ptr<Column> column_;
  size_t rows_;
};

/** Copies the validity of `input` (rows [0, rows)) onto a fixed-width result column. */
inline void copy_validity(const Datum& input, size_t rows, Column& out) {
  if (!input.view.validity) return;
  out.validity().resize(rows);
  for (size_t i = 0; i < rows; i++) out.validity()[i] = !input.is_null(i);
}

// Evaluation of an expression on a subset of a batch's rows, for the kernels that must not
// evaluate a branch on rows it does not apply to (CASE, COALESCE): Postgres evaluates
// `CASE WHEN x = 0 THEN 0 ELSE 1 / x END` without dividing by zero.

/** Keeps the columns gathered for a sub-batch alive while results computed over it are used. */
using GatheredColumns = std::vector<std::shared_ptr<Column>>;

/** `e` evaluated over the rows of `batch` listed in `rows` (ascending): row k of the result is
 *  row rows[k] of the batch. Only the columns `e` reads are gathered; they are kept in `keep`. */
Datum evaluate_on_rows(const Expression& e, const Batch& batch, const std::vector<uint32_t>& rows, GatheredColumns& keep);

/** Builds a column of `type` whose row i is row `index[i]` of `sources[source[i]]`, or NULL
 *  where source[i] < 0. Every source has type `type` (or is entirely NULL). */
Datum assemble_rows(DataType type, size_t rows, const std::vector<Datum>& sources, const std::vector<int32_t>& source,
                    const std::vector<uint32_t>& index);

/** Per-row equality of two datums of the same type, as SQL `=` decides it for non-NULL
 *  values (NaN equals NaN and -0 equals 0 for floats, JSONB compares structurally). */
void equal_rows(const Datum& a, const Datum& b, size_t rows, std::vector<uint8_t>& equal, int expression_id);

}  // namespace replaydb
