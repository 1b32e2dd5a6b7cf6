// top_terms: see jobs/top_terms.h. Flags -> JobMain (RunJob, stdout, exit code).
#include "jobs/top_terms.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  return rankflow::JobMain(
      argc, argv,
      {"top_terms", "counts hashtags or words of a tweet archive, most frequent first",
       rankflow::AddTopTermsFlags, rankflow::RunTopTerms});
}
