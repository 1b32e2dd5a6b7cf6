// top_terms: see jobs/top_terms.h. Flags -> RunJob -> exit code.
#include <cstdio>

#include "jobs/top_terms.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::JobOutcome outcome = rankflow::RunJob(
      argc, argv,
      {"top_terms", "counts hashtags or words of a tweet archive, most frequent first",
       rankflow::AddTopTermsFlags, rankflow::RunTopTerms});
  std::fputs(outcome.stdout_text.c_str(), stdout);
  return outcome.exit_code;
}
