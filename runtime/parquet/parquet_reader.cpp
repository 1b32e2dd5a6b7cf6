#include "runtime/parquet/parquet_reader.h"

#include <algorithm>
#include <cstring>

#include "runtime/parquet/column_chunk_reader.h"
#include "runtime/parquet/metadata_scan.h"
#include "runtime/parquet/parquet_types.h"

namespace rankflow {

using pq::ColumnChunkReader;
using pq::kMaxSchemaDepth;
using pq::LoadU32;
using pq::ReadCheckedThrift;
using pq::Wire;

namespace {

constexpr uint64_t kTailBytes = 64 << 10;  // one read usually holds the whole footer

bool IsStringAnnotated(const ::parquet::SchemaElement& e) {
  if (e.__isset.logicalType) {
    const auto& l = e.logicalType;
    if (l.__isset.STRING || l.__isset.ENUM || l.__isset.JSON) return true;
  }
  if (e.__isset.converted_type) {
    return Wire(e.converted_type) == ::parquet::ConvertedType::UTF8 ||
           Wire(e.converted_type) == ::parquet::ConvertedType::ENUM ||
           Wire(e.converted_type) == ::parquet::ConvertedType::JSON;
  }
  return false;
}

ParquetTimeUnit TimeUnitOf(const ::parquet::SchemaElement& e) {
  if (e.__isset.type && Wire(e.type) == ::parquet::Type::INT96) return ParquetTimeUnit::kNanos;
  if (e.__isset.logicalType && e.logicalType.__isset.TIMESTAMP) {
    const auto& u = e.logicalType.TIMESTAMP.unit;
    if (u.__isset.MILLIS) return ParquetTimeUnit::kMillis;
    if (u.__isset.MICROS) return ParquetTimeUnit::kMicros;
    if (u.__isset.NANOS) return ParquetTimeUnit::kNanos;
  }
  if (e.__isset.converted_type) {
    if (Wire(e.converted_type) == ::parquet::ConvertedType::TIMESTAMP_MILLIS) {
      return ParquetTimeUnit::kMillis;
    }
    if (Wire(e.converted_type) == ::parquet::ConvertedType::TIMESTAMP_MICROS) {
      return ParquetTimeUnit::kMicros;
    }
  }
  return ParquetTimeUnit::kNone;
}

bool IsDate(const ::parquet::SchemaElement& e) {
  return (e.__isset.logicalType && e.logicalType.__isset.DATE) ||
         (e.__isset.converted_type && Wire(e.converted_type) == ::parquet::ConvertedType::DATE);
}

// Walks the depth-first schema list, producing one ParquetLeaf per primitive.
class SchemaWalker {
 public:
  SchemaWalker(const std::vector<::parquet::SchemaElement>& schema, std::vector<ParquetLeaf>* out)
      : schema_(schema), out_(out) {}

  Status Walk() {
    if (schema_.empty()) return Status::Corruption("empty schema");
    const auto& root = schema_[0];
    next_ = 1;
    const int64_t children = root.__isset.num_children ? root.num_children : 0;
    for (int64_t i = 0; i < children; ++i) {
      RF_RETURN_IF_ERROR(Node("", "", 0, 0, -1, 1));
    }
    if (next_ != schema_.size()) {
      return Status::Corruption("schema has " + std::to_string(schema_.size() - next_) +
                                " elements outside the tree");
    }
    return Status::OK();
  }

