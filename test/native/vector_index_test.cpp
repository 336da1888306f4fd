// Tests of the HNSW vector index (native/index): recall against an exact scan on clustered
// data with real overlap, the distance conventions of every metric, filtered search,
// skipped and NULL rows, the save/open round trip, damaged and truncated files (an error,
// never a crash), empty indexes, f16 and i8 quantization, concurrent searches and
// cancellation through the progress callback. A standalone program: it exits non-zero at
// the first failed CHECK and prints "N passed, 0 failed" when all pass. Timings are printed
// for information.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"
#include "common/error.hpp"
#include "index/vector_index.hpp"

using namespace replaydb;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/** CPU seconds used by the whole process so far (all threads): unlike wall time, not
 *  inflated when other processes share the machine. */
double process_cpu_seconds() {
  timespec now;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

/** CPU seconds used by the calling thread so far. */
double thread_cpu_seconds() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

/** A scratch directory, removed with everything in it at exit. */
struct ScratchDirectory {
  std::string path;
  ScratchDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/replaydb_vector_index_test_XXXXXX";
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!mkdtemp(buffer.data())) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path = buffer.data();
  }
  ~ScratchDirectory() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string file(const std::string& name) const { return path + "/" + name; }
  /** Names in the directory (to find stray temporaries). */
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    if (FILE* listing = popen(("ls -A '" + path + "'").c_str(), "r")) {
      char line[4096];
      while (std::fgets(line, sizeof line, listing)) {
        std::string name(line);
        if (!name.empty() && name.back() == '\n') name.pop_back();
        names.push_back(name);
      }
      pclose(listing);
    }
    return names;
  }
};

ScratchDirectory* scratch = nullptr;

/** Rows × dimensions floats, row-major, plus optional validity (1 = present). */
struct Matrix {
  size_t rows = 0;
  size_t dimensions = 0;
  std::vector<float> values;
  std::vector<uint8_t> validity;

  const float* row(size_t i) const { return values.data() + i * dimensions; }
  ColumnView view() const {
    ColumnView view;
    view.type = DataType{TypeId::Vector, uint32_t(dimensions)};
    view.size = rows;
    view.data = reinterpret_cast<const uint8_t*>(values.data());
    view.validity = validity.empty() ? nullptr : validity.data();
    return view;
  }
};

/**
 * Points around `clusters` centres drawn from N(0, 1) per dimension, each point its centre
 * plus N(0, spread²) noise. With spread 0.8 in 128 dimensions a point lies about 9 from
 * its centre and centres about 16 apart: clusters overlap, and the nearest neighbours of a
 * point are spread over the cluster (not a trivially easy case, nor uniform noise).
 */
Matrix clustered(size_t rows, size_t dimensions, size_t clusters, double spread, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> centres(clusters * dimensions);
  for (float& value : centres) value = normal(random);
  Matrix matrix;
  matrix.rows = rows;
  matrix.dimensions = dimensions;
  matrix.values.resize(rows * dimensions);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  for (size_t i = 0; i < rows; i++) {
    const float* centre = centres.data() + pick(random) * dimensions;
    for (size_t d = 0; d < dimensions; d++) matrix.values[i * dimensions + d] = centre[d] + float(spread) * normal(random);
  }
  return matrix;
}

/** Rows [start, start + count) of `matrix`. */
Matrix rows_of(const Matrix& matrix, size_t start, size_t count) {
  Matrix out;
  out.rows = count;
  out.dimensions = matrix.dimensions;
  out.values.assign(matrix.values.begin() + start * matrix.dimensions, matrix.values.begin() + (start + count) * matrix.dimensions);
  return out;
}

/** The k nearest accepted rows by exact scan (vector_distance), nearest first. */
std::vector<VectorHit> exact_search(const Matrix& data, const float* query, size_t k, VectorMetric metric,
                                    const std::function<bool(uint32_t)>& accept = {}) {
  std::vector<VectorHit> all;
  for (size_t i = 0; i < data.rows; i++) {
    if (!data.validity.empty() && !data.validity[i]) continue;
    if (accept && !accept(uint32_t(i))) continue;
    all.push_back(VectorHit{uint32_t(i), vector_distance(metric, query, data.row(i), data.dimensions)});
  }
  const size_t keep = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + keep, all.end(),
                    [](const VectorHit& a, const VectorHit& b) { return a.distance < b.distance; });
  all.resize(keep);
  return all;
}

