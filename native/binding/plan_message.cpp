// Plan message → Statement.
#include "binding/plan_message.hpp"

#include "binding/js_values.hpp"
#include "common/error.hpp"
#include "common/timestamp.hpp"

namespace replaydb {
namespace {

constexpr int32_t kCellNow = -1;
constexpr int32_t kFirstConstantCell = -3;

struct Reader {
  napi_env env;
  const Napi::Array& params;
  int64_t statement_time;
  /** Reading a prepared query: parameters and NOW() are recorded here, converted at bind. */
  std::vector<ParameterBinding>* bindings = nullptr;
};

std::string get_string(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  if (!value.IsString()) throw EngineError("internal_error", std::string("plan message: '") + key + "' is not a string");
  return value.As<Napi::String>().Utf8Value();
}

int64_t get_integer(const Napi::Object& object, const char* key, int64_t fallback) {
  Napi::Value value = object.Get(key);
  if (!value.IsNumber()) return fallback;
  return value.As<Napi::Number>().Int64Value();
}

bool get_bool(const Napi::Object& object, const char* key) {
  Napi::Value value = object.Get(key);
  return value.IsBoolean() && value.As<Napi::Boolean>().Value();
}

DataType get_type(const Napi::Object& object) {
  DataType type;
  type.id = type_id_from_name(get_string(object, "type"));
  type.dimension = uint32_t(get_integer(object, "dimension", 0));
  return type;
}

Napi::Value parameter_value(const Reader& reader, uint32_t index) {
  if (index >= reader.params.Length()) {
    throw EngineError("invalid_parameter", "no value bound for parameter " + std::to_string(index + 1), int(index));
  }
  return reader.params.Get(index);
}

CompareOperator compare_operator(const std::string& op) {
  if (op == "=") return CompareOperator::Equal;
  if (op == "<>") return CompareOperator::NotEqual;
  if (op == "<") return CompareOperator::Less;
  if (op == "<=") return CompareOperator::LessEqual;
  if (op == ">") return CompareOperator::Greater;
  if (op == ">=") return CompareOperator::GreaterEqual;
  throw EngineError("internal_error", "unknown comparison " + op);
}

ArithmeticOperator arithmetic_operator(const std::string& op) {
  if (op == "+") return ArithmeticOperator::Add;
  if (op == "-") return ArithmeticOperator::Subtract;
  if (op == "*") return ArithmeticOperator::Multiply;
  if (op == "/") return ArithmeticOperator::Divide;
  if (op == "%") return ArithmeticOperator::Modulo;
  throw EngineError("internal_error", "unknown arithmetic operator " + op);
}

std::vector<std::unique_ptr<Expression>> read_expressions(const Napi::Value& value, const Reader& reader);

std::unique_ptr<Expression> read_expression(const Napi::Object& object, const Reader& reader) {
  auto e = std::make_unique<Expression>();
  const std::string kind = get_string(object, "kind");
  e->id = int(get_integer(object, "id", -1));
  if (object.Has("type")) e->type = get_type(object);
  auto arg = [&](const char* key) { return read_expression(object.Get(key).As<Napi::Object>(), reader); };
  if (kind == "column") {
    e->kind = ExpressionKind::Column;
    e->column = int(get_integer(object, "index", -1));
  } else if (kind == "constant" || kind == "parameter") {
    e->kind = ExpressionKind::Constant;
    ConversionSite site;
    site.expression = e->id;
    Napi::Value value;
    if (kind == "parameter") {
      const uint32_t index = uint32_t(get_integer(object, "index", 0));
      site.parameter = int(index);
      if (reader.bindings) {
        reader.bindings->push_back(ParameterBinding{ParameterBinding::Target::Constant, e.get(), nullptr, index, e->type, site});
        return e;
      }
      value = parameter_value(reader, index);
    } else {
      site.sql_text = get_bool(object, "sqlText");
      value = object.Get("value");
    }
    e->constant = js_to_value(reader.env, value, e->type, site);
  } else if (kind == "now") {
    e->kind = ExpressionKind::Constant;
    e->constant = Value::of_integer(TypeId::Timestamp, reader.statement_time);
    if (reader.bindings) reader.bindings->push_back(ParameterBinding{ParameterBinding::Target::Now, e.get(), nullptr, 0, e->type, {}});
  } else if (kind == "compare") {
    e->kind = ExpressionKind::Compare;
    e->compare = compare_operator(get_string(object, "op"));
    e->args.push_back(arg("left"));
    e->args.push_back(arg("right"));
  } else if (kind == "and" || kind == "or") {
    e->kind = kind == "and" ? ExpressionKind::And : ExpressionKind::Or;
    Napi::Array args = object.Get("args").As<Napi::Array>();
    for (uint32_t i = 0; i < args.Length(); i++) e->args.push_back(read_expression(args.Get(i).As<Napi::Object>(), reader));
  } else if (kind == "not") {
    e->kind = ExpressionKind::Not;
    e->args.push_back(arg("arg"));
  } else if (kind == "is_null") {
    e->kind = ExpressionKind::IsNull;
    e->negated = get_bool(object, "negated");
    e->args.push_back(arg("arg"));
  } else if (kind == "arithmetic") {
    e->kind = ExpressionKind::Arithmetic;
    e->arithmetic = arithmetic_operator(get_string(object, "op"));
    e->args.push_back(arg("left"));
    e->args.push_back(arg("right"));
  } else if (kind == "negate") {
    e->kind = ExpressionKind::Negate;
    e->args.push_back(arg("arg"));
  } else if (kind == "cast") {
    e->kind = ExpressionKind::Cast;
    e->args.push_back(arg("arg"));
  } else if (kind == "function" || kind == "like" || kind == "case" || kind == "in_list") {
    // Generic shape: { args: [...] } plus flags; see src/plan/plan_message.ts.
    e->kind = kind == "function" ? ExpressionKind::Function
              : kind == "like"   ? ExpressionKind::Like
              : kind == "case"   ? ExpressionKind::Case
                                 : ExpressionKind::InList;
    if (kind == "function") e->name = get_string(object, "name");
    e->case_insensitive = get_bool(object, "caseInsensitive");
    e->negated = get_bool(object, "negated");
    e->has_else = get_bool(object, "hasElse");
    e->args = read_expressions(object.Get("args"), reader);
  } else if (kind == "in_subquery" || kind == "scalar_subquery") {
    e->kind = kind == "in_subquery" ? ExpressionKind::InSubquery : ExpressionKind::ScalarSubquery;
    e->subquery = int(get_integer(object, "subquery", -1));
    e->negated = get_bool(object, "negated");
    if (object.Has("name")) e->name = get_string(object, "name");
    e->args = read_expressions(object.Get("args"), reader);
  } else {
    throw EngineError("internal_error", "unknown expression kind in plan: " + kind);
  }
  return e;
}

std::vector<std::unique_ptr<Expression>> read_expressions(const Napi::Value& value, const Reader& reader) {
  std::vector<std::unique_ptr<Expression>> out;
  if (!value.IsArray()) return out;
  Napi::Array array = value.As<Napi::Array>();
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(read_expression(array.Get(i).As<Napi::Object>(), reader));
  return out;
}

AggregateFunction aggregate_function(const std::string& name) {
  if (name == "count_star") return AggregateFunction::CountStar;
  if (name == "count") return AggregateFunction::Count;
  if (name == "sum") return AggregateFunction::Sum;
  if (name == "avg") return AggregateFunction::Average;
  if (name == "min") return AggregateFunction::Min;
  if (name == "max") return AggregateFunction::Max;
  throw EngineError("internal_error", "unknown aggregate " + name);
}

std::unique_ptr<PlanNode> read_plan(const Napi::Object& object, const Reader& reader) {
  auto node = std::make_unique<PlanNode>();
  const std::string op = get_string(object, "op");
  if (object.Has("input") && object.Get("input").IsObject()) node->input = read_plan(object.Get("input").As<Napi::Object>(), reader);
  if (op == "scan") {
    node->kind = PlanKind::Scan;
    node->table = get_string(object, "table");
    Napi::Array columns = object.Get("columns").As<Napi::Array>();
    for (uint32_t i = 0; i < columns.Length(); i++) node->columns.push_back(columns.Get(i).As<Napi::Number>().Uint32Value());
    if (object.Get("filter").IsObject()) node->filter = read_expression(object.Get("filter").As<Napi::Object>(), reader);
    node->with_row_ids = get_bool(object, "withRowIds");
  } else if (op == "vector_scan") {
    node->kind = PlanKind::VectorScan;
    node->table = get_string(object, "table");
    Napi::Array columns = object.Get("columns").As<Napi::Array>();
    for (uint32_t i = 0; i < columns.Length(); i++) node->columns.push_back(columns.Get(i).As<Napi::Number>().Uint32Value());
    if (object.Get("filter").IsObject()) node->filter = read_expression(object.Get("filter").As<Napi::Object>(), reader);
    node->vector_column = uint32_t(get_integer(object, "column", 0));
    const std::string metric = get_string(object, "metric");
    node->metric = metric == "l2" ? VectorMetric::L2 : metric == "ip" ? VectorMetric::InnerProduct : VectorMetric::Cosine;
    node->limit = get_integer(object, "k", -1);
    node->expansion = uint32_t(get_integer(object, "expansion", 0));
    if (object.Get("outputs").IsArray()) {
      Napi::Array outputs = object.Get("outputs").As<Napi::Array>();
      for (uint32_t i = 0; i < outputs.Length(); i++) {
        Napi::Object output = outputs.Get(i).As<Napi::Object>();
        VectorOutput& out = node->vector_outputs.emplace_back();
        if (!vector_function_named(get_string(output, "function"), out.function)) {
          throw EngineError("internal_error", "unknown vector function " + get_string(output, "function"));
        }
        out.query_first = get_bool(output, "queryFirst");
      }
    }
    const std::unique_ptr<Expression> query = read_expression(object.Get("query").As<Napi::Object>(), reader);
    if (reader.bindings && !reader.bindings->empty() && reader.bindings->back().expression == query.get()) {
      ParameterBinding& binding = reader.bindings->back();  // the query is a parameter: bound into the node
      binding.target = ParameterBinding::Target::VectorQuery;
      binding.expression = nullptr;
      binding.node = node.get();
      return node;
    }
    if (query->kind != ExpressionKind::Constant || query->constant.is_null()) {
      throw EngineError("invalid_parameter", "the query vector of a nearest-neighbour search must not be NULL", query->id >= 0 ? -1 : -1, query->id);
    }
    node->query = query->constant.vector;
  } else if (op == "filter") {
    node->kind = PlanKind::Filter;
    node->predicate = read_expression(object.Get("predicate").As<Napi::Object>(), reader);
  } else if (op == "project") {
    node->kind = PlanKind::Project;
    node->expressions = read_expressions(object.Get("expressions"), reader);
  } else if (op == "aggregate") {
    node->kind = PlanKind::Aggregate;
    node->groups = read_expressions(object.Get("groups"), reader);
    Napi::Array aggregates = object.Get("aggregates").As<Napi::Array>();
    for (uint32_t i = 0; i < aggregates.Length(); i++) {
      Napi::Object entry = aggregates.Get(i).As<Napi::Object>();
      AggregateCall call;
      call.function = aggregate_function(get_string(entry, "function"));
      call.distinct = get_bool(entry, "distinct");
      call.type = get_type(entry);
      if (entry.Get("argument").IsObject()) call.argument = read_expression(entry.Get("argument").As<Napi::Object>(), reader);
      node->aggregates.push_back(std::move(call));
    }
  } else if (op == "sort") {
    node->kind = PlanKind::Sort;
    Napi::Array keys = object.Get("keys").As<Napi::Array>();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      Napi::Object entry = keys.Get(i).As<Napi::Object>();
      SortKey key;
      key.expression = read_expression(entry.Get("expression").As<Napi::Object>(), reader);
      key.descending = get_bool(entry, "descending");
      key.nulls_first = get_bool(entry, "nullsFirst");
      node->keys.push_back(std::move(key));
    }
    node->limit = get_integer(object, "limit", -1);
  } else if (op == "hash_join" || op == "nested_loop_join") {
    node->kind = op == "hash_join" ? PlanKind::HashJoin : PlanKind::NestedLoopJoin;
    node->right = read_plan(object.Get("right").As<Napi::Object>(), reader);
    const std::string type = get_string(object, "joinType");
    node->join_type = type == "left" ? JoinType::Left : type == "semi" ? JoinType::Semi : type == "anti" ? JoinType::Anti : JoinType::Inner;
    node->left_keys = read_expressions(object.Get("leftKeys"), reader);
    node->right_keys = read_expressions(object.Get("rightKeys"), reader);
    if (object.Get("residual").IsObject()) node->residual = read_expression(object.Get("residual").As<Napi::Object>(), reader);
  } else if (op == "limit") {
    node->kind = PlanKind::Limit;
    node->limit = get_integer(object, "limit", -1);
    node->offset = get_integer(object, "offset", 0);
  } else {
    throw EngineError("internal_error", "unknown plan operator " + op);
  }
  return node;
}

}  // namespace

