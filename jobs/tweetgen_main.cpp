// tweetgen: writes a deterministic synthetic tweet archive (see jobs/tweetgen.h). One process; no
// MPI. Flags, summary and exit codes: RunTweetgen (jobs/tweetgen_cli.cpp).
#include <cstdio>
#include <string>
#include <vector>

#include "jobs/tweetgen.h"

int main(int argc, char** argv) {
  const rankflow::TweetgenOutcome outcome =
      rankflow::RunTweetgen(std::vector<std::string>(argv + 1, argv + argc));
  std::fputs(outcome.stderr_text.c_str(), stderr);
  std::fputs(outcome.stdout_text.c_str(), stdout);
  return outcome.exit_code;
}