/** Mean fraction of the exact top k that the index returns. */
double recall_at(const VectorIndex& index, const Matrix& data, const Matrix& queries, size_t k, VectorMetric metric,
                 size_t expansion) {
  double found = 0;
  for (size_t q = 0; q < queries.rows; q++) {
    const auto exact = exact_search(data, queries.row(q), k, metric);
    const auto hits = index.search(queries.row(q), k, expansion, {});
    std::set<uint32_t> truth;
    for (const VectorHit& hit : exact) truth.insert(hit.row);
    for (const VectorHit& hit : hits) found += truth.count(hit.row);
  }
  return found / double(queries.rows * k);
}

bool close_to(double a, double b, double tolerance) { return std::fabs(a - b) <= tolerance * std::max(1.0, std::fabs(b)); }

/** Whether `hits` are sorted and carry the exact distances of their rows. */
bool hits_match_exact(const std::vector<VectorHit>& hits, const Matrix& data, const float* query, VectorMetric metric,
                      double tolerance) {
  for (size_t i = 0; i < hits.size(); i++) {
    if (i > 0 && hits[i].distance < hits[i - 1].distance) return false;
    const float exact = vector_distance(metric, query, data.row(hits[i].row), data.dimensions);
    if (!close_to(hits[i].distance, exact, tolerance)) {
      std::fprintf(stderr, "row %u: index distance %.6f, exact %.6f\n", hits[i].row, hits[i].distance, exact);
      return false;
    }
  }
  return true;
}

VectorIndexOptions options_for(VectorMetric metric, VectorQuantization quantization = VectorQuantization::F32) {
  VectorIndexOptions options;
  options.metric = metric;
  options.quantization = quantization;
  return options;
}

std::shared_ptr<VectorIndex> build_and_open(const std::string& name, const Matrix& data, const VectorIndexOptions& options,
                                            const uint8_t* skip = nullptr, size_t threads = 2) {
  const std::string path = scratch->file(name);
  VectorIndex::build(path, data.view(), skip, options, threads, {});
  return VectorIndex::open(path, data.dimensions, options);
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

/** The code of the StorageError that open() raises, "" when it opens, "other" for other errors. */
std::string open_error(const std::string& path, size_t dimensions, const VectorIndexOptions& options) {
  try {
    auto index = VectorIndex::open(path, dimensions, options);
    // A file that opens must also search without crashing.
    std::vector<float> query(dimensions, 0.5f);
    index->search(query.data(), 5, 16, {});
    return "";
  } catch (const StorageError& e) {
    if (e.file() != path || std::string(e.what()).find(path) == std::string::npos) return "unnamed file";
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "open: unexpected %s\n", e.what());
    return "other";
  }
}

// ---------------------------------------------------------------------------------------