std::shared_ptr<InsertTemplate> read_insert_template(const Napi::Object& message) {
  auto insert = std::make_shared<InsertTemplate>();
  insert->table = get_string(message, "table");
  Napi::Array columns = message.Get("columns").As<Napi::Array>();
  Napi::Array types = message.Get("types").As<Napi::Array>();
  const size_t width = columns.Length();
  for (uint32_t i = 0; i < width; i++) {
    insert->target_columns.push_back(int(columns.Get(i).As<Napi::Number>().Int32Value()));
    insert->types.push_back(get_type(types.Get(i).As<Napi::Object>()));
  }
  insert->row_count = size_t(get_integer(message, "rowCount", 0));
  Napi::Int32Array cells = message.Get("cells").As<Napi::Int32Array>();
  if (cells.ElementLength() != insert->row_count * width) throw EngineError("internal_error", "insert cells do not match rows × columns");
  insert->cells.assign(cells.Data(), cells.Data() + cells.ElementLength());
  Napi::Array constants = message.Get("constants").As<Napi::Array>();
  insert->constants.resize(constants.Length());
  for (size_t cell = 0; cell < insert->cells.size(); cell++) {
    const int32_t code = insert->cells[cell];
    if (code >= 0) {
      insert->parameter_count = std::max(insert->parameter_count, uint32_t(code) + 1);
    } else if (code == kCellNow) {
      const DataType& type = insert->types[cell % width];
      if (type.id != TypeId::Timestamp) {
        throw EngineError("datatype_mismatch", "column is of type " + type.name() + " but NOW() is a timestamp");
      }
    } else if (code <= kFirstConstantCell) {
      const size_t index = size_t(kFirstConstantCell - code);
      if (index >= insert->constants.size()) throw EngineError("internal_error", "insert constant out of range");
      Napi::Object entry = constants.Get(uint32_t(index)).As<Napi::Object>();
      ConversionSite site;
      site.sql_text = get_bool(entry, "sqlText");
      site.literal = true;
      site.expression = int(index);
      insert->constants[index] = js_to_value(message.Env(), entry.Get("value"), insert->types[cell % width], site);
    }
  }
  return insert;
}

