// A dataflow job that writes FlowRows(n) (tests/interop/flow_rows.h) through flow's Write in the
// job's --format, for flow_write_duckdb_test: every column kind a RF_FIELDS struct can carry.
#include "runtime/flow/flow.h"
#include "tests/interop/flow_rows.h"

namespace flow = rankflow::flow;

int main(int argc, char** argv) {
  return flow::Main(
      argc, argv,
      {"flow_write_job", "writes test rows in --format",
       [](rankflow::FlagSet* f) { f->AddInt("rows", 1000, "how many rows"); }},
      [](flow::Context& ctx) {
        ctx.Parallelize(rankflow::testing::FlowRows(static_cast<int>(ctx.flags().GetInt("rows"))))
            .Write("rows");
      });
}
