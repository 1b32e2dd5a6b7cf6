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

std::string SqlList(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (const std::string& t : texts) out += (out.size() > 1 ? "," : "") + SqlString(t);
  return out + "]";
}

std::string SqlString(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  return out + "'";
}

namespace {

// Runs `script` (in tests/interop) with `flags` and the arguments; the output lines, or an error.
bool RunNode(const std::string& script, const std::string& package, const std::string& flags,
             const std::vector<std::string>& statements, std::vector<std::string>* lines,
             std::string* error) {
  const std::string dir = SourcePath("tests/interop");
  struct stat st;
  if (stat((dir + "/node_modules/" + package + "/package.json").c_str(), &st) != 0) {
    *error = dir + "/node_modules has no " + package + ": run tests/interop/install.sh";
    return false;
  }
  std::string command = "node " + ShellWord(dir + "/" + script) + flags;
  for (const std::string& s : statements) command += " " + ShellWord(s);
  CommandResult run = RunCommand(command + " 2>&1", 120);
  if (run.exit_code != 0) {
    *error = "exit " + std::to_string(run.exit_code) + ": " + run.output;
    return false;
  }
  *lines = SplitLines(run.output);
  return true;
}

DuckDbResult ParseResult(const std::string& line) {
  DuckDbResult r;
  r.document.Parse<rapidjson::kParseFullPrecisionFlag>(line.c_str());
  if (r.document.HasParseError() || !r.document.IsObject() || !r.document.HasMember("rows")) {
    r.error = "not the JSON duckdb_query.mjs prints: " + line.substr(0, 500);
    return r;
  }
  for (const auto& c : r.document["columns"].GetArray()) {
    r.column_names.push_back(c["name"].GetString());
    r.column_types.push_back(c["type"].GetString());
  }
  r.ok = true;
  return r;
}

}  // namespace

DuckDbResult DuckDbQuery(const std::vector<std::string>& statements) {
  std::vector<std::string> lines;
  DuckDbResult r;
  if (!RunNode("duckdb_query.mjs", "@duckdb/node-api", "", statements, &lines, &r.error)) return r;
  if (lines.size() != 1) {
    r.error = "expected one line of JSON, got " + std::to_string(lines.size());
    return r;
  }
  return ParseResult(lines[0]);
}

std::vector<DuckDbResult> DuckDbQueries(const std::vector<std::string>& statements) {
  std::vector<std::string> lines;
  std::vector<DuckDbResult> out(1);
  if (!RunNode("duckdb_query.mjs", "@duckdb/node-api", " --all", statements, &lines,
               &out[0].error)) {
    return out;
  }
  if (lines.size() != statements.size()) {
    out[0].error = "expected " + std::to_string(statements.size()) + " lines of JSON, got " +
                   std::to_string(lines.size());
    return out;
  }
  out.clear();
  for (const std::string& line : lines) out.push_back(ParseResult(line));
  return out;
}

DuckDbResult HyparquetRead(const std::string& path) {
  std::vector<std::string> lines;
  DuckDbResult r;
  if (!RunNode("hyparquet_read.mjs", "hyparquet", "", {path}, &lines, &r.error)) return r;
  if (lines.size() != 1) {
    r.error = "expected one line of JSON, got " + std::to_string(lines.size());
    return r;
  }
  return ParseResult(lines[0]);
}

bool ArrowRsRewrite(const std::string& input, const std::string& output, const std::string& variant,
                    std::string* error) {
  std::vector<std::string> lines;
  return RunNode("arrow_rs_rewrite.mjs", "parquet-wasm", "", {input, output, variant}, &lines,
                 error);
}

}  // namespace rankflow::testing