void test_exact_distances() {
  const float a[4] = {3, 4, 0, 0}, zero[4] = {0, 0, 0, 0}, b[4] = {4, -3, 0, 0}, c[4] = {-6, -8, 0, 0};
  CHECK(vector_distance(VectorMetric::L2, a, zero, 4) == 5.0f);
  CHECK(vector_distance(VectorMetric::L2, a, a, 4) == 0.0f);
  CHECK(vector_distance(VectorMetric::InnerProduct, a, c, 4) == 50.0f);  // −(a · c) = −(−50)
  CHECK(vector_distance(VectorMetric::InnerProduct, a, a, 4) == -25.0f);
  CHECK(std::fabs(vector_distance(VectorMetric::Cosine, a, b, 4) - 1.0f) < 1e-6f);  // orthogonal
  CHECK(std::fabs(vector_distance(VectorMetric::Cosine, a, a, 4)) < 1e-6f);
  CHECK(std::fabs(vector_distance(VectorMetric::Cosine, a, c, 4) - 2.0f) < 1e-6f);  // opposite
  CHECK(vector_distance(VectorMetric::Cosine, a, zero, 4) == 1.0f);
  CHECK(vector_distance(VectorMetric::Cosine, zero, a, 4) == 1.0f);
  CHECK(vector_distance(VectorMetric::Cosine, zero, zero, 4) == 1.0f);
  CHECK(vector_dot(a, c, 4) == -50.0);
  CHECK(vector_squared_l2(a, zero, 4) == 25.0);

  // Against a double-precision loop on odd lengths (kernel tails) and 768 dimensions.
  std::mt19937_64 random(7);
  std::normal_distribution<float> normal;
  for (size_t n : {1, 3, 7, 15, 17, 31, 33, 100, 768, 1023}) {
    std::vector<float> x(n), y(n);
    for (size_t i = 0; i < n; i++) x[i] = normal(random), y[i] = normal(random);
    double dot = 0, xx = 0, yy = 0, l2 = 0;
    for (size_t i = 0; i < n; i++) {
      dot += double(x[i]) * y[i];
      xx += double(x[i]) * x[i];
      yy += double(y[i]) * y[i];
      l2 += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    }
    CHECK(close_to(vector_dot(x.data(), y.data(), n), dot, 1e-9));
    CHECK(close_to(vector_squared_l2(x.data(), y.data(), n), l2, 1e-9));
    CHECK(close_to(vector_distance(VectorMetric::L2, x.data(), y.data(), n), std::sqrt(l2), 1e-6));
    CHECK(close_to(vector_distance(VectorMetric::InnerProduct, x.data(), y.data(), n), -dot, 1e-6));
    CHECK(close_to(vector_distance(VectorMetric::Cosine, x.data(), y.data(), n), 1 - dot / std::sqrt(xx * yy), 1e-5));
  }
}

void test_recall_cosine(const Matrix& data, const Matrix& queries) {
  const VectorIndexOptions options = options_for(VectorMetric::Cosine);
  const std::string path = scratch->file("cosine.usearch");
  std::vector<size_t> reported;
  const auto caller = std::this_thread::get_id();
  bool reported_elsewhere = false;
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  VectorIndex::build(path, data.view(), nullptr, options, 2, [&](size_t added) {
    reported.push_back(added);
    reported_elsewhere = reported_elsewhere || std::this_thread::get_id() != caller;
  });
  const double build_seconds = seconds_since(start);
  const double build_cpu_seconds = process_cpu_seconds() - cpu_start;
  CHECK(!reported.empty() && reported.back() == data.rows);
  CHECK(std::is_sorted(reported.begin(), reported.end()));
  CHECK(!reported_elsewhere);

  const auto open_start = Clock::now();
  auto index = VectorIndex::open(path, data.dimensions, options);
  const double open_seconds = seconds_since(open_start);
  CHECK(index->size() == data.rows);

  const double recall = recall_at(*index, data, queries, 10, VectorMetric::Cosine, options.expansion_search);
  const double recall_16 = recall_at(*index, data, queries, 10, VectorMetric::Cosine, 16);
  const double recall_256 = recall_at(*index, data, queries, 10, VectorMetric::Cosine, 256);
  CHECK(recall >= 0.97);
  CHECK(recall_256 >= recall - 0.01);

  for (size_t q = 0; q < 20; q++) CHECK(hits_match_exact(index->search(queries.row(q), 10, 64, {}), data, queries.row(q), VectorMetric::Cosine, 1e-4));

  const auto search_start = Clock::now();
  size_t returned = 0;
  for (size_t q = 0; q < queries.rows; q++) returned += index->search(queries.row(q), 10, 64, {}).size();
  const double search_ms = seconds_since(search_start) * 1000 / double(queries.rows);
  CHECK(returned == queries.rows * 10);

  std::printf("cosine f32 %zux%zu: build %.2f s on 2 threads (%.2f s of CPU), open %.1f ms, recall@10 %.4f (ef 64), %.4f (ef 16), %.4f (ef 256), search %.3f ms/query (ef 64)\n",
              data.rows, data.dimensions, build_seconds, build_cpu_seconds, open_seconds * 1000, recall, recall_16, recall_256, search_ms);
}

