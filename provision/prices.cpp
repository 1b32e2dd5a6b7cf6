#include "provision/prices.h"

#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace rankflow::provision {

Result<InstancePrice> PriceTable::Lookup(const std::string& instance_type) const {
  auto it = types.find(instance_type);
  if (it == types.end()) {
    return Status::NotFound("instance type " + instance_type + " is not in the price table (" +
                            source + ")");
  }
  return it->second;
}

Result<PriceTable> ParsePriceTable(const std::string& json, const std::string& source_name) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("types") ||
      !doc["types"].IsObject()) {
    return Status::InvalidArgument(source_name + ": expected an object with \"types\"");
  }
  PriceTable table;
  table.source = source_name;
  if (doc.HasMember("region") && doc["region"].IsString()) table.region = doc["region"].GetString();
  for (auto it = doc["types"].MemberBegin(); it != doc["types"].MemberEnd(); ++it) {
    const auto& v = it->value;
    if (!v.IsObject() || !v.HasMember("vcpus") || !v["vcpus"].IsInt() ||
        !v.HasMember("usd_per_hour") || !v["usd_per_hour"].IsNumber()) {
      return Status::InvalidArgument(source_name + ": " + it->name.GetString() +
                                     ": needs integer vcpus and numeric usd_per_hour");
    }
    table.types[it->name.GetString()] = {v["vcpus"].GetInt(), v["usd_per_hour"].GetDouble()};
  }
  return table;
}

Result<PriceTable> LoadPriceTable(const std::string& path) {
  std::string p = path;
  if (p.empty()) {
    const char* env = std::getenv("RANKFLOW_PRICES");
    p = env != nullptr && *env ? env : RANKFLOW_PROVISION_PRICES_JSON;
  }
  std::ifstream in(p);
  if (!in) return Status::NotFound(p + ": cannot open the price table");
  std::stringstream ss;
  ss << in.rdbuf();
  return ParsePriceTable(ss.str(), p);
}

}  // namespace rankflow::provision