 private:
  Status Node(const std::string& parent, const std::string& top, int def, int rep, int row_def,
              int depth) {
    if (depth > kMaxSchemaDepth) return Status::Corruption("schema nested too deep");
    if (next_ >= schema_.size()) return Status::Corruption("schema ends inside a group");
    const ::parquet::SchemaElement& e = schema_[next_++];
    const std::string path = parent.empty() ? e.name : parent + "." + e.name;
    const std::string& top_name = top.empty() ? e.name : top;
    const int repetition = e.__isset.repetition_type ? Wire(e.repetition_type) : 0;
    if (repetition == ::parquet::FieldRepetitionType::REPEATED) {
      if (rep == 0) row_def = def;  // the list exists at the levels above its repeated node
      ++rep;
      ++def;
    } else if (repetition == ::parquet::FieldRepetitionType::OPTIONAL) {
      ++def;
    }
    const int64_t children = e.__isset.num_children ? e.num_children : 0;
    if (children < 0) return Status::Corruption("negative num_children in the schema");
    if (children > 0 || !e.__isset.type) {
      for (int64_t i = 0; i < children; ++i) {
        RF_RETURN_IF_ERROR(Node(path, top_name, def, rep, row_def, depth + 1));
      }
      return Status::OK();
    }
    const int type = Wire(e.type);
    if (type < 0 || type > static_cast<int>(pq::PhysicalType::kFixedLenByteArray)) {
      return Status::Corruption("column " + path + " has unknown physical type " +
                                std::to_string(type));
    }
    ParquetLeaf leaf;
    leaf.path = path;
    leaf.top_name = top_name;
    leaf.index = static_cast<int>(out_->size());
    leaf.type = static_cast<pq::PhysicalType>(type);
    leaf.type_length = e.__isset.type_length ? e.type_length : 0;
    if (leaf.type == pq::PhysicalType::kFixedLenByteArray && leaf.type_length <= 0) {
      return Status::Corruption("column " + path + " is fixed_len_byte_array without a length");
    }
    leaf.max_def = def;
    leaf.max_rep = rep;
    leaf.is_list = rep == 1;
    leaf.row_def = rep == 0 ? def : row_def;
    leaf.is_string = leaf.type == pq::PhysicalType::kByteArray && IsStringAnnotated(e);
    leaf.time_unit = TimeUnitOf(e);
    leaf.is_date = IsDate(e);
    out_->push_back(std::move(leaf));
    return Status::OK();
  }

  const std::vector<::parquet::SchemaElement>& schema_;
  std::vector<ParquetLeaf>* out_;
  size_t next_ = 0;
};

// Decodes the pages of one column chunk and hands out whole rows.
}  // namespace

ParquetFileReader::~ParquetFileReader() = default;

Status ParquetFileReader::ReadRange(uint64_t offset, uint64_t length, std::string* out) {
  if (offset > size_ || length > size_ - offset) {
    return Status::Corruption(path_ + ": byte range " + std::to_string(offset) + "+" +
                              std::to_string(length) + " runs past the end of the file (" +
                              std::to_string(size_) + " bytes)");
  }
  if (bytes_) {
    out->assign(*bytes_, offset, length);
    return Status::OK();
  }
  out->resize(length);
  std::unique_ptr<InputStream> in;
  RF_RETURN_IF_ERROR(fs_->OpenRead(path_, offset, length, &in));
  size_t have = 0;
  RF_RETURN_IF_ERROR(ReadUpTo(*in, out->data(), length, &have));
  if (have != length) {
    return Status::Corruption(path_ + ": file ends at " + std::to_string(offset + have) +
                              ", expected " + std::to_string(offset + length) + " bytes");
  }
  return Status::OK();
}

Status ParquetFileReader::Open(FileSystem& fs, const FileInfo& file,
                               const ParquetReadLimits& limits,
                               std::unique_ptr<ParquetFileReader>* out) {
  std::unique_ptr<ParquetFileReader> r(new ParquetFileReader());
  r->path_ = file.path;
  r->fs_ = &fs;
  r->size_ = file.size;
  r->limits_ = limits;
  if (file.size < 12) {
    return Status::Corruption(file.path + ": not a parquet file (" + std::to_string(file.size) +
                              " bytes, too short)");
  }
  std::string tail;
  const uint64_t tail_len = std::min<uint64_t>(file.size, kTailBytes);
  RF_RETURN_IF_ERROR(r->ReadRange(file.size - tail_len, tail_len, &tail));
  RF_RETURN_IF_ERROR(r->ParseFooter(tail, file.size));
  *out = std::move(r);
  return Status::OK();
}

Status ParquetFileReader::OpenBytes(std::string path, std::shared_ptr<const std::string> bytes,
                                    const ParquetReadLimits& limits,
                                    std::unique_ptr<ParquetFileReader>* out) {
  std::unique_ptr<ParquetFileReader> r(new ParquetFileReader());
  r->path_ = std::move(path);
  r->bytes_ = std::move(bytes);
  r->size_ = r->bytes_->size();
  r->limits_ = limits;
  if (r->size_ < 12) {
    return Status::Corruption(r->path_ + ": not a parquet file (" + std::to_string(r->size_) +
                              " bytes, too short)");
  }
  RF_RETURN_IF_ERROR(r->ParseFooter(*r->bytes_, r->size_));
  *out = std::move(r);
  return Status::OK();
}

Status ParquetFileReader::ParseFooter(std::string_view tail, uint64_t file_size) {
  const std::string_view magic = tail.substr(tail.size() - 4);
  if (magic == "PARE") {
    return Status::InvalidArgument(path_ + ": encrypted parquet files are not supported");
  }
  if (magic != "PAR1") {
    return Status::Corruption(path_ + ": not a parquet file (no PAR1 magic at its end)");
  }
  if (tail.size() == file_size && tail.substr(0, 4) != "PAR1") {
    return Status::Corruption(path_ + ": not a parquet file (no PAR1 magic at its start)");
  }
  const uint64_t footer_len = LoadU32(tail.data() + tail.size() - 8);
  if (footer_len > file_size - 12) {
    return Status::Corruption(path_ + ": footer length " + std::to_string(footer_len) +
                              " does not fit in a file of " + std::to_string(file_size) + " bytes");
  }
  if (footer_len > limits_.max_footer_bytes) {
    return Status::Corruption(path_ + ": footer of " + std::to_string(footer_len) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits_.max_footer_bytes));
  }
  std::string bigger;
  std::string_view footer;
  if (footer_len + 8 <= tail.size()) {
    footer = tail.substr(tail.size() - 8 - footer_len, footer_len);
  } else {
    RF_RETURN_IF_ERROR(ReadRange(file_size - 8 - footer_len, footer_len, &bigger));
    footer = bigger;
  }
  meta_ = std::make_unique<::parquet::FileMetaData>();
  size_t used = 0;
  Status s = ReadCheckedThrift(reinterpret_cast<const uint8_t*>(footer.data()), footer.size(),
                               limits_.max_footer_elements, meta_.get(), &used);
  if (!s.ok()) return Status::Corruption(path_ + ": footer: " + s.message());
  return BuildLeaves();
}

