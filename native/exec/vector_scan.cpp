// Vector top-k scan: the filter is evaluated natively first into a row set per segment;
// segments with an HNSW index are searched with that set as usearch's filter, the tail and
// unindexed segments exactly. Conjuncts that probe a primary key (the semi-joins a join on
// another table's key becomes) are not evaluated up front but for the rows the graph
// search reaches, through the key index, so a query's cost follows k, not the table. A
// filter passing many rows (30% or more) is applied to an unfiltered search for
// k / share × 2 rows instead of walking the graph filtered. A segment whose search finds
// fewer than k rows while more pass the filter is searched exactly instead, so the scan
// returns k rows whenever k rows pass. When few rows pass at all, everything is searched
// exactly.
#include <algorithm>
#include <cmath>
#include <functional>

#include "common/error.hpp"
#include "exec/plan.hpp"
#include "expr/subquery_keys.hpp"
#include "store/database.hpp"

namespace replaydb {
namespace {

struct Candidate {
  float distance;
  uint64_t position;
  size_t source;  // index into the sources list
  uint32_t row;
  const float* vector;  // the row's vector (the index's copy where it has one)
  bool operator<(const Candidate& other) const {
    return distance < other.distance || (distance == other.distance && position < other.position);
  }
};

/** Searches with cached row states that leave rows unsettled before all of them are settled. */
constexpr uint32_t kSettleAfterReuses = 4;

/** Filters passing at least this share of a segment's rows are searched by over-fetching (see run_vector_scan). */
constexpr double kOverFetchSelectivity = 0.3;

/** Row states in Source::passing. */
constexpr uint8_t kFails = 0;
constexpr uint8_t kPassesLocally = 1;  // passes the evaluated conjuncts; key probes not asked yet
constexpr uint8_t kPasses = 2;

/**
 * Row states of one source. States a sealed segment cached are read in place, shared with
 * concurrent searches, and copied only when this search settles a row they left open.
 */
class RowStates {
 public:
  void assign(size_t rows, uint8_t state) {
    shared_.reset();
    own_.assign(rows, state);
    data_ = own_.data();
  }
  void share(std::shared_ptr<const Segment::RowSet> rows) {
    shared_ = std::move(rows);
    data_ = shared_->flags.data();
  }
  uint8_t operator[](size_t row) const { return data_[row]; }
  void set(size_t row, uint8_t state) {
    if (shared_) {
      own_ = shared_->flags;
      shared_.reset();
      data_ = own_.data();
    }
    own_[row] = state;
  }
  std::vector<uint8_t> copy() const { return shared_ ? shared_->flags : own_; }

