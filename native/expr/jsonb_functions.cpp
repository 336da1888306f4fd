// JSONB operators and functions, evaluated on the binary encoding (jsonb/jsonb.hpp) without
// parsing text: -> and ->> (object key or array index), #>, #>> and
// jsonb_extract_path[_text] (a path of keys), @> (containment; <@ is @> with the operands
// swapped by the binder), jsonb_array_length, jsonb_typeof and || (jsonb_concat). Path
// results are slices of the input value, copied into the result column as they are.
// Missing keys, out-of-range indexes and steps into scalars give NULL, as in Postgres.
// Damaged encodings raise data_corrupted; nothing is read out of bounds.
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "expr/functions.hpp"
#include "expr/kernel_util.hpp"
#include "jsonb/jsonb.hpp"

namespace replaydb {
namespace {

constexpr DataType kText{TypeId::Text, 0};
constexpr DataType kJsonb{TypeId::Jsonb, 0};

/** Runs a kernel body, turning damaged JSONB into an error that points at expression `id`. */
template <typename F>
Datum checked(int id, F body) {
  try {
    return body();
  } catch (const jsonb::JsonbCorrupt& error) {
    throw EngineError("data_corrupted", error.what(), -1, id);
  }
}

/** Appends a JSONB value as ->> prints it: a string unquoted, a number as written,
 *  true/false, a container as JSON text. Returns false for JSON null (SQL NULL). */
bool append_as_text(std::string_view value, std::string& out) {
  switch (jsonb::kind_of(value)) {
    case jsonb::Kind::Null: return false;
    case jsonb::Kind::False: out.append("false"); return true;
    case jsonb::Kind::True: out.append("true"); return true;
    case jsonb::Kind::Number:
    case jsonb::Kind::String: out.append(value.substr(1)); return true;
    case jsonb::Kind::Array:
    case jsonb::Kind::Object: jsonb::to_text(value, out); return true;
  }
  return false;
}

/** Where a path lookup ends: a JSONB result (-> #> …) or its text (->> #>> …). */
class PathResult {
 public:
  PathResult(bool as_text, size_t rows) : as_text_(as_text), out_(as_text ? kText : kJsonb, rows) {}
  void append(std::optional<std::string_view> found) {
    if (!found) {
      out_.append_null();
    } else if (!as_text_) {
      out_.append(*found);
    } else {
      scratch_.clear();
      if (append_as_text(*found, scratch_)) {
        out_.append(scratch_);
      } else {
        out_.append_null();
      }
    }
  }
  void append_null() { out_.append_null(); }
  Datum finish(bool broadcast) { return out_.finish(broadcast); }

 private:
  bool as_text_;
  VariableBuilder out_;
  std::string scratch_;
};

/** -> and ->>: the key is TEXT (object field) or an integer (array element, negative from
 *  the end); a parameter's type is decided by its JS value, so any of them may arrive. */
template <bool AsText>
Datum field(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    PathResult out(AsText, args.rows);
    const Datum &document = args[0], &key = args[1];
    auto each = [&](auto lookup) {
      for (size_t i = 0; i < args.rows; i++) {
        if (args.any_null(i)) {
          out.append_null();
        } else {
          out.append(lookup(text_at(document, i), i));
        }
      }
    };
    switch (key.view.type.id) {
      case TypeId::Text:
        each([&](std::string_view value, size_t i) { return jsonb::object_field(value, text_at(key, i)); });
        break;
      case TypeId::Int:
        each([&](std::string_view value, size_t i) { return jsonb::array_element(value, value_at_row<int32_t>(key, i)); });
        break;
      case TypeId::BigInt:
        each([&](std::string_view value, size_t i) { return jsonb::array_element(value, value_at_row<int64_t>(key, i)); });
        break;
      case TypeId::Null:
        for (size_t i = 0; i < args.rows; i++) out.append_null();
        break;
      default:
        throw EngineError("undefined_function", std::string("operator does not exist: jsonb ") + (AsText ? "->>" : "->") + " " + key.view.type.name(),
                          -1, e.args[1]->id);
    }
    return out.finish(args.broadcast);
  });
}