std::unique_ptr<Statement> bind_insert(const InsertTemplate& insert, const Napi::Array& params) {
  napi_env env = params.Env();
  auto statement = std::make_unique<Statement>();
  statement->kind = StatementKind::Insert;
  InsertRows& rows = statement->insert;
  rows.table = insert.table;
  rows.target_columns = insert.target_columns;
  rows.row_count = insert.row_count;
  rows.statement_time_micros = current_time_micros();
  const size_t width = insert.types.size();
  rows.supplied.reserve(width);
  for (const DataType& type : insert.types) {
    rows.supplied.emplace_back(type);
    rows.supplied.back().reserve(insert.row_count);
  }
  const uint32_t param_count = params.Length();
  if (insert.parameter_count > param_count) {
    throw EngineError("invalid_parameter", "no value bound for parameter " + std::to_string(param_count + 1), int(param_count));
  }
  // One napi_get_element per slot, not per use; small statements need no heap for this.
  napi_value inline_values[32];
  std::vector<napi_value> heap_values;
  napi_value* param_values = inline_values;
  if (param_count > 32) {
    heap_values.resize(param_count);
    param_values = heap_values.data();
  }
  for (uint32_t i = 0; i < param_count; i++) napi_get_element(env, params, i, &param_values[i]);
  const int32_t* cell = insert.cells.data();
  for (size_t row = 0; row < insert.row_count; row++) {
    for (size_t c = 0; c < width; c++) {
      const int32_t code = *cell++;
      Column& column = rows.supplied[c];
      if (code >= 0) {
        ConversionSite site;
        site.parameter = code;
        append_js_value(column, env, param_values[code], site);
      } else if (code == kCellNow) {
        column.append<int64_t>(rows.statement_time_micros);
      } else {
        append_value(column, insert.constants[size_t(kFirstConstantCell - code)]);
      }
    }
  }
  return statement;
}