void test_l2_and_inner_product(const Matrix& data, const Matrix& queries) {
  for (VectorMetric metric : {VectorMetric::L2, VectorMetric::InnerProduct}) {
    auto index = build_and_open(metric == VectorMetric::L2 ? "l2.usearch" : "ip.usearch", data, options_for(metric));
    for (size_t q = 0; q < 20; q++) {
      const auto hits = index->search(queries.row(q), 10, 64, {});
      CHECK(hits.size() == 10);
      CHECK(hits_match_exact(hits, data, queries.row(q), metric, 1e-4));
    }
    // A row's own vector is its own nearest neighbour under L2, at distance 0.
    if (metric == VectorMetric::L2) {
      const auto hits = index->search(data.row(123), 1, 64, {});
      CHECK(hits.size() == 1 && hits[0].row == 123 && hits[0].distance == 0.0f);
    } else {
      // −(a · b) ranks larger dot products first: the first hit has the most negative distance.
      const auto hits = index->search(queries.row(0), 5, 64, {});
      CHECK(hits[0].distance <= hits[4].distance && hits[0].distance < 0);
    }
    const double recall = recall_at(*index, data, queries, 10, metric, 64);
    std::printf("%s f32 %zux%zu: recall@10 %.4f (ef 64)\n", metric == VectorMetric::L2 ? "l2" : "inner product", data.rows,
                data.dimensions, recall);
    CHECK(recall >= (metric == VectorMetric::L2 ? 0.95 : 0.80));
  }
}

/** The cosine index test_recall_cosine() builds, opened again (a second view of the file). */
std::shared_ptr<VectorIndex> open_cosine_index(const Matrix& data) {
  return VectorIndex::open(scratch->file("cosine.usearch"), data.dimensions, options_for(VectorMetric::Cosine));
}

void test_filtered_search(const Matrix& data, const Matrix& queries) {
  auto index = open_cosine_index(data);
  auto accept = [](uint32_t row) { return row % 20 == 7; };  // 5% of rows
  double found = 0, wanted = 0;
  size_t short_results = 0;
  for (size_t q = 0; q < 50; q++) {
    const auto hits = index->search(queries.row(q), 10, 64, accept);
    for (const VectorHit& hit : hits) CHECK(accept(hit.row));
    CHECK(hits_match_exact(hits, data, queries.row(q), VectorMetric::Cosine, 1e-4));
    short_results += hits.size() < 10;
    std::set<uint32_t> truth;
    for (const VectorHit& hit : exact_search(data, queries.row(q), 10, VectorMetric::Cosine, accept)) truth.insert(hit.row);
    for (const VectorHit& hit : hits) found += truth.count(hit.row);
    wanted += 10;
  }
  std::printf("filtered (5%% of rows accepted): recall@10 %.4f (ef 64), %zu of 50 searches returned fewer than 10\n",
              found / wanted, short_results);

  // An accept() that throws stops the search; the exception reaches the caller.
  bool thrown = false;
  try {
    index->search(queries.row(0), 10, 64, [](uint32_t) -> bool { throw std::runtime_error("stop"); });
  } catch (const std::runtime_error& e) {
    thrown = std::string(e.what()) == "stop";
  }
  CHECK(thrown);
  CHECK(index->search(queries.row(0), 10, 64, {}).size() == 10);  // the index is still usable
  CHECK(index->search(queries.row(0), 10, 64, [](uint32_t) { return false; }).empty());
  CHECK(index->search(queries.row(0), 0, 64, {}).empty());
}

void test_skip_and_null_rows(const Matrix& source) {
  Matrix data = source;
  data.rows = 5000;
  data.values.resize(data.rows * data.dimensions);
  data.validity.assign(data.rows, 1);
  std::vector<uint8_t> skip(data.rows, 0);
  size_t expected = 0;
  for (size_t i = 0; i < data.rows; i++) {
    if (i % 3 == 0) skip[i] = 1;
    else if (i % 7 == 0) data.validity[i] = 0;
    else expected++;
  }
  auto index = build_and_open("skip.usearch", data, options_for(VectorMetric::L2), skip.data());
  CHECK(index->size() == expected);
  bool clean = true;
  for (size_t row : {0, 3, 7, 14, 300, 2997}) {  // skipped or NULL rows: their own vectors are not found
    const auto hits = index->search(data.row(row), 20, 64, {});
    CHECK(hits.size() == 20);
    for (const VectorHit& hit : hits) clean = clean && skip[hit.row] == 0 && data.validity[hit.row] == 1;
  }
  CHECK(clean);
  const auto hits = index->search(data.row(1), 1, 64, {});
  CHECK(hits.size() == 1 && hits[0].row == 1);
}