/** Parses a Postgres text[] literal ('{a,0,"b c"}') into `keys`; an unquoted NULL element
 *  sets `has_null`. Returns false when the text is not such a literal. */
bool parse_text_array(std::string_view text, std::vector<std::string>& keys, bool& has_null) {
  keys.clear();
  has_null = false;
  size_t p = 0;
  auto skip_space = [&] {
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t' || text[p] == '\n' || text[p] == '\r')) p++;
  };
  skip_space();
  if (p >= text.size() || text[p] != '{') return false;
  p++;
  skip_space();
  if (p < text.size() && text[p] == '}') {
    p++;
    skip_space();
    return p == text.size();
  }
  for (;;) {
    skip_space();
    if (p >= text.size()) return false;
    std::string element;
    if (text[p] == '"') {
      p++;
      for (;;) {
        if (p >= text.size()) return false;
        const char c = text[p++];
        if (c == '"') break;
        if (c == '\\') {
          if (p >= text.size()) return false;
          element.push_back(text[p++]);
        } else {
          element.push_back(c);
        }
      }
      skip_space();
    } else {
      bool escaped = false;
      size_t kept = 0;  // length without trailing unescaped spaces
      while (p < text.size() && text[p] != ',' && text[p] != '}') {
        const char c = text[p++];
        if (c == '{' || c == '"') return false;
        if (c == '\\') {
          if (p >= text.size()) return false;
          element.push_back(text[p++]);
          escaped = true;
          kept = element.size();
        } else {
          element.push_back(c);
          if (c != ' ' && c != '\t' && c != '\n' && c != '\r') kept = element.size();
        }
      }
      element.resize(kept);
      if (element.empty()) return false;
      if (!escaped && element.size() == 4 && (element[0] | 0x20) == 'n' && (element[1] | 0x20) == 'u' &&
          (element[2] | 0x20) == 'l' && (element[3] | 0x20) == 'l') {
        has_null = true;
      }
    }
    keys.push_back(std::move(element));
    if (p >= text.size()) return false;
    if (text[p] == ',') {
      p++;
      continue;
    }
    p++;  // '}'
    skip_space();
    return p == text.size();
  }
}

/** #> and #>> with a text[] literal as the path (a constant is parsed once per batch). */
template <bool AsText>
Datum path_operator(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    PathResult out(AsText, args.rows);
    std::vector<std::string> keys;
    bool has_null = false;
    auto parse = [&](size_t i) {
      const std::string_view literal = text_at(args[1], i);
      if (!parse_text_array(literal, keys, has_null)) {
        throw EngineError("invalid_text_representation", "malformed array literal: \"" + std::string(literal) + "\"", -1, e.args[1]->id);
      }
    };
    const bool constant_path = args[1].broadcast && !args[1].is_null(0);
    if (constant_path) parse(0);
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.append_null();
        continue;
      }
      if (!constant_path) parse(i);
      if (has_null) {
        out.append_null();
      } else {
        out.append(jsonb::path(text_at(args[0], i), keys));
      }
    }
    return out.finish(args.broadcast);
  });
}

/** jsonb_extract_path[_text](document, key1, key2, …). */
template <bool AsText>
Datum extract_path(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    PathResult out(AsText, args.rows);
    std::vector<std::string> keys(args.size() - 1);
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.append_null();
        continue;
      }
      for (size_t k = 1; k < args.size(); k++) keys[k - 1].assign(text_at(args[k], i));
      out.append(jsonb::path(text_at(args[0], i), keys));
    }
    return out.finish(args.broadcast);
  });
}

Datum contains(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    FixedBuilder<uint8_t> out(e.type, args.rows);
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.set_null(i);
      } else {
        out.set(i, jsonb::contains(text_at(args[0], i), text_at(args[1], i)));
      }
    }
    return out.finish(args.broadcast);
  });
}

