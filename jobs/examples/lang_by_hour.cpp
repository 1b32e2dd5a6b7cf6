// lang_by_hour's driver: flags -> LangByHour (lang_by_hour.h, the pipeline) -> exit code.
#include "jobs/examples/lang_by_hour.h"

int main(int argc, char** argv) {
  rankflow::flow::JobInfo info{
      "lang_by_hour", "share of tweets per language per UTC hour", {}, "csv"};
  return rankflow::flow::Main(
      argc, argv, info, [](rankflow::flow::Context& ctx) { rankflow::examples::LangByHour(ctx); });
}