void test_empty_index() {
  Matrix data;
  data.rows = 10;
  data.dimensions = 8;
  data.values.assign(80, 1.0f);
  data.validity.assign(10, 0);  // every row NULL
  for (VectorMetric metric : {VectorMetric::Cosine, VectorMetric::L2}) {
    auto index = build_and_open("empty.usearch", data, options_for(metric));
    CHECK(index->size() == 0);
    CHECK(index->search(data.row(0), 5, 64, {}).empty());
  }
  Matrix none;
  none.dimensions = 8;
  auto index = build_and_open("none.usearch", none, options_for(VectorMetric::Cosine));
  CHECK(index->size() == 0);
  // A single row works too (usearch's smallest graph).
  Matrix one = data;
  one.validity[4] = 1;
  index = build_and_open("one.usearch", one, options_for(VectorMetric::Cosine));
  CHECK(index->size() == 1);
  const auto hits = index->search(one.row(4), 3, 64, {});
  CHECK(hits.size() == 1 && hits[0].row == 4 && std::fabs(hits[0].distance) < 1e-6f);
  // The zero query is at cosine distance 1 from everything.
  const float zero[8] = {};
  const auto zero_hits = index->search(zero, 1, 64, {});
  CHECK(zero_hits.size() == 1 && zero_hits[0].distance == 1.0f);
}

void test_round_trip_and_mismatches(const Matrix& data, const Matrix& queries) {
  const VectorIndexOptions options = options_for(VectorMetric::Cosine);
  const std::string path = scratch->file("round_trip.usearch");
  Matrix small = data;
  small.rows = 3000;
  small.values.resize(small.rows * small.dimensions);
  VectorIndex::build(path, small.view(), nullptr, options, 2, {});
  auto first = VectorIndex::open(path, small.dimensions, options);
  auto second = VectorIndex::open(path, small.dimensions, options);  // two views of one file
  for (size_t q = 0; q < 10; q++) {
    const auto a = first->search(queries.row(q), 10, 64, {});
    const auto b = second->search(queries.row(q), 10, 64, {});
    CHECK(a.size() == 10 && b.size() == 10);
    for (size_t i = 0; i < a.size(); i++) CHECK(a[i].row == b[i].row && a[i].distance == b[i].distance);
  }
  // No temporaries are left beside the files.
  bool temporaries = false;
  for (const std::string& name : scratch->entries()) temporaries = temporaries || name.find(".tmp-") != std::string::npos;
  CHECK(!temporaries);

  // Opened with other expectations than it was built with: corruption, naming the file.
  CHECK(open_error(path, small.dimensions + 1, options) == "data_corrupted");
  CHECK(open_error(path, small.dimensions, options_for(VectorMetric::L2)) == "data_corrupted");
  CHECK(open_error(path, small.dimensions, options_for(VectorMetric::Cosine, VectorQuantization::F16)) == "data_corrupted");
  CHECK(open_error(scratch->file("missing.usearch"), small.dimensions, options) == "io_error");

  // A rebuild replaces the file whole; the old view keeps working on the old mapping.
  Matrix other = small;
  other.rows = 1000;
  other.values.resize(other.rows * other.dimensions);
  VectorIndex::build(path, other.view(), nullptr, options, 2, {});
  CHECK(VectorIndex::open(path, small.dimensions, options)->size() == 1000);
  CHECK(first->size() == 3000 && first->search(queries.row(0), 10, 64, {}).size() == 10);

  // Option errors.
  bool rejected = false;
  try {
    VectorIndex::build(scratch->file("i8_l2.usearch"), small.view(), nullptr, options_for(VectorMetric::L2, VectorQuantization::I8), 1, {});
  } catch (const EngineError& e) {
    rejected = e.code() == "invalid_parameter_value";
  }
  CHECK(rejected);
}