std::shared_ptr<PreparedQuery> read_prepared_query(const Napi::Object& message) {
  if (get_string(message, "kind") != "query") throw EngineError("internal_error", "only queries are prepared natively");
  auto prepared = std::make_shared<PreparedQuery>();
  const Napi::Array no_params = Napi::Array::New(message.Env());
  Reader reader{message.Env(), no_params, 0, &prepared->bindings};
  prepared->statement = std::make_unique<Statement>();
  Statement& statement = *prepared->statement;
  statement.kind = StatementKind::Query;
  statement.plan = read_plan(message.Get("plan").As<Napi::Object>(), reader);
  if (message.Get("subqueries").IsArray()) {
    Napi::Array subqueries = message.Get("subqueries").As<Napi::Array>();
    for (uint32_t i = 0; i < subqueries.Length(); i++) statement.subqueries.push_back(read_plan(subqueries.Get(i).As<Napi::Object>(), reader));
  }
  return prepared;
}

void bind_prepared_query(PreparedQuery& prepared, const Napi::Array& params) {
  const int64_t now = current_time_micros();
  const napi_env env = params.Env();
  for (const ParameterBinding& binding : prepared.bindings) {
    if (binding.target == ParameterBinding::Target::Now) {
      binding.expression->constant = Value::of_integer(TypeId::Timestamp, now);
      continue;
    }
    if (binding.parameter >= params.Length()) {
      throw EngineError("invalid_parameter", "no value bound for parameter " + std::to_string(binding.parameter + 1), int(binding.parameter));
    }
    Value value = js_to_value(env, params.Get(binding.parameter), binding.type, binding.site);
    if (binding.target == ParameterBinding::Target::Constant) {
      binding.expression->constant = std::move(value);
    } else {
      if (value.is_null()) throw EngineError("invalid_parameter", "the query vector of a nearest-neighbour search must not be NULL", -1, binding.site.expression);
      binding.node->query = std::move(value.vector);
    }
  }
}

