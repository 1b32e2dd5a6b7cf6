#include "runtime/parquet/parquet_writer.h"

#include <cstdint>

#include "runtime/parquet/page_compressor.h"
#include "runtime/parquet/parquet_column_writer.h"
#include "runtime/parquet/parquet_types.h"
#include "runtime/parquet/thrift_io.h"

namespace rankflow {
namespace {

constexpr std::string_view kMagic = "PAR1";
constexpr char kCreatedBy[] = "rankflow version 0.1.0";
// The dictionary's entry offsets are 32-bit.
constexpr uint64_t kMaxDictionaryBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxPageBytes = uint64_t{1} << 30;

Status ValidateOptions(const ParquetWriterOptions& o) {
  if (o.row_group_bytes == 0)
    return Status::InvalidArgument("parquet: row_group_bytes must be > 0");
  // A data page's value count is 32-bit; a page holds at most about page_bytes values.
  if (o.page_bytes == 0 || o.page_bytes > kMaxPageBytes) {
    return Status::InvalidArgument("parquet: page_bytes must be 1 to 1 GiB, not " +
                                   std::to_string(o.page_bytes));
  }
  if (o.dictionary_bytes > kMaxDictionaryBytes) {
    return Status::InvalidArgument("parquet: dictionary_bytes must be at most 1 GiB, not " +
                                   std::to_string(o.dictionary_bytes));
  }
  const int level = o.compression_level;
  if (o.compression == ParquetCompression::kGzip && (level < 0 || level > 9)) {
    return Status::InvalidArgument("parquet: gzip level must be 1 to 9 (0: default), not " +
                                   std::to_string(level));
  }
  if (o.compression == ParquetCompression::kZstd && (level < 0 || level > 22)) {
    return Status::InvalidArgument("parquet: zstd level must be 1 to 22 (0: default), not " +
                                   std::to_string(level));
  }
  return Status::OK();
}

parquet::LogicalType LogicalTypeOf(ParquetType type) {
  parquet::LogicalType logical;
  switch (type) {
    case ParquetType::kString:
      logical.__set_STRING(parquet::StringType());
      break;
    case ParquetType::kInt32:
    case ParquetType::kInt64: {
      parquet::IntType i;
      i.__set_bitWidth(type == ParquetType::kInt32 ? 32 : 64);
      i.__set_isSigned(true);
      logical.__set_INTEGER(i);
      break;
    }
    case ParquetType::kTimestampMillis: {
      parquet::TimeUnit unit;
      unit.__set_MILLIS(parquet::MilliSeconds());
      parquet::TimestampType ts;
      ts.__set_isAdjustedToUTC(true);
      ts.__set_unit(unit);
      logical.__set_TIMESTAMP(ts);
      break;
    }
    case ParquetType::kBool:
    case ParquetType::kDouble:
      break;
  }
  return logical;
}

// The converted type that goes with the logical one, for old readers; false if none.
bool ConvertedTypeOf(ParquetType type, parquet::ConvertedType::type* out) {
  switch (type) {
    case ParquetType::kString:
      *out = parquet::ConvertedType::UTF8;
      return true;
    case ParquetType::kInt32:
      *out = parquet::ConvertedType::INT_32;
      return true;
    case ParquetType::kInt64:
      *out = parquet::ConvertedType::INT_64;
      return true;
    case ParquetType::kTimestampMillis:
      *out = parquet::ConvertedType::TIMESTAMP_MILLIS;
      return true;
    case ParquetType::kBool:
    case ParquetType::kDouble:
      return false;
  }
  return false;
}

parquet::FieldRepetitionType::type Repetition(bool nullable) {
  return nullable ? parquet::FieldRepetitionType::OPTIONAL : parquet::FieldRepetitionType::REQUIRED;
}

parquet::SchemaElement Leaf(const std::string& name, ParquetType type, bool nullable) {
  parquet::SchemaElement e;
  e.__set_name(name);
  e.__set_type(pq::ThriftPhysicalType(type));
  e.__set_repetition_type(Repetition(nullable));
  parquet::ConvertedType::type converted;
  if (ConvertedTypeOf(type, &converted)) {
    e.__set_converted_type(converted);
    e.__set_logicalType(LogicalTypeOf(type));
  }
  return e;
}

// The schema's elements, depth first: the root, then each column (3 elements for a list).
std::vector<parquet::SchemaElement> SchemaElements(const std::vector<ParquetColumn>& columns) {
  std::vector<parquet::SchemaElement> out;
  parquet::SchemaElement root;
  root.__set_name("schema");
  root.__set_num_children(static_cast<int32_t>(columns.size()));
  out.push_back(root);
  for (const ParquetColumn& c : columns) {
    if (!c.list) {
      out.push_back(Leaf(c.name, c.type, c.nullable));
      continue;
    }
    parquet::SchemaElement outer;
    outer.__set_name(c.name);
    outer.__set_repetition_type(Repetition(c.nullable));
    outer.__set_num_children(1);
    outer.__set_converted_type(parquet::ConvertedType::LIST);
    parquet::LogicalType list;
    list.__set_LIST(parquet::ListType());
    outer.__set_logicalType(list);
    out.push_back(outer);
    parquet::SchemaElement middle;
    middle.__set_name("list");
    middle.__set_repetition_type(parquet::FieldRepetitionType::REPEATED);
    middle.__set_num_children(1);
    out.push_back(middle);
    out.push_back(Leaf("element", c.type, c.element_nullable));
  }
  return out;
}

}  // namespace

struct ParquetWriter::Footer {
  std::vector<parquet::RowGroup> row_groups;
  std::unique_ptr<pq::PageCompressor> compressor;
};

ParquetWriter::ParquetWriter(WritableFile* file, std::vector<ParquetColumn> schema,
                             ParquetWriterOptions options)
    : file_(file), schema_(std::move(schema)), options_(std::move(options)) {
  Init();
}

ParquetWriter::ParquetWriter(std::unique_ptr<WritableFile> file, std::vector<ParquetColumn> schema,
                             ParquetWriterOptions options)
    : owned_(std::move(file)),
      file_(owned_.get()),
      schema_(std::move(schema)),
      options_(std::move(options)) {
  Init();
}

ParquetWriter::~ParquetWriter() = default;

void ParquetWriter::Init() {
  footer_ = std::make_unique<Footer>();
  status_ = ValidateParquetSchema(schema_);
  if (status_.ok()) status_ = ValidateOptions(options_);
  if (!status_.ok()) return;
  footer_->compressor =
      std::make_unique<pq::PageCompressor>(options_.compression, options_.compression_level);
  for (const ParquetColumn& c : schema_)
    columns_.push_back(std::make_unique<pq::ParquetColumnWriter>(c, options_));
  status_ = Write(kMagic);
}

int ParquetWriter::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < schema_.size(); ++i) {
    if (schema_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void ParquetWriter::Fail(size_t column, const char* call, const char* why) {
  if (!status_.ok()) return;
  std::string where = column < schema_.size() ? "column '" + schema_[column].name + "'"
                                              : "column " + std::to_string(column);
  status_ = Status::InvalidArgument("parquet: row " + std::to_string(rows_) + ", " + where + ": " +
                                    call + ": " + why);
}

pq::ParquetColumnWriter* ParquetWriter::Expect(size_t column, const char* call, ParquetType type) {
  if (!status_.ok()) return nullptr;
  if (finished_) {
    Fail(column, call, "the writer is finished");
    return nullptr;
  }
  if (column >= columns_.size()) {
    Fail(column, call, "no such column");
    return nullptr;
  }
  pq::ParquetColumnWriter* c = columns_[column].get();
  if (c->spec().type != type) {
    Fail(column, call,
         (std::string("the column holds ") + ParquetTypeName(c->spec().type)).c_str());
    return nullptr;
  }
  if (c->spec().list && !c->in_list()) {
    Fail(column, call, "a list column takes values between BeginList and EndList");
    return nullptr;
  }
  if (!c->in_list() && c->row_entries() != 0) {
    Fail(column, call, "the column already has an entry in this row");
    return nullptr;
  }
  return c;
}

void ParquetWriter::AppendBool(size_t column, bool value) {
  if (pq::ParquetColumnWriter* c = Expect(column, "AppendBool", ParquetType::kBool)) c->Bool(value);
}

void ParquetWriter::AppendInt32(size_t column, int32_t value) {
  if (pq::ParquetColumnWriter* c = Expect(column, "AppendInt32", ParquetType::kInt32))
    c->Int(value);
}

void ParquetWriter::AppendInt64(size_t column, int64_t value) {
  if (pq::ParquetColumnWriter* c = Expect(column, "AppendInt64", ParquetType::kInt64))
    c->Int(value);
}

void ParquetWriter::AppendDouble(size_t column, double value) {
  if (pq::ParquetColumnWriter* c = Expect(column, "AppendDouble", ParquetType::kDouble))
    c->Double(value);
}

void ParquetWriter::AppendString(size_t column, std::string_view value) {
  if (pq::ParquetColumnWriter* c = Expect(column, "AppendString", ParquetType::kString))
    c->String(value);
}

void ParquetWriter::AppendTimestampMillis(size_t column, int64_t millis) {
  if (pq::ParquetColumnWriter* c =
          Expect(column, "AppendTimestampMillis", ParquetType::kTimestampMillis)) {
    c->Int(millis);
  }
}

void ParquetWriter::AppendNull(size_t column) {
  if (!status_.ok()) return;
  if (finished_ || column >= columns_.size()) {
    Fail(column, "AppendNull", finished_ ? "the writer is finished" : "no such column");
    return;
  }
  pq::ParquetColumnWriter* c = columns_[column].get();
  if (c->in_list()) {
    if (!c->spec().element_nullable) return Fail(column, "AppendNull", "elements are not nullable");
    c->Null();
    return;
  }
  if (!c->spec().nullable) return Fail(column, "AppendNull", "the column is not nullable");
  if (c->row_entries() != 0) {
    return Fail(column, "AppendNull", "the column already has an entry in this row");
  }
  c->Null();
}

void ParquetWriter::BeginList(size_t column) {
  if (!status_.ok()) return;
  if (finished_ || column >= columns_.size()) {
    Fail(column, "BeginList", finished_ ? "the writer is finished" : "no such column");
    return;
  }
  pq::ParquetColumnWriter* c = columns_[column].get();
  if (!c->spec().list) return Fail(column, "BeginList", "not a list column");
  if (c->in_list()) return Fail(column, "BeginList", "the list is already open");
  if (c->row_entries() != 0) {
    return Fail(column, "BeginList", "the column already has an entry in this row");
  }
  c->BeginList();
}

void ParquetWriter::EndList(size_t column) {
  if (!status_.ok()) return;
  if (column >= columns_.size() || !columns_[column]->in_list()) {
    return Fail(column, "EndList", "no open list (BeginList first)");
  }
  columns_[column]->EndList();
}

Status ParquetWriter::EndRow() {
  if (!status_.ok()) return status_;
  if (finished_) {
    Fail(0, "EndRow", "the writer is finished");
    return status_;
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    const pq::ParquetColumnWriter& c = *columns_[i];
    if (c.in_list()) Fail(i, "EndRow", "the list is still open (EndList)");
    if (c.row_entries() == 0) Fail(i, "EndRow", "no value in this row");
    if (c.row_entries() > 1) Fail(i, "EndRow", "more than one value in this row");
  }
  if (!status_.ok()) return status_;
  uint64_t buffered = 0;
  for (auto& c : columns_) {
    c->StartRow();
    status_ = c->AfterRow(footer_->compressor.get());
    if (!status_.ok()) return status_;
    buffered += c->buffered_bytes();
  }
  ++rows_;
  ++rows_in_group_;
  if (buffered >= options_.row_group_bytes) status_ = FlushRowGroup();
  return status_;
}

uint64_t ParquetWriter::buffered_bytes() const {
  uint64_t total = 0;
  for (const auto& c : columns_) total += c->buffered_bytes();
  return total;
}

Status ParquetWriter::Write(std::string_view data) {
  Status s = file_->Append(data);
  if (!s.ok()) return s;
  offset_ += data.size();
  return Status::OK();
}

Status ParquetWriter::FlushRowGroup() {
  parquet::RowGroup group;
  group.__set_file_offset(static_cast<int64_t>(offset_));
  int64_t total_uncompressed = 0;
  const uint64_t start = offset_;
  std::vector<parquet::ColumnChunk> chunks(columns_.size());
  const auto write = [this](std::string_view bytes) { return Write(bytes); };
  for (size_t i = 0; i < columns_.size(); ++i) {
    RF_RETURN_IF_ERROR(
        columns_[i]->FinishChunk(footer_->compressor.get(), offset_, write, &chunks[i]));
    total_uncompressed += chunks[i].meta_data.total_uncompressed_size;
  }
  group.__set_columns(chunks);
  group.__set_total_byte_size(total_uncompressed);
  group.__set_num_rows(static_cast<int64_t>(rows_in_group_));
  group.__set_total_compressed_size(static_cast<int64_t>(offset_ - start));
  // The ordinal is an optional i16: left out past the 32768th row group.
  if (footer_->row_groups.size() <= INT16_MAX) {
    group.__set_ordinal(static_cast<int16_t>(footer_->row_groups.size()));
  }
  footer_->row_groups.push_back(std::move(group));
  rows_in_group_ = 0;
  ++row_groups_written_;
  return Status::OK();
}

Status ParquetWriter::WriteFooter() {
  parquet::FileMetaData meta;
  meta.__set_version(1);
  meta.__set_schema(SchemaElements(schema_));
  meta.__set_num_rows(static_cast<int64_t>(rows_));
  meta.__set_row_groups(footer_->row_groups);
  if (!options_.key_value_metadata.empty()) {
    std::vector<parquet::KeyValue> kv;
    for (const auto& [key, value] : options_.key_value_metadata) {
      parquet::KeyValue entry;
      entry.__set_key(key);
      entry.__set_value(value);
      kv.push_back(entry);
    }
    meta.__set_key_value_metadata(kv);
  }
  meta.__set_created_by(kCreatedBy);
  std::vector<parquet::ColumnOrder> orders(schema_.size());
  for (parquet::ColumnOrder& o : orders) o.__set_TYPE_ORDER(parquet::TypeDefinedOrder());
  meta.__set_column_orders(orders);
  std::string footer;
  AppendThrift(meta, &footer);
  const uint32_t len = static_cast<uint32_t>(footer.size());
  for (int b = 0; b < 4; ++b) footer.push_back(static_cast<char>((len >> (8 * b)) & 0xff));
  footer.append(kMagic);
  return Write(footer);
}

Status ParquetWriter::Finish() {
  if (finished_) return status_;
  if (!status_.ok()) return status_;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i]->in_list() || columns_[i]->row_entries() != 0) {
      Fail(i, "Finish", "the last row was not ended (EndRow)");
      return status_;
    }
  }
  if (rows_in_group_ > 0) status_ = FlushRowGroup();
  if (status_.ok()) status_ = WriteFooter();
  if (status_.ok()) status_ = file_->Finish();
  if (status_.ok()) finished_ = true;
  return status_;
}

}  // namespace rankflow