void test_damaged_files(const Matrix& data) {
  const VectorIndexOptions options = options_for(VectorMetric::Cosine);
  const std::string path = scratch->file("damaged_source.usearch");
  Matrix small = data;
  small.rows = 2000;
  small.values.resize(small.rows * small.dimensions);
  VectorIndex::build(path, small.view(), nullptr, options, 2, {});
  const std::string good = read_bytes(path);
  const std::string damaged = scratch->file("damaged.usearch");

  // Truncations at the edges of every part of the file, and random ones.
  std::vector<size_t> lengths = {0, 1, 7, 8, 9, 39, 40, 41, good.size() / 2, good.size() - 41, good.size() - 40,
                                 good.size() - 39, good.size() - 12, good.size() - 8, good.size() - 1};
  std::mt19937_64 random(99);
  for (int i = 0; i < 40; i++) lengths.push_back(random() % good.size());
  size_t rejected = 0;
  for (size_t length : lengths) {
    write_bytes(damaged, good.substr(0, length));
    rejected += open_error(damaged, small.dimensions, options) == "data_corrupted";
  }
  CHECK(rejected == lengths.size());

  // Single flipped bits and bytes anywhere: vectors, usearch's header and graph, the trailer.
  size_t flips = 0;
  rejected = 0;
  for (size_t offset : {size_t(0), size_t(4), size_t(8), good.size() - 40, good.size() - 30, good.size() - 12, good.size() - 1}) {
    std::string bytes = good;
    bytes[offset] ^= 0x01;
    write_bytes(damaged, bytes);
    flips++;
    rejected += open_error(damaged, small.dimensions, options) == "data_corrupted";
  }
  for (int i = 0; i < 300; i++) {
    std::string bytes = good;
    const size_t offset = random() % bytes.size();
    bytes[offset] = char(bytes[offset] ^ char(1 + random() % 255));
    write_bytes(damaged, bytes);
    flips++;
    rejected += open_error(damaged, small.dimensions, options) == "data_corrupted";
  }
  CHECK(rejected == flips);

  // Extra bytes, garbage of the right length, and a file of zeros.
  write_bytes(damaged, good + "x");
  CHECK(open_error(damaged, small.dimensions, options) == "data_corrupted");
  std::string garbage(good.size(), '\0');
  for (char& c : garbage) c = char(random());
  write_bytes(damaged, garbage);
  CHECK(open_error(damaged, small.dimensions, options) == "data_corrupted");
  write_bytes(damaged, std::string(good.size(), '\0'));
  CHECK(open_error(damaged, small.dimensions, options) == "data_corrupted");
  // The undamaged bytes still open.
  write_bytes(damaged, good);
  CHECK(open_error(damaged, small.dimensions, options).empty());
}

void test_quantization(const Matrix& data, const Matrix& queries) {
  for (VectorQuantization quantization : {VectorQuantization::F16, VectorQuantization::I8}) {
    const VectorIndexOptions options = options_for(VectorMetric::Cosine, quantization);
    const auto start = Clock::now();
    auto index = build_and_open(quantization == VectorQuantization::F16 ? "f16.usearch" : "i8.usearch", data, options);
    const double build_seconds = seconds_since(start);
    CHECK(index->size() == data.rows);
    const double recall = recall_at(*index, data, queries, 10, VectorMetric::Cosine, 64);
    std::printf("cosine %s %zux%zu: build %.2f s on 2 threads, recall@10 %.4f (ef 64, against exact f32)\n",
                quantization == VectorQuantization::F16 ? "f16" : "i8", data.rows, data.dimensions, build_seconds, recall);
    CHECK(recall >= (quantization == VectorQuantization::F16 ? 0.95 : 0.85));
    // Distances are those of the quantized vectors: close to the exact ones.
    for (size_t q = 0; q < 10; q++) {
      for (const VectorHit& hit : index->search(queries.row(q), 10, 64, {})) {
        const float exact = vector_distance(VectorMetric::Cosine, queries.row(q), data.row(hit.row), data.dimensions);
        CHECK(std::fabs(hit.distance - exact) < (quantization == VectorQuantization::F16 ? 1e-3 : 3e-2));
      }
    }
  }
  // F16 with the other metrics keeps their conventions.
  Matrix small = data;
  small.rows = 3000;
  small.values.resize(small.rows * small.dimensions);
  for (VectorMetric metric : {VectorMetric::L2, VectorMetric::InnerProduct}) {
    auto index = build_and_open("f16_other.usearch", small, options_for(metric, VectorQuantization::F16));
    for (size_t q = 0; q < 5; q++) CHECK(hits_match_exact(index->search(queries.row(q), 10, 64, {}), small, queries.row(q), metric, 2e-3));
  }
}