Status ParquetFileReader::BuildLeaves() {
  Status s = SchemaWalker(meta_->schema, &leaves_).Walk();
  if (!s.ok()) return Status::Corruption(path_ + ": footer: " + s.message());
  if (meta_->num_rows < 0) return Status::Corruption(path_ + ": footer: negative row count");
  int64_t rows = 0;
  for (size_t g = 0; g < meta_->row_groups.size(); ++g) {
    const ::parquet::RowGroup& rg = meta_->row_groups[g];
    if (rg.columns.size() != leaves_.size()) {
      return Status::Corruption(path_ + ": footer: row group " + std::to_string(g) + " has " +
                                std::to_string(rg.columns.size()) + " column chunks, the schema " +
                                std::to_string(leaves_.size()) + " columns");
    }
    if (rg.num_rows < 0 || rg.num_rows > INT64_MAX - rows) {
      return Status::Corruption(path_ + ": footer: row group " + std::to_string(g) +
                                " has a bad row count");
    }
    rows += rg.num_rows;
  }
  if (rows != meta_->num_rows) {
    return Status::Corruption(path_ + ": footer: row groups hold " + std::to_string(rows) +
                              " rows, the file says " + std::to_string(meta_->num_rows));
  }
  return Status::OK();
}

int ParquetFileReader::num_row_groups() const { return static_cast<int>(meta_->row_groups.size()); }
int64_t ParquetFileReader::num_rows() const { return meta_->num_rows; }
int64_t ParquetFileReader::row_group_rows(int row_group) const {
  return meta_->row_groups[static_cast<size_t>(row_group)].num_rows;
}

