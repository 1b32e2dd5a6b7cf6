#include "runtime/parquet/parquet_source.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <tuple>

#include "runtime/pipeline.h"

namespace rankflow {
namespace {

constexpr size_t kMaxOpenFooters = 64;  // per rank; older ones are dropped and re-read if needed

struct RowGroupEntry {
  uint64_t file = 0;
  int64_t row_group = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  int64_t rows = 0;
  uint64_t stored = 0;  // the requested columns' chunks, as stored
};

std::string Encode(const std::vector<RowGroupEntry>& entries) {
  std::string out;
  char line[160];
  for (const RowGroupEntry& e : entries) {
    snprintf(line, sizeof line,
             "%" PRIu64 " %" PRId64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRIu64 "\n", e.file,
             e.row_group, e.begin, e.end, e.rows, e.stored);
    out += line;
  }
  return out;
}

void Decode(const std::string& wire, std::vector<RowGroupEntry>* out) {
  size_t pos = 0;
  while (pos < wire.size()) {
    const size_t nl = wire.find('\n', pos);
    RowGroupEntry e;
    RF_CHECK(sscanf(wire.c_str() + pos,
                    "%" SCNu64 " %" SCNd64 " %" SCNu64 " %" SCNu64 " %" SCNd64 " %" SCNu64, &e.file,
                    &e.row_group, &e.begin, &e.end, &e.rows, &e.stored) == 6);
    out->push_back(e);
    pos = nl == std::string::npos ? wire.size() : nl + 1;
  }
}

}  // namespace

ParquetSource::ParquetSource(const MpiContext& mpi, FileSystem& fs, Metrics* metrics,
                             Progress* progress)
    : mpi_(mpi), fs_(fs), metrics_(metrics), progress_(progress) {}

ParquetSource::~ParquetSource() = default;

Status ParquetSource::OpenFile(size_t file_index, ParquetFileReader** out) {
  auto it = open_.find(file_index);
  if (it == open_.end()) {
    if (open_.size() >= kMaxOpenFooters) open_.clear();
    std::unique_ptr<ParquetFileReader> r;
    RF_RETURN_IF_ERROR(ParquetFileReader::Open(fs_, plan_.files[file_index], options_.limits, &r));
    it = open_.emplace(file_index, std::move(r)).first;
  }
  *out = it->second.get();
  return Status::OK();
}

Status ParquetSource::Plan(const ParquetSourceOptions& options) {
  options_ = options;
  planned_ = false;
  plan_ = InputPlan();
  row_group_of_.clear();
  open_.clear();
  total_rows_ = 0;
  std::vector<FileInfo> files;
  RF_RETURN_IF_ERROR(ListInputs(mpi_, fs_, options.src, options.name_regex, &files));
  if (files.empty()) {
    return Status::InvalidArgument("no input files in " + options.src + " matching " +
                                   options.name_regex);
  }
  plan_.files = std::move(files);
  for (const FileInfo& f : plan_.files) plan_.total_bytes += f.size;
  // Each rank reads the footers of every size-th file: their row groups, and a check that the
  // requested columns exist.
  std::vector<RowGroupEntry> mine;
  Status local;
  for (size_t i = static_cast<size_t>(mpi_.rank()); i < plan_.files.size() && local.ok();
       i += static_cast<size_t>(mpi_.size())) {
    ParquetFileReader* r = nullptr;
    local = OpenFile(i, &r);
    if (!local.ok()) break;
    std::vector<int> cols;
    local = r->ResolveColumns(options.columns, &cols);
    if (!local.ok()) break;
    for (int g = 0; g < r->num_row_groups(); ++g) {
      if (r->row_group_rows(g) == 0) continue;
      RowGroupEntry e;
      e.file = i;
      e.row_group = g;
      r->RowGroupRange(g, &e.begin, &e.end);
      e.rows = r->row_group_rows(g);
      e.stored = r->ChunkBytes(g, cols, false);
      mine.push_back(e);
    }
  }
  RF_RETURN_IF_ERROR(AgreeOnStatus(mpi_, local));
  std::vector<RowGroupEntry> all;
  for (const std::string& wire : mpi_.AllGather(Encode(mine))) Decode(wire, &all);
  std::sort(all.begin(), all.end(), [](const RowGroupEntry& a, const RowGroupEntry& b) {
    return std::tie(a.file, a.row_group) < std::tie(b.file, b.row_group);
  });
  Status overlap;
  uint64_t stored = 0;
  for (const RowGroupEntry& e : all) {
    if (!row_group_of_.emplace(std::make_pair(e.file, e.begin), static_cast<int>(e.row_group))
             .second) {
      overlap =
          Status::Corruption(plan_.files[e.file].path + ": row groups start at the same offset " +
                             std::to_string(e.begin));
      break;
    }
    plan_.units.push_back({static_cast<size_t>(e.file), e.begin, e.end});
    total_rows_ += e.rows;
    stored += e.stored;
  }
  RF_RETURN_IF_ERROR(overlap);  // the same on every rank: every rank has the same entries
  // Progress counts the requested chunks' bytes, what Run reads.
  if (progress_ != nullptr) progress_->SetTotals(plan_.files.size(), stored);
  planned_ = true;
  return Status::OK();
}

Status ParquetSource::RunUnit(const InputUnit& unit, const UnitReadFn& read) {
  auto it = row_group_of_.find({unit.file_index, unit.begin});
  RF_CHECK_MSG(it != row_group_of_.end(), "a claimed unit is not a planned row group");
  const int row_group = it->second;
  ParquetFileReader* reader = nullptr;
  RF_RETURN_IF_ERROR(OpenFile(unit.file_index, &reader));
  std::vector<int> cols;
  RF_RETURN_IF_ERROR(reader->ResolveColumns(options_.columns, &cols));
  RF_RETURN_IF_ERROR(read(*reader, row_group, cols));
  figures_.stored_bytes += reader->ChunkBytes(row_group, cols, false);
  figures_.bytes += reader->ChunkBytes(row_group, cols, true);
  return Status::OK();
}

Status ParquetSource::RunUnits(const UnitReadFn& read) {
  RF_CHECK_MSG(planned_, "ParquetSource::Run before a successful Plan");
  return RunInputPhase(mpi_, plan_, metrics_, figures_, progress_, "parquet source",
                       [&](const InputUnit& unit, bool* began_file) {
                         const auto first = row_group_of_.lower_bound({unit.file_index, 0});
                         *began_file =
                             first != row_group_of_.end() && first->first.second == unit.begin;
                         Status s = RunUnit(unit, read);
                         if (*began_file) ++figures_.files_done;
                         return s;
                       });
}

void ParquetSource::CountRows(uint64_t rows) {
  *metrics_->Counter("records_in") += static_cast<int64_t>(rows);
  figures_.records += rows;
  if (progress_ != nullptr) progress_->Update(figures_);
}

Status ParquetSource::Run(const ParquetBatchFn& fn) {
  return RunUnits([&](ParquetFileReader& reader, int row_group, const std::vector<int>& cols) {
    return reader.ReadRowGroup(row_group, cols, options_.batch_rows, [&](const ParquetRowBatch& b) {
      RF_RETURN_IF_ERROR(fn(b));
      CountRows(b.num_rows);
      return Status::OK();
    });
  });
}

Status ParquetSource::RunValueCounts(const ParquetValueCountFn& fn) {
  return RunUnits([&](ParquetFileReader& reader, int row_group, const std::vector<int>& cols) {
    RF_RETURN_IF_ERROR(reader.CountRowGroupValues(row_group, cols, fn));
    CountRows(static_cast<uint64_t>(reader.row_group_rows(row_group)));
    return Status::OK();
  });
}

}  // namespace rankflow