std::unique_ptr<Statement> read_statement(const Napi::Object& message, const Napi::Array& params) {
  auto statement = std::make_unique<Statement>();
  Reader reader{message.Env(), params, current_time_micros()};
  const std::string kind = get_string(message, "kind");
  if (kind == "create_table") {
    statement->kind = StatementKind::CreateTable;
    statement->if_exists = get_bool(message, "ifNotExists");
    statement->schema.name = get_string(message, "name");
    Napi::Array columns = message.Get("columns").As<Napi::Array>();
    for (uint32_t i = 0; i < columns.Length(); i++) {
      Napi::Object entry = columns.Get(i).As<Napi::Object>();
      ColumnSchema column;
      column.name = get_string(entry, "name");
      column.type = get_type(entry);
      column.not_null = get_bool(entry, "notNull");
      if (entry.Get("default").IsObject()) {
        Napi::Object fallback = entry.Get("default").As<Napi::Object>();
        if (get_string(fallback, "kind") == "now") {
          column.default_kind = DefaultKind::Now;
        } else {
          ConversionSite site;
          site.sql_text = get_bool(fallback, "sqlText");
          site.expression = int(get_integer(fallback, "id", -1));
          column.default_value = js_to_value(reader.env, fallback.Get("value"), column.type, site);
          column.default_kind = column.default_value.is_null() ? DefaultKind::None : DefaultKind::Constant;
        }
      }
      statement->schema.columns.push_back(std::move(column));
    }
    Napi::Array key = message.Get("primaryKey").As<Napi::Array>();
    for (uint32_t i = 0; i < key.Length(); i++) statement->schema.primary_key.push_back(key.Get(i).As<Napi::Number>().Uint32Value());
  } else if (kind == "drop_table") {
    statement->kind = StatementKind::DropTable;
    statement->if_exists = get_bool(message, "ifExists");
    Napi::Array names = message.Get("names").As<Napi::Array>();
    for (uint32_t i = 0; i < names.Length(); i++) statement->names.push_back(names.Get(i).As<Napi::String>().Utf8Value());
  } else if (kind == "insert") {
    auto bound = bind_insert(*read_insert_template(message), params);
    if (message.Get("onConflict").IsObject()) {
      Napi::Object conflict = message.Get("onConflict").As<Napi::Object>();
      ConflictAction& action = bound->on_conflict;
      action.kind = get_string(conflict, "action") == "update" ? ConflictAction::Kind::Update : ConflictAction::Kind::Nothing;
      if (conflict.Get("assignments").IsArray()) {
        Napi::Array assignments = conflict.Get("assignments").As<Napi::Array>();
        for (uint32_t i = 0; i < assignments.Length(); i++) {
          Napi::Object entry = assignments.Get(i).As<Napi::Object>();
          action.assignments.emplace_back(int(get_integer(entry, "column", -1)), read_expression(entry.Get("value").As<Napi::Object>(), reader));
        }
      }
      if (conflict.Get("where").IsObject()) action.where = read_expression(conflict.Get("where").As<Napi::Object>(), reader);
    }
    return bound;
  } else if (kind == "create_index") {
    statement->kind = StatementKind::CreateIndex;
    statement->table = get_string(message, "table");
    statement->if_exists = get_bool(message, "ifNotExists");
    IndexDefinition& index = statement->index;
    index.name = get_string(message, "name");
    index.column = uint32_t(get_integer(message, "column", 0));
    const std::string metric = get_string(message, "metric");
    index.options.metric = metric == "l2" ? VectorMetric::L2 : metric == "ip" ? VectorMetric::InnerProduct : VectorMetric::Cosine;
    index.options.connectivity = uint32_t(get_integer(message, "m", 16));
    index.options.expansion_add = uint32_t(get_integer(message, "efConstruction", 128));
    index.options.expansion_search = uint32_t(get_integer(message, "efSearch", 64));
    const std::string quantization = get_string(message, "quantization");
    index.options.quantization = quantization == "f16" ? VectorQuantization::F16 : quantization == "i8" ? VectorQuantization::I8 : VectorQuantization::F32;
  } else if (kind == "drop_index") {
    statement->kind = StatementKind::DropIndex;
    statement->index.name = get_string(message, "name");
    statement->if_exists = get_bool(message, "ifExists");
  } else if (kind == "delete" || kind == "update") {
    statement->kind = kind == "delete" ? StatementKind::Delete : StatementKind::Update;
    statement->table = get_string(message, "table");
    statement->plan = read_plan(message.Get("plan").As<Napi::Object>(), reader);
    if (message.Get("subqueries").IsArray()) {
      Napi::Array subqueries = message.Get("subqueries").As<Napi::Array>();
      for (uint32_t i = 0; i < subqueries.Length(); i++) statement->subqueries.push_back(read_plan(subqueries.Get(i).As<Napi::Object>(), reader));
    }
  } else if (kind == "query") {
    statement->kind = StatementKind::Query;
    statement->plan = read_plan(message.Get("plan").As<Napi::Object>(), reader);
    if (message.Get("subqueries").IsArray()) {
      Napi::Array subqueries = message.Get("subqueries").As<Napi::Array>();
      for (uint32_t i = 0; i < subqueries.Length(); i++) statement->subqueries.push_back(read_plan(subqueries.Get(i).As<Napi::Object>(), reader));
    }
  } else {
    throw EngineError("internal_error", "unknown statement kind " + kind);
  }
  return statement;
}

}  // namespace replaydb