namespace {

// The chunk's bytes as stored: from its dictionary page (if any) or first data page.
void ChunkRange(const ::parquet::ColumnMetaData& m, uint64_t* begin, uint64_t* length) {
  int64_t start = m.data_page_offset;
  if (m.__isset.dictionary_page_offset && m.dictionary_page_offset > 0 &&
      m.dictionary_page_offset < start) {
    start = m.dictionary_page_offset;
  }
  *begin = start < 0 ? 0 : static_cast<uint64_t>(start);
  *length = m.total_compressed_size < 0 ? 0 : static_cast<uint64_t>(m.total_compressed_size);
}

// A chunk this reader can read: stored in this file, with plain metadata.
Status CheckChunkStorage(const std::string& where, const ParquetLeaf& leaf,
                         const ::parquet::ColumnChunk& c) {
  if (!c.file_path.empty()) {
    return Status::InvalidArgument(where + ": column " + leaf.path +
                                   " is stored in another file (" + c.file_path +
                                   "), which is not supported");
  }
  if (!c.__isset.meta_data) {
    return Status::InvalidArgument(where + ": column " + leaf.path +
                                   " has no plain metadata (encrypted?)");
  }
  return Status::OK();
}

// The chunk's metadata agrees with the schema and its bytes are within the limit; its range.
Status CheckChunk(const std::string& where, const ParquetLeaf& leaf,
                  const ::parquet::ColumnMetaData& m, const ParquetReadLimits& limits,
                  uint64_t* begin, uint64_t* length) {
  if (Wire(m.type) != static_cast<int>(leaf.type)) {
    return Status::Corruption(where + ": column " + leaf.path +
                              ": chunk type differs from the schema's");
  }
  if (m.num_values < 0) return Status::Corruption(where + ": negative value count");
  ChunkRange(m, begin, length);
  if (*length > limits.max_chunk_bytes) {
    return Status::Corruption(where + ": column " + leaf.path + " chunk of " +
                              std::to_string(*length) + " bytes exceeds the limit of " +
                              std::to_string(limits.max_chunk_bytes));
  }
  return Status::OK();
}

// Empties a column's batch for the next rows, keeping its capacity.
void ClearColumnBatch(ParquetColumnBatch* col) {
  col->values.clear();
  col->value_offsets.clear();
  col->row_null.clear();
  col->def_levels.clear();
  col->rep_levels.clear();
  col->entry_offsets.clear();
  col->buffers.clear();
}

}  // namespace

void ParquetFileReader::RowGroupRange(int row_group, uint64_t* begin, uint64_t* end) const {
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const ::parquet::ColumnChunk& c : rg.columns) {
    uint64_t b = 0, len = 0;
    ChunkRange(c.meta_data, &b, &len);
    lo = std::min(lo, b);
    hi = std::max(hi, std::min(size_, b + std::min(len, size_)));
  }
  if (lo > hi) lo = hi;
  *begin = lo;
  *end = hi;
}

uint64_t ParquetFileReader::ChunkBytes(int row_group, const std::vector<int>& leaves,
                                       bool uncompressed) const {
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  uint64_t total = 0;
  for (int leaf : leaves) {
    const auto& m = rg.columns[static_cast<size_t>(leaf)].meta_data;
    const int64_t v = uncompressed ? m.total_uncompressed_size : m.total_compressed_size;
    if (v > 0) total += static_cast<uint64_t>(v);
  }
  return total;
}

Status ParquetFileReader::ResolveColumns(const std::vector<std::string>& names,
                                         std::vector<int>* leaves) const {
  leaves->clear();
  if (names.empty()) {
    for (const ParquetLeaf& l : leaves_) {
      if (l.max_rep > 1) continue;
      leaves->push_back(l.index);
    }
    return Status::OK();
  }
  for (const std::string& name : names) {
    int found = -1;
    int by_top = -1;
    int top_count = 0;
    for (const ParquetLeaf& l : leaves_) {
      if (l.path == name) found = l.index;
      if (l.top_name == name) {
        by_top = l.index;
        ++top_count;
      }
    }
    if (found < 0 && top_count == 1) found = by_top;
    if (found < 0) {
      std::string all;
      for (size_t i = 0; i < leaves_.size() && i < 30; ++i) {
        all += (i ? ", " : "") + leaves_[i].path;
      }
      if (leaves_.size() > 30) all += ", …";
      return Status::InvalidArgument(path_ + ": no column named " + name +
                                     (top_count > 1 ? " (it is a group of several columns)" : "") +
                                     " (columns: " + all + ")");
    }
    const ParquetLeaf& l = leaves_[static_cast<size_t>(found)];
    if (l.max_rep > 1) {
      return Status::InvalidArgument(path_ + ": column " + l.path +
                                     ": nested lists are not supported");
    }
    leaves->push_back(found);
  }
  return Status::OK();
}

