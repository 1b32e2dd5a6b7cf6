#include "tests/interop/duckdb.h"

#include <sys/stat.h>

#include "tests/util/test_util.h"

namespace rankflow::testing {
namespace {

std::string ShellWord(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

}  // namespace

std::string SqlString(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

DuckDbResult DuckDbQuery(const std::vector<std::string>& statements) {
  DuckDbResult r;
  const std::string dir = SourcePath("tests/interop");
  struct stat st;
  if (stat((dir + "/node_modules/@duckdb/node-api/package.json").c_str(), &st) != 0) {
    r.error = dir + "/node_modules has no @duckdb/node-api: run tests/interop/install.sh";
    return r;
  }
  std::string command = "node " + ShellWord(dir + "/duckdb_query.mjs");
  for (const std::string& s : statements) command += " " + ShellWord(s);
  CommandResult run = RunCommand(command + " 2>&1", 120);
  if (run.exit_code != 0) {
    r.error = "exit " + std::to_string(run.exit_code) + ": " + run.output;
    return r;
  }
  r.document.Parse<rapidjson::kParseFullPrecisionFlag>(run.output.c_str());
  if (r.document.HasParseError() || !r.document.IsObject() || !r.document.HasMember("rows")) {
    r.error = "not the JSON duckdb_query.mjs prints: " + run.output.substr(0, 500);
    return r;
  }
  for (const auto& c : r.document["columns"].GetArray()) {
    r.column_names.push_back(c["name"].GetString());
    r.column_types.push_back(c["type"].GetString());
  }
  r.ok = true;
  return r;
}

}  // namespace rankflow::testing