/** jsonb_array_length: an error for a value that is not an array, as in Postgres. */
Datum array_length(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    FixedBuilder<int32_t> out(e.type, args.rows);
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.set_null(i);
        continue;
      }
      const std::string_view value = text_at(args[0], i);
      const std::optional<int64_t> length = jsonb::array_length(value);
      if (!length) {
        const bool object = jsonb::kind_of(value) == jsonb::Kind::Object;
        throw EngineError("invalid_parameter_value", object ? "cannot get array length of a non-array" : "cannot get array length of a scalar", -1, e.id);
      }
      out.set(i, int32_t(*length));
    }
    return out.finish(args.broadcast);
  });
}

Datum type_of(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    VariableBuilder out(kText, args.rows);
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.append_null();
        continue;
      }
      switch (jsonb::kind_of(text_at(args[0], i))) {
        case jsonb::Kind::Null: out.append("null"); break;
        case jsonb::Kind::False:
        case jsonb::Kind::True: out.append("boolean"); break;
        case jsonb::Kind::Number: out.append("number"); break;
        case jsonb::Kind::String: out.append("string"); break;
        case jsonb::Kind::Array: out.append("array"); break;
        case jsonb::Kind::Object: out.append("object"); break;
      }
    }
    return out.finish(args.broadcast);
  });
}

/** Appends the members of `compact` without its brackets: the elements of an array, the
 *  pairs of an object when `unwrap_object`, else the value itself (as a one-element array).
 *  Returns whether anything was appended. */
bool append_members(std::string_view compact, jsonb::Kind kind, bool unwrap_object, std::string& out) {
  if (kind == jsonb::Kind::Array || (unwrap_object && kind == jsonb::Kind::Object)) {
    out.append(compact.substr(1, compact.size() - 2));
    return compact.size() > 2;
  }
  out.append(compact);
  return true;
}

/** jsonb || jsonb: two objects merge (the right one's keys win); otherwise both sides are
 *  taken as arrays (a non-array as a one-element array) and concatenated. The result is
 *  re-encoded from the two values' JSON text; the encoder keeps the last duplicate key. */
Datum concat(const Expression& e, const Batch& batch) {
  return checked(e.id, [&] {
    const Arguments args = evaluate_arguments(e, batch);
    VariableBuilder out(kJsonb, args.rows);
    std::string left, right, joined, encoded;
    for (size_t i = 0; i < args.rows; i++) {
      if (args.any_null(i)) {
        out.append_null();
        continue;
      }
      const std::string_view a = text_at(args[0], i), b = text_at(args[1], i);
      const jsonb::Kind a_kind = jsonb::kind_of(a), b_kind = jsonb::kind_of(b);
      left.clear();
      right.clear();
      jsonb::to_compact_text(a, left);
      jsonb::to_compact_text(b, right);
      const bool objects = a_kind == jsonb::Kind::Object && b_kind == jsonb::Kind::Object;
      joined.assign(objects ? "{" : "[");
      const bool any_left = append_members(left, a_kind, objects, joined);
      const size_t before_right = joined.size();
      if (any_left) joined.push_back(',');
      if (!append_members(right, b_kind, objects, joined) && any_left) joined.erase(before_right);
      joined.push_back(objects ? '}' : ']');
      encoded.clear();
      try {
        jsonb::encode(joined, encoded);
      } catch (const jsonb::JsonParseError& error) {
        throw EngineError("program_limit_exceeded", std::string("jsonb || result: ") + error.what(), -1, e.id);
      }
      out.append(encoded);
    }
    return out.finish(args.broadcast);
  });
}

}  // namespace

void add_jsonb_functions(FunctionTable& table) {
  table["->"] = field<false>;
  table["->>"] = field<true>;
  table["#>"] = path_operator<false>;
  table["#>>"] = path_operator<true>;
  table["jsonb_extract_path"] = extract_path<false>;
  table["jsonb_extract_path_text"] = extract_path<true>;
  table["@>"] = contains;
  table["jsonb_array_length"] = array_length;
  table["jsonb_typeof"] = type_of;
  table["jsonb_concat"] = concat;
}

}  // namespace replaydb
