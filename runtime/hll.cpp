// HyperLogLog (see hll.h).
#include "runtime/hll.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "runtime/shuffle.h"

namespace rankflow {

HyperLogLog::HyperLogLog(int precision)
    : precision_(precision), registers_(size_t{1} << precision, 0) {
  RF_CHECK_MSG(precision >= 4 && precision <= 18,
               "HyperLogLog precision " + std::to_string(precision) + " (expected 4 to 18)");
}

void HyperLogLog::Add(std::string_view item) { AddHash(KeyHash64(item)); }

void HyperLogLog::AddHash(uint64_t hash) {
  const uint64_t index = hash >> (64 - precision_);
  const uint64_t rest = hash << precision_;
  // Position of the first 1 bit in the remaining 64 - p bits (64 - p + 1 when they are all 0).
  const int rho = rest == 0 ? 64 - precision_ + 1 : std::countl_zero(rest) + 1;
  if (registers_[index] < rho) registers_[index] = static_cast<uint8_t>(rho);
}

void HyperLogLog::Merge(const HyperLogLog& other) {
  RF_CHECK_MSG(other.precision_ == precision_, "HyperLogLog::Merge of different precisions");
  for (size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
}

void HyperLogLog::AllMerge(const MpiContext& mpi) {
  RF_CHECK_MSG(mpi.AllMax(precision_) == precision_ && mpi.AllMax(-precision_) == -precision_,
               "HyperLogLog::AllMerge: ranks use different precisions");
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, registers_.data(), static_cast<int>(registers_.size()),
                         MPI_UNSIGNED_CHAR, MPI_MAX, mpi.comm()),
           "hll: MPI_Allreduce");
}

double HyperLogLog::Estimate() const {
  const double m = static_cast<double>(registers_.size());
  double alpha = 0.7213 / (1.0 + 1.079 / m);
  if (registers_.size() == 16) alpha = 0.673;
  if (registers_.size() == 32) alpha = 0.697;
  if (registers_.size() == 64) alpha = 0.709;
  double sum = 0;
  size_t zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
    if (r == 0) ++zeros;
  }
  const double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros > 0) return m * std::log(m / static_cast<double>(zeros));
  return raw;
}

std::string HyperLogLog::Serialize() const {
  std::string out(1, static_cast<char>(precision_));
  out.append(reinterpret_cast<const char*>(registers_.data()), registers_.size());
  return out;
}

Result<HyperLogLog> HyperLogLog::Deserialize(std::string_view bytes) {
  if (bytes.empty()) return Status::InvalidArgument("hll: empty sketch");
  const int p = static_cast<unsigned char>(bytes[0]);
  if (p < 4 || p > 18) return Status::InvalidArgument("hll: bad precision " + std::to_string(p));
  if (bytes.size() != 1 + (size_t{1} << p)) {
    return Status::InvalidArgument("hll: sketch of " + std::to_string(bytes.size()) +
                                   " bytes for precision " + std::to_string(p));
  }
  HyperLogLog h(p);
  for (size_t i = 0; i < h.registers_.size(); ++i) {
    const auto r = static_cast<unsigned char>(bytes[1 + i]);
    if (r > 64 - p + 1) return Status::InvalidArgument("hll: register out of range");
    h.registers_[i] = r;
  }
  return h;
}

}  // namespace rankflow
