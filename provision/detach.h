// Detached jobs (`provision run --detach`): the job runs on the head under a supervisor that
// outlives the SSH session, streams the job's log to S3, and when the job ends records its
// state there and tears the cluster down itself (EMR's auto-terminate, without EMR). The laptop
// can close its lid right after `run --detach`; `provision status` shows the job's state,
// `provision logs` follows the log from S3 (also after the cluster is gone).
//
// On S3, under log_url (s3://bucket/prefix): job.log (the job's stdout and stderr, re-uploaded
// every upload_interval_s while it runs, and at the end) and job.json ({"cluster", "state":
// "running"|"finished", "exit_code", "started", "ended"}). On the head, in <dir>/job/: log, state
// ("running" / "finished <code>"), pid, job.json, supervisor.sh.
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "provision/s3_object.h"
#include "runtime/status.h"

namespace rankflow::provision {

struct SupervisorOptions {
  std::string cluster;
  std::string dir;          // the cluster folder on the head ($HOME/.rankflow, or local's)
  std::string environment;  // RemoteJobEnvironment(...): run before the command
  std::string command;      // the job, a shell command line
  std::string log_url;      // s3://bucket/prefix: where job.log and job.json go
  std::string region;       // for `provision put` (empty: the head's default)
  std::string provision;    // the provision executable on the head (uploads; local teardown)
  int upload_interval_s = 10;
  // What ends the cluster when the job has ended, a shell command line run by the supervisor:
  // TeardownByPowerOff on EC2, `provision down …` in local mode.
  std::string teardown;
};

// The supervisor, a bash script (see the header comment). The job's exit code is its state's;
// the supervisor itself exits 0 after the teardown.
std::string SupervisorScript(const SupervisorOptions& options);

// EC2's teardown: powers off every other node of `hostfile` over ssh (with `ssh_config`, the
// intra-cluster key) and then the head itself (`sudo -n poweroff`); the instances' shutdown
// behaviour (terminate) makes that termination. Needs no IAM permission on the nodes; the
// security group, key pair and backstop schedule are left for `provision down` (they cost
// nothing). The head's own address is the hostfile's first line.
std::string TeardownByPowerOff(const std::string& hostfile, const std::string& ssh_config);

// The state a job.json holds, as one line for `status`: "job: running since …" / "job: finished
// at …, exit code N". InvalidArgument if it is not such a JSON object.
Result<std::string> DescribeJobJson(const std::string& json);
// The exit code in a finished job.json; -1 while running or unreadable.
int JobExitCode(const std::string& json);

// "<log_url>/job.log" and "<log_url>/job.json" (log_url without a trailing '/').
std::string JobLogUrl(const std::string& log_url);
std::string JobJsonUrl(const std::string& log_url);

// `provision logs`: prints job.log from S3 to `out` as it grows (polls every poll_ms), until
// job.json says finished and the last of the log is printed; returns the job's exit code.
// NotFound when neither object appears within `appear_s` seconds.
using LogSink = std::function<void(const std::string& text)>;
Result<int> FollowJobLog(S3Objects* s3, const std::string& log_url, const LogSink& out,
                         int poll_ms = 2000, int appear_s = 120);

}  // namespace rankflow::provision
