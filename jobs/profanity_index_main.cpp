// profanity_index: see jobs/profanity_index.h. Flags -> RunJob -> exit code.
#include <cstdio>

#include "jobs/profanity_index.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::JobOutcome outcome = rankflow::RunJob(
      argc, argv,
      {"profanity_index",
       "per time bucket and target: tweets mentioning the target, how many contain profanity, "
       "the rate; CSV plus an HTML report with a line plot",
       rankflow::AddProfanityIndexFlags, rankflow::RunProfanityIndex});
  std::fputs(outcome.stdout_text.c_str(), stdout);
  return outcome.exit_code;
}
