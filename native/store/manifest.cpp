// Binary encoding of manifests: magic, version, fields, CRC-32C of everything before it.
#include "store/manifest.hpp"

#include <cstring>

#include "common/crc32c.hpp"
#include "common/error.hpp"

namespace replaydb {
namespace {
constexpr char kManifestMagic[8] = {'R', 'P', 'D', 'B', 'M', 'A', 'N', '1'};
}

std::string encode_manifest(const Manifest& manifest) {
  std::string bytes;
  ByteWriter out(bytes);
  out.put_bytes(kManifestMagic, 8);
  out.put<uint32_t>(kManifestFormatVersion);
  out.put_string(manifest.id);
  out.put_string(manifest.parent);
  out.put_string(manifest.merge_parent);
  out.put<uint8_t>(uint8_t(manifest.kind));
  out.put_string(manifest.message);
  out.put<int64_t>(manifest.time_micros);
  out.put<uint32_t>(manifest.next_table_id);
  out.put<uint32_t>(uint32_t(manifest.tables.size()));
  for (const ManifestTable& table : manifest.tables) {
    write_schema(out, table.schema);
    out.put<uint32_t>(uint32_t(table.indexes.size()));
    for (const IndexDefinition& index : table.indexes) {
      out.put_string(index.name);
      out.put<uint32_t>(index.column);
      out.put<uint8_t>(uint8_t(index.options.metric));
      out.put<uint32_t>(index.options.connectivity);
      out.put<uint32_t>(index.options.expansion_add);
      out.put<uint32_t>(index.options.expansion_search);
      out.put<uint8_t>(uint8_t(index.options.quantization));
    }
    out.put<uint32_t>(uint32_t(table.segments.size()));
    for (const SegmentEntry& segment : table.segments) {
      out.put_string(segment.file);
      out.put<uint64_t>(segment.row_count);
      out.put_string(segment.deletions);
      out.put<uint64_t>(segment.deleted_count);
      for (size_t i = 0; i < table.indexes.size(); i++) out.put_string(i < segment.index_files.size() ? segment.index_files[i] : "");
    }
  }
  out.put_string(manifest.tail_log);
  out.put<uint32_t>(uint32_t(manifest.absorbed_logs.size()));
  for (const std::string& log : manifest.absorbed_logs) out.put_string(log);
  out.put<uint32_t>(crc32c(bytes.data(), bytes.size()));
  return bytes;
}

Manifest decode_manifest(const std::string& bytes, const std::string& file) {
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kManifestMagic, 8) != 0) {
    throw corrupt_file(file, "not a replaydb manifest (bad magic or truncated)");
  }
  uint32_t stored_checksum;
  std::memcpy(&stored_checksum, bytes.data() + bytes.size() - 4, 4);
  if (crc32c(bytes.data(), bytes.size() - 4) != stored_checksum) throw corrupt_file(file, "manifest checksum mismatch");
  ByteReader in(std::string_view(bytes).substr(8, bytes.size() - 12), file);
  const uint32_t version = in.get<uint32_t>();
  if (version < 1 || version > kManifestFormatVersion) {
    throw StorageError("feature_not_supported", file, "manifest format version " + std::to_string(version) + " is not supported");
  }
  Manifest manifest;
  manifest.id = in.get_string();
  manifest.parent = in.get_string();
  if (version >= 3) manifest.merge_parent = in.get_string();
  const uint8_t kind = in.get<uint8_t>();
  if (kind > 5) throw corrupt_file(file, "unknown version kind");
  manifest.kind = VersionKind(kind);
  manifest.message = in.get_string();
  manifest.time_micros = in.get<int64_t>();
  manifest.next_table_id = in.get<uint32_t>();
  const uint32_t table_count = in.get<uint32_t>();
  for (uint32_t t = 0; t < table_count; t++) {
    ManifestTable table;
    table.schema = read_schema(in);
    if (version >= 4) {
      const uint32_t index_count = in.get<uint32_t>();
      if (index_count > 1000) throw corrupt_file(file, "implausible index count");
      for (uint32_t i = 0; i < index_count; i++) {
        IndexDefinition index;
        index.name = in.get_string();
        index.column = in.get<uint32_t>();
        if (index.column >= table.schema.columns.size()) throw corrupt_file(file, "index on a column that does not exist");
        const uint8_t metric = in.get<uint8_t>();
        if (metric < 1 || metric > 3) throw corrupt_file(file, "unknown index metric");
        index.options.metric = VectorMetric(metric);
        index.options.connectivity = in.get<uint32_t>();
        index.options.expansion_add = in.get<uint32_t>();
        index.options.expansion_search = in.get<uint32_t>();
        const uint8_t quantization = in.get<uint8_t>();
        if (quantization < 1 || quantization > 3) throw corrupt_file(file, "unknown index quantization");
        index.options.quantization = VectorQuantization(quantization);
        table.indexes.push_back(std::move(index));
      }
    }
    const uint32_t segment_count = in.get<uint32_t>();
    for (uint32_t s = 0; s < segment_count; s++) {
      SegmentEntry entry;
      entry.file = in.get_string();
      entry.row_count = in.get<uint64_t>();
      if (version >= 2) {
        entry.deletions = in.get_string();
        entry.deleted_count = in.get<uint64_t>();
      }
      if (version >= 4) {
        for (size_t i = 0; i < table.indexes.size(); i++) entry.index_files.push_back(in.get_string());
      }
      if (entry.deleted_count > entry.row_count) throw corrupt_file(file, "segment has more deleted rows than rows");
      table.segments.push_back(std::move(entry));
    }
    manifest.tables.push_back(std::move(table));
  }
  manifest.tail_log = in.get_string();
  if (version >= 5) {
    const uint32_t absorbed = in.get<uint32_t>();
    if (absorbed > in.remaining()) throw corrupt_file(file, "implausible count of absorbed logs");
    for (uint32_t i = 0; i < absorbed; i++) manifest.absorbed_logs.push_back(in.get_string());
  }
  if (!in.at_end()) throw corrupt_file(file, "trailing bytes after manifest");
  return manifest;
}

}  // namespace replaydb
