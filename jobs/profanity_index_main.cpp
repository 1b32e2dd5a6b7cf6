// profanity_index: see jobs/profanity_index.h. Flags -> JobMain (RunJob, stdout, exit code).
#include "jobs/profanity_index.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  return rankflow::JobMain(
      argc, argv,
      {"profanity_index",
       "per time bucket and target: tweets mentioning the target, how many contain profanity, "
       "the rate; CSV plus an HTML report with a line plot",
       rankflow::AddProfanityIndexFlags, rankflow::RunProfanityIndex});
}