void test_concurrent_searches(const Matrix& data, const Matrix& queries) {
  auto index = open_cosine_index(data);
  // Expected results, one search at a time, at the expansion each thread will use.
  const size_t expansions[6] = {16, 64, 16, 200, 64, 32};
  std::vector<std::vector<std::vector<VectorHit>>> expected(6);
  for (size_t t = 0; t < 6; t++) {
    for (size_t q = 0; q < 60; q++) expected[t].push_back(index->search(queries.row(q), 10, expansions[t], {}));
  }
  std::atomic<size_t> mismatches{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 6; t++) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; round++) {
        for (size_t q = 0; q < 60; q++) {
          const auto hits = index->search(queries.row(q), 10, expansions[t], {});
          bool same = hits.size() == expected[t][q].size();
          for (size_t i = 0; same && i < hits.size(); i++) same = hits[i].row == expected[t][q][i].row;
          mismatches += !same;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(mismatches == 0);
}

void test_cancellation(const Matrix& data) {
  const std::string path = scratch->file("cancelled.usearch");
  bool cancelled = false;
  try {
    VectorIndex::build(path, data.view(), nullptr, options_for(VectorMetric::Cosine), 2, [](size_t added) {
      if (added >= 4096) throw std::runtime_error("cancelled");
    });
  } catch (const std::runtime_error& e) {
    cancelled = std::string(e.what()) == "cancelled";
  }
  CHECK(cancelled);
  bool left_behind = false;
  for (const std::string& name : scratch->entries()) left_behind = left_behind || name.find("cancelled") != std::string::npos;
  CHECK(!left_behind);
}

// Timings for information only; the bound is loose enough for a sanitizer build. Pairs are
// measured twice: within L1/L2 (the kernel's own speed) and streaming 12 MiB of vectors
// (what a scan of a large column costs: memory bandwidth).
void report_kernel_speed() {
  const size_t n = 768;
  std::mt19937_64 random(3);
  std::normal_distribution<float> normal;
  const VectorMetric metrics[3] = {VectorMetric::Cosine, VectorMetric::L2, VectorMetric::InnerProduct};
  double sink = 0;
  double nanoseconds[2][3];
  const size_t pair_counts[2] = {16, 4096};
  for (int setting = 0; setting < 2; setting++) {
    const size_t pairs = pair_counts[setting];
    std::vector<float> vectors((pairs + 1) * n);
    for (float& value : vectors) value = normal(random);
    const size_t rounds = 200000 / pairs + 20;
    for (int m = 0; m < 3; m++) {
      const double start = thread_cpu_seconds();
      for (size_t round = 0; round < rounds; round++) {
        for (size_t i = 0; i < pairs; i++) sink += vector_distance(metrics[m], vectors.data(), vectors.data() + (i + 1) * n, n);
      }
      nanoseconds[setting][m] = (thread_cpu_seconds() - start) * 1e9 / double(rounds * pairs);
    }
  }
  std::printf("vector_distance, 768-d f32 (%s kernels), CPU ns per pair: in cache cosine %.0f, l2 %.0f, inner product %.0f; "
              "streaming 12 MiB cosine %.0f, l2 %.0f, inner product %.0f\n",
              vector_kernel_isa(), nanoseconds[0][0], nanoseconds[0][1], nanoseconds[0][2], nanoseconds[1][0], nanoseconds[1][1],
              nanoseconds[1][2]);
  CHECK(std::isfinite(sink));
  CHECK(nanoseconds[0][0] < 2000);
}

}  // namespace

int main() {
  ScratchDirectory directory;
  scratch = &directory;
  // Queries come from the same clusters as the data but are not in the index.
  const Matrix all = clustered(20200, 128, 50, 0.8, 42);
  const Matrix data = rows_of(all, 0, 20000);
  const Matrix queries = rows_of(all, 20000, 200);

  test_exact_distances();
  test_recall_cosine(data, queries);
  test_l2_and_inner_product(data, queries);
  test_filtered_search(data, queries);
  test_skip_and_null_rows(data);
  test_empty_index();
  test_round_trip_and_mismatches(data, queries);
  test_damaged_files(data);
  test_quantization(data, queries);
  test_concurrent_searches(data, queries);
  test_cancellation(data);
  report_kernel_speed();
  return replaydb_test::report_passed();
}
