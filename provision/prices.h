// The price table shipped in provision/prices.json: vCPUs and on-demand USD per hour per instance
// type (one region; see the file for its source and date). Used for the cost estimate `up` prints
// before launching, for `status`'s cost so far, and for hostfile slots (= vCPUs).
#pragma once

#include <map>
#include <string>

#include "runtime/status.h"

namespace rankflow::provision {

struct InstancePrice {
  int vcpus = 0;
  double usd_per_hour = 0;
};

struct PriceTable {
  std::string region;
  std::string source;
  std::map<std::string, InstancePrice> types;

  // NotFound naming the type when it is not in the table.
  Result<InstancePrice> Lookup(const std::string& instance_type) const;
};

Result<PriceTable> ParsePriceTable(const std::string& json, const std::string& source_name);
// Reads `path`, or when empty: $RANKFLOW_PRICES, else the prices.json of the source tree this
// binary was built from.
Result<PriceTable> LoadPriceTable(const std::string& path);

}  // namespace rankflow::provision