Status ParquetFileReader::OpenChunk(int row_group, int leaf_index,
                                    std::unique_ptr<pq::ColumnChunkReader>* out,
                                    const ParquetLeaf** leaf_out) {
  if (leaf_index < 0 || static_cast<size_t>(leaf_index) >= leaves_.size()) {
    return Status::InvalidArgument(path_ + ": no column " + std::to_string(leaf_index));
  }
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  const std::string where = path_ + ": row group " + std::to_string(row_group);
  const ParquetLeaf& leaf = leaves_[static_cast<size_t>(leaf_index)];
  const ::parquet::ColumnChunk& c = rg.columns[static_cast<size_t>(leaf.index)];
  RF_RETURN_IF_ERROR(CheckChunkStorage(where, leaf, c));
  const ::parquet::ColumnMetaData& m = c.meta_data;
  uint64_t begin = 0, length = 0;
  RF_RETURN_IF_ERROR(CheckChunk(where, leaf, m, limits_, &begin, &length));
  auto chunk = std::make_shared<std::string>();
  RF_RETURN_IF_ERROR(ReadRange(begin, length, chunk.get()));
  *out = std::make_unique<ColumnChunkReader>(path_, leaf, limits_);
  (*out)->Init(std::move(chunk), Wire(m.codec), m.num_values);
  *leaf_out = &leaf;
  return Status::OK();
}

Status ParquetFileReader::CountRowGroupValues(int row_group, const std::vector<int>& leaves,
                                              const ParquetValueCountFn& fn) {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(path_ + ": no row group " + std::to_string(row_group));
  }
  for (int leaf : leaves) {
    std::unique_ptr<ColumnChunkReader> reader;
    ParquetValueCounts counts;
    counts.path = &path_;
    counts.row_group = row_group;
    counts.num_rows = static_cast<uint64_t>(row_group_rows(row_group));
    RF_RETURN_IF_ERROR(OpenChunk(row_group, leaf, &reader, &counts.leaf));
    RF_RETURN_IF_ERROR(
        reader->CountValues(&counts.dictionary_counts, &counts.others, &counts.buffers));
    counts.dictionary = &reader->dictionary();
    RF_RETURN_IF_ERROR(fn(counts));
  }
  return Status::OK();
}

Status ParquetFileReader::ReadRowGroup(int row_group, const std::vector<int>& leaves,
                                       size_t batch_rows, const ParquetBatchFn& fn) {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(path_ + ": no row group " + std::to_string(row_group));
  }
  if (batch_rows == 0) batch_rows = 1;
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  const std::string where = path_ + ": row group " + std::to_string(row_group);
  std::vector<std::unique_ptr<ColumnChunkReader>> readers(leaves.size());
  ParquetRowBatch batch;
  batch.path = &path_;
  batch.row_group = row_group;
  batch.columns.resize(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    RF_RETURN_IF_ERROR(OpenChunk(row_group, leaves[i], &readers[i], &batch.columns[i].leaf));
  }
  const uint64_t total_rows = static_cast<uint64_t>(rg.num_rows);
  uint64_t first = 0;
  while (first < total_rows) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(batch_rows, total_rows - first));
    for (size_t i = 0; i < readers.size(); ++i) {
      ParquetColumnBatch& col = batch.columns[i];
      ClearColumnBatch(&col);
      size_t got = 0;
      RF_RETURN_IF_ERROR(readers[i]->ReadRows(n, &col, &got));
      if (got != n) {
        return Status::Corruption(where + ": column " + col.leaf->path + " ends after " +
                                  std::to_string(first + got) + " rows, the row group has " +
                                  std::to_string(total_rows));
      }
    }
    batch.first_row = first;
    batch.num_rows = n;
    RF_RETURN_IF_ERROR(fn(batch));
    first += n;
  }
  for (size_t i = 0; i < readers.size(); ++i) {
    bool at_end = false;
    RF_RETURN_IF_ERROR(readers[i]->AtEnd(&at_end));
    if (!at_end) {
      return Status::Corruption(where + ": column " + batch.columns[i].leaf->path +
                                " holds more rows than the row group's " +
                                std::to_string(total_rows));
    }
  }
  return Status::OK();
}

}  // namespace rankflow