 private:
  std::shared_ptr<const Segment::RowSet> shared_;
  std::vector<uint8_t> own_;
  const uint8_t* data_ = nullptr;
};

/** The filter split in two: conjuncts evaluated a batch at a time, and key probes asked per row. */
struct SplitFilter {
  std::unique_ptr<Expression> local;  // null: none
  std::vector<const Expression*> probes;  // InSubquery conjuncts whose sub-plan offers a KeyProbe
};

struct Source {
  std::vector<ColumnView> views;  // every table column (only needed ones have data)
  size_t rows = 0;
  uint64_t base = 0;
  RowStates passing;             // kFails / kPassesLocally / kPasses; deleted rows and NULL vectors fail
  size_t passing_count = 0;      // rows not kFails (an upper bound while probes are pending)
  size_t pending = 0;            // rows kPassesLocally
  bool from_cache = false;       // passing came from the segment's cache…
  size_t pending_when_loaded = 0;  // …with this many rows unsettled
  std::string cache_key;         // sealed segments: see row_cache_key
  std::vector<std::vector<ColumnView>> probe_views;  // per key probe: the views of its arguments
  std::shared_ptr<VectorIndex> index;
  std::shared_ptr<Segment> segment;  // keeps the mapping alive
};

void collect_conjuncts(const Expression& expression, std::vector<const Expression*>& out) {
  if (expression.kind == ExpressionKind::And) {
    for (const auto& arg : expression.args) collect_conjuncts(*arg, out);
  } else {
    out.push_back(&expression);
  }
}

bool is_key_probe(const Expression& e) {
  if (e.kind != ExpressionKind::InSubquery || e.negated || e.args.empty() || !e.subquery_keys || !e.subquery_keys->probe()) return false;
  const std::vector<DataType>& types = e.subquery_keys->probe()->key_types();
  if (types.size() != e.args.size()) return false;
  for (size_t i = 0; i < e.args.size(); i++) {
    if (e.args[i]->kind != ExpressionKind::Column || e.args[i]->column < 0 || e.args[i]->type != types[i]) return false;
  }
  return true;
}

SplitFilter split_filter(const Expression* filter) {
  SplitFilter split;
  if (!filter) return split;
  std::vector<const Expression*> conjuncts;
  collect_conjuncts(*filter, conjuncts);
  std::vector<const Expression*> local;
  for (const Expression* conjunct : conjuncts) (is_key_probe(*conjunct) ? split.probes : local).push_back(conjunct);
  if (local.size() == 1) {
    split.local = clone_expression(*local[0]);
  } else if (local.size() > 1) {
    split.local = std::make_unique<Expression>();
    split.local->kind = ExpressionKind::And;
    split.local->type = DataType{TypeId::Boolean, 0};
    for (const Expression* conjunct : local) split.local->args.push_back(clone_expression(*conjunct));
  }
  return split;
}

/** Settles a kPassesLocally row by asking the key probes; returns whether it passes. */
bool resolve(Source& source, const SplitFilter& filter, size_t row) {
  if (source.passing[row] != kPassesLocally) return source.passing[row] == kPasses;
  if (source.probe_views.empty()) {
    for (const Expression* probe : filter.probes) {
      std::vector<ColumnView>& views = source.probe_views.emplace_back();
      for (const auto& arg : probe->args) views.push_back(source.views[size_t(arg->column)]);
    }
  }
  bool passes = true;
  for (size_t p = 0; p < filter.probes.size() && passes; p++) {
    const std::vector<ColumnView>& views = source.probe_views[p];
    for (const ColumnView& view : views) passes = passes && !view.is_null(row);
    passes = passes && filter.probes[p]->subquery_keys->probe()->contains(views, row);
  }
  source.passing.set(row, passes ? kPasses : kFails);
  source.pending--;
  if (!passes) source.passing_count--;
  return passes;
}

void resolve_all(Source& source, const SplitFilter& filter, const ExecutionContext& context) {
  if (source.pending == 0) return;
  for (size_t row = 0; row < source.rows; row++) {
    if ((row & 0xffff) == 0) context.check_cancelled();
    if (source.passing[row] == kPassesLocally) resolve(source, filter, row);
  }
}

void compute_passing(Source& source, const PlanNode& node, const SplitFilter& filter, const uint8_t* deleted,
                      const ExecutionContext& context) {
  source.passing.assign(source.rows, kFails);
  const uint8_t state = filter.probes.empty() ? kPasses : kPassesLocally;
  const ColumnView& vectors = source.views[node.vector_column];
  std::vector<uint32_t> selection;
  for (size_t start = 0; start < source.rows; start += kBatchRows) {
    context.check_cancelled();
    const size_t count = std::min(kBatchRows, source.rows - start);
    if (filter.local) {
      Batch batch;
      batch.size = count;
      for (const ColumnView& view : source.views) batch.columns.push_back(view.slice(start, count));
      select_rows(*filter.local, batch, selection);
    } else {
      selection.resize(count);
      for (size_t i = 0; i < count; i++) selection[i] = uint32_t(i);
    }
    for (uint32_t i : selection) {
      const size_t row = start + i;
      if ((deleted && deleted[row]) || vectors.is_null(row)) continue;
      source.passing.set(row, state);
      source.passing_count++;
    }
  }
  if (state == kPassesLocally) source.pending = source.passing_count;
}

/** Caches the source's row states (as far as they are settled) for the next search with its filter. */
void remember_passing(const Source& source) {
  if (source.cache_key.empty() || (source.from_cache && source.pending == source.pending_when_loaded)) return;  // nothing new
  auto rows = std::make_shared<Segment::RowSet>();
  rows->flags = source.passing.copy();
  rows->count = source.passing_count;
  rows->unsettled = source.pending;
  source.segment->cache_rows(source.cache_key, std::move(rows));
}

/**
 * The key under which a sealed segment caches its row states for this filter: the filter's
 * fingerprint, the segment's deletions, and for key probes what their answers depend on
 * (the probed table's content stamp). Empty when some part cannot be fingerprinted.
 */
std::string row_cache_key(const PlanNode& node, const SplitFilter& filter, const std::string& deletions) {
  std::string key = filter.local ? "F" + fingerprint(*filter.local) : "N";
  if (key == "F") return std::string();
  key.push_back('\0');
  key += deletions;
  key.push_back('\0');
  key += std::to_string(node.vector_column);
  for (const Expression* probe : filter.probes) {
    const std::string probed = probe->subquery_keys->probe()->cache_key();
    if (probed.empty()) return std::string();
    key.push_back('\0');
    for (const auto& arg : probe->args) key += std::to_string(arg->column) + ",";
    key += probed;
  }
  return key;
}

/**
 * Fills source.passing. A sealed segment's states are cached on the segment (see
 * row_cache_key), so a search repeated with other query vectors (the usual way) skips the
 * filter, and key probes answered by earlier searches are not asked again; the tail
 * changes, so it is evaluated each time.
 */
void evaluate_passing(Source& source, const PlanNode& node, const SplitFilter& filter, const uint8_t* deleted,
                      const ExecutionContext& context) {
  if (!source.cache_key.empty()) {
    if (auto cached = source.segment->cached_rows(source.cache_key)) {
      source.passing_count = cached->count;
      source.pending = source.pending_when_loaded = cached->unsettled;
      const bool settle = cached->unsettled > 0 && cached->reuses.fetch_add(1) + 1 >= kSettleAfterReuses;
      source.passing.share(std::move(cached));
      source.from_cache = true;
      // A filter searched with again and again is worth settling for every row once: then
      // no search asks the key probes, and when every row passes the search is unfiltered.
      if (settle) resolve_all(source, filter, context);
      return;
    }
  }
  compute_passing(source, node, filter, deleted, context);
  if (filter.probes.empty()) remember_passing(source);
}

void exact_top_k(const Source& source, size_t source_index, const PlanNode& node, size_t k, std::vector<Candidate>& out) {
  const ColumnView& vectors = source.views[node.vector_column];
  const size_t dimensions = vectors.type.dimension;
  std::vector<Candidate> local;
  for (size_t row = 0; row < source.rows; row++) {
    if (source.passing[row] != kPasses) continue;
    const float* vector = reinterpret_cast<const float*>(vectors.fixed(row));
    local.push_back({vector_distance(node.metric, node.query.data(), vector, dimensions), source.base + row, source_index, uint32_t(row), vector});
  }
  if (local.size() > k) {
    std::partial_sort(local.begin(), local.begin() + long(k), local.end());
    local.resize(k);
  }
  out.insert(out.end(), local.begin(), local.end());
}

}  // namespace

Chunk run_vector_scan(const PlanNode& node, const ExecutionContext& context) {
  const TableState* table = context.database.find_table(node.table);
  if (!table) throw EngineError("undefined_table", "relation \"" + node.table + "\" does not exist");
  const size_t column_count = table->schema.columns.size();
  if (node.vector_column >= column_count || table->schema.columns[node.vector_column].type.id != TypeId::Vector) {
    throw EngineError("internal_error", "vector scan over a column that is not a VECTOR");
  }
  if (node.query.size() != table->schema.columns[node.vector_column].type.dimension) {
    throw EngineError("datatype_mismatch", "query vector has " + std::to_string(node.query.size()) + " dimensions, the column " +
                                               std::to_string(table->schema.columns[node.vector_column].type.dimension));
  }
  Chunk out;
  for (uint32_t index : node.columns) out.columns.emplace_back(table->schema.columns[index].type);
  for (size_t i = 0; i < node.vector_outputs.size(); i++) out.columns.emplace_back(DataType{TypeId::Double, 0});
  if (node.with_row_ids) out.columns.emplace_back(DataType{TypeId::BigInt, 0});
  const size_t k = node.limit < 0 ? SIZE_MAX : size_t(node.limit);
  if (k == 0) return out;

  std::vector<bool> needed(column_count, false);
  for (uint32_t index : node.columns) needed[index] = true;
  needed[node.vector_column] = true;
  if (node.filter) mark_columns(*node.filter, needed);
  int index_number = -1;
  for (size_t i = 0; i < table->indexes.size(); i++) {
    if (table->indexes[i].column == node.vector_column && table->indexes[i].options.metric == node.metric) index_number = int(i);
  }

  const SplitFilter filter = split_filter(node.filter.get());
  const std::string directory = context.database.segments_directory();
  std::vector<Source> sources;
  uint64_t base = 0;
  for (size_t s = 0; s < table->segment_entries.size(); s++) {
    Source source;
    source.segment = table->segment(s, directory);
    source.rows = source.segment->row_count();
    source.base = base;
    source.views.resize(column_count);
    for (size_t c = 0; c < column_count; c++) {
      if (needed[c]) {
        source.views[c] = source.segment->column(c);
      } else {
        source.views[c].type = source.segment->info(c).type;
        source.views[c].size = source.rows;
      }
    }
    auto deleted = table->segment_deletions(s, directory);
    // Deletions only grow while a deletion file is current, so its name and the count of
    // deleted rows name the flags exactly.
    const SegmentEntry& entry = table->segment_entries[s];
    source.cache_key = row_cache_key(node, filter, entry.deletions + "#" + std::to_string(entry.deleted_count));
    evaluate_passing(source, node, filter, deleted ? deleted->data() : nullptr, context);
    if (index_number >= 0) source.index = table->segment_index(s, size_t(index_number), context.database.indexes_directory());
    base += source.rows;
    sources.push_back(std::move(source));
  }
  Source tail;
  tail.rows = table->tail_rows;
  tail.base = base;
  for (const Column& column : table->tail) tail.views.push_back(column.view());
  evaluate_passing(tail, node, filter, table->tail_deleted.empty() ? nullptr : table->tail_deleted.data(), context);
  sources.push_back(std::move(tail));

  size_t total = 0;
  for (const Source& source : sources) total += source.passing_count;
  // With few candidates an exact scan is both faster and exact.
  const size_t exact_below = std::max<size_t>(k * 10, 2048);
  bool exact_everywhere = index_number < 0 || total <= exact_below;
  double probe_share = 1.0;  // of the rows not yet failing, the share the key probes are expected to pass
  if (!exact_everywhere && !filter.probes.empty()) {
    // Estimate how many rows the key probes let through from an even sample of the rows
    // that pass the rest, and settle every row only when few are expected to pass.
    constexpr size_t kSample = 256;
    size_t stored = 0;
    for (const Source& source : sources) stored += source.rows;
    const size_t stride = std::max<size_t>(1, stored / kSample);
    size_t sampled = 0, passed = 0;
    uint64_t jitter = 0x9e3779b97f4a7c15ull;  // a fixed pseudo-random row in each stride: no aliasing with periodic data
    for (Source& source : sources) {
      for (size_t start = 0; start < source.rows; start += stride) {
        jitter ^= jitter << 13, jitter ^= jitter >> 7, jitter ^= jitter << 17;
        const size_t row = start + size_t(jitter % stride);
        if (row >= source.rows || source.passing[row] == kFails) continue;
        sampled++;
        passed += resolve(source, filter, row) ? 1 : 0;
      }
    }
    probe_share = sampled == 0 ? 0.0 : double(passed) / double(sampled);
    const double estimate = double(total) * probe_share;
    if (estimate <= double(exact_below)) exact_everywhere = true;
  }
  if (exact_everywhere) {
    for (Source& source : sources) resolve_all(source, filter, context);
  }
  std::vector<Candidate> candidates;
  candidates.reserve(std::min(k, total) * std::min<size_t>(sources.size(), 4));
  for (size_t i = 0; i < sources.size(); i++) {
    context.check_cancelled();
    Source& source = sources[i];
    if (source.passing_count == 0) continue;
    if (!exact_everywhere && source.index) {
      const IndexDefinition& definition = table->indexes[size_t(index_number)];
      const size_t expansion = std::max<size_t>(k, node.expansion ? node.expansion : definition.options.expansion_search);
      const size_t wanted = std::min(k, source.passing_count);
      auto passes = [&](uint32_t row) { return row < source.rows && source.passing[row] != kFails && resolve(source, filter, row); };
      std::vector<VectorHit> hits;
      const double selectivity = double(source.passing_count) * (source.pending > 0 ? probe_share : 1.0) / double(source.rows);
      if (source.passing_count == source.rows && source.pending == 0) {
        // Every row passing (no filter, nothing deleted): usearch's unfiltered search.
        hits = source.index->search(node.query.data(), wanted, expansion, {});
      } else if (selectivity >= kOverFetchSelectivity) {
        // A broad filter: the wanted rows are among the nearest wanted / selectivity × 2,
        // found by an unfiltered search, which costs less than a filtered graph walk that
        // must step past every failing neighbour (and finds more of the true nearest).
        const size_t fetch = std::min(source.rows, size_t(std::ceil(double(wanted) / selectivity * 2)));
        for (const VectorHit& hit : source.index->search(node.query.data(), fetch, expansion, {})) {
          if (hits.size() == wanted) break;
          if (passes(hit.row)) hits.push_back(hit);
        }
        if (hits.size() < wanted) hits = source.index->search(node.query.data(), wanted, expansion, passes);
      } else {
        hits = source.index->search(node.query.data(), wanted, expansion, passes);
      }
      // Fewer hits than wanted: settle every row, and keep the hits only if no more pass.
      if (hits.size() < wanted) resolve_all(source, filter, context);
      if (hits.size() >= std::min(k, source.passing_count)) {
        for (const VectorHit& hit : hits) {
          if (hit.row < source.rows && source.passing[hit.row] == kPasses) candidates.push_back({hit.distance, source.base + hit.row, i, hit.row, hit.vector});
        }
        continue;
      }
    }
    resolve_all(source, filter, context);
    exact_top_k(source, i, node, k, candidates);
  }
  if (!filter.probes.empty()) {
    for (const Source& source : sources) remember_passing(source);
  }
  if (candidates.size() > k) {
    std::partial_sort(candidates.begin(), candidates.begin() + long(k), candidates.end());
    candidates.resize(k);
  } else {
    std::sort(candidates.begin(), candidates.end());
  }
  // Gathered a run of candidates from the same source at a time (usually one run: one segment).
  std::vector<uint32_t> run;
  for (size_t start = 0; start < candidates.size();) {
    const size_t source = candidates[start].source;
    size_t end = start;
    run.clear();
    while (end < candidates.size() && candidates[end].source == source) run.push_back(candidates[end++].row);
    for (size_t c = 0; c < node.columns.size(); c++) out.columns[c].append_selected(sources[source].views[node.columns[c]], run.data(), run.size());
    start = end;
  }
  if (!node.vector_outputs.empty()) {
    const size_t dimensions = node.query.size();
    const float* query = node.query.data();
    const bool zero_query = std::all_of(query, query + dimensions, [](float x) { return x == 0; });
    for (const Candidate& candidate : candidates) {
      const float* vector = candidate.vector ? candidate.vector
                                             : reinterpret_cast<const float*>(sources[candidate.source].views[node.vector_column].fixed(candidate.row));
      for (size_t o = 0; o < node.vector_outputs.size(); o++) {
        const VectorOutput& output = node.vector_outputs[o];
        const double value = output.query_first ? vector_function_value(output.function, query, vector, dimensions, zero_query)
                                                : vector_function_value(output.function, vector, query, dimensions, zero_query);
        out.columns[node.columns.size() + o].append<double>(value);
      }
    }
  }
  if (node.with_row_ids) {
    for (const Candidate& candidate : candidates) out.columns.back().append<int64_t>(int64_t(candidate.position));
  }
  out.rows = candidates.size();
  return out;
}

}  // namespace replaydb
