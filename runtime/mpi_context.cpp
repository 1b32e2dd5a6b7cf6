#include "runtime/mpi_context.h"

#include <cstring>

#include "runtime/log.h"

namespace rankflow {

void CheckMpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw JobError(std::string(what) + ": " + std::string(text, len));
}

MpiContext::MpiContext(int* argc, char*** argv) {
  int provided = 0;
  CheckMpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  SetLogRank(rank_);
}

MpiContext::MpiContext(MPI_Comm comm) : comm_(comm), owns_(Owns::kCommunicator) {
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

MpiContext::MpiContext(MpiContext&& other) noexcept
    : comm_(other.comm_), owns_(other.owns_), rank_(other.rank_), size_(other.size_) {
  other.comm_ = MPI_COMM_NULL;
  other.owns_ = Owns::kNothing;
}

MpiContext::~MpiContext() {
  if (owns_ == Owns::kCommunicator) MPI_Comm_free(&comm_);
  if (owns_ == Owns::kWorld) MPI_Finalize();
}

MpiContext MpiContext::Split(int color) const {
  RF_CHECK_MSG(color >= 0, "MpiContext::Split: color " + std::to_string(color) + " < 0");
  MPI_Comm sub = MPI_COMM_NULL;
  CheckMpi(MPI_Comm_split(comm_, color, rank_, &sub), "MPI_Comm_split");
  return MpiContext(sub);
}

bool MpiContext::AllOk(bool local_ok) const {
  int in = local_ok ? 1 : 0;
  int out = 0;
  CheckMpi(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_LAND, comm_), "MPI_Allreduce");
  return out != 0;
}

std::vector<int64_t> MpiContext::AllSum(const std::vector<int64_t>& values) const {
  std::vector<int64_t> out(values.size());
  CheckMpi(MPI_Allreduce(values.data(), out.data(), static_cast<int>(values.size()), MPI_INT64_T,
                         MPI_SUM, comm_),
           "MPI_Allreduce");
  return out;
}

int64_t MpiContext::AllSum(int64_t value) const { return AllSum(std::vector<int64_t>{value})[0]; }

int64_t MpiContext::AllMax(int64_t value) const {
  int64_t out = 0;
  CheckMpi(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, comm_), "MPI_Allreduce");
  return out;
}

double MpiContext::AllMaxDouble(double value) const {
  double out = 0;
  CheckMpi(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
  return out;
}

std::vector<std::string> MpiContext::GatherToRoot(const std::string& local) const {
  int len = static_cast<int>(local.size());
  std::vector<int> lens(is_root() ? size_ : 0);
  CheckMpi(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
  std::vector<int> displs(lens.size());
  int total = 0;
  for (size_t i = 0; i < lens.size(); ++i) {
    displs[i] = total;
    total += lens[i];
  }
  std::string all(total, '\0');
  CheckMpi(MPI_Gatherv(local.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(),
                       MPI_CHAR, 0, comm_),
           "MPI_Gatherv");
  std::vector<std::string> out;
  for (size_t i = 0; i < lens.size(); ++i) out.push_back(all.substr(displs[i], lens[i]));
  return out;
}

std::vector<std::string> MpiContext::AllGather(const std::string& local) const {
  int len = static_cast<int>(local.size());
  std::vector<int> lens(size_);
  CheckMpi(MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm_), "MPI_Allgather");
  std::vector<int> displs(size_);
  int total = 0;
  for (int i = 0; i < size_; ++i) {
    displs[i] = total;
    total += lens[i];
  }
  std::string all(total, '\0');
  CheckMpi(MPI_Allgatherv(local.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(),
                          MPI_CHAR, comm_),
           "MPI_Allgatherv");
  std::vector<std::string> out;
  for (int i = 0; i < size_; ++i) out.push_back(all.substr(displs[i], lens[i]));
  return out;
}

void MpiContext::AllMin(std::span<float> values) const {
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT,
                         MPI_MIN, comm_),
           "MPI_Allreduce");
}

void MpiContext::AllMax(std::span<float> values) const {
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT,
                         MPI_MAX, comm_),
           "MPI_Allreduce");
}

void MpiContext::Broadcast(std::span<float> values) const {
  CheckMpi(MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_FLOAT, 0, comm_),
           "MPI_Bcast");
}

void MpiContext::Broadcast(std::span<int64_t> values) const {
  CheckMpi(MPI_Bcast(values.data(), static_cast<int>(values.size()), MPI_INT64_T, 0, comm_),
           "MPI_Bcast");
}

void MpiContext::Broadcast(std::string* value) const {
  int64_t len = static_cast<int64_t>(value->size());
  CheckMpi(MPI_Bcast(&len, 1, MPI_INT64_T, 0, comm_), "MPI_Bcast");
  value->resize(static_cast<size_t>(len));
  CheckMpi(MPI_Bcast(value->data(), static_cast<int>(len), MPI_CHAR, 0, comm_), "MPI_Bcast");
}

void MpiContext::Barrier() const { CheckMpi(MPI_Barrier(comm_), "MPI_Barrier"); }

void MpiContext::Abort(int code) const {
  MPI_Abort(comm_, code);
  std::abort();  // MPI_Abort does not return; this satisfies [[noreturn]].
}

}  // namespace rankflow
