// EventBridge Scheduler (REST-JSON API, SigV4 service "scheduler") on runtime/aws: only what the
// cluster's server-side backstop needs. A one-time schedule `at(<deadline>)` whose target is the
// universal target arn:aws:scheduler:::aws-sdk:ec2:terminateInstances with the cluster's instance
// ids as input terminates them at the deadline even if no node ever ran its user-data (so no
// dead-man was armed); ActionAfterCompletion DELETE removes the schedule once it has run.
// Schedules carry no tags: they are found by name, "rankflow-<cluster>" in the default group.
//
// Endpoint AWS_ENDPOINT_URL_SCHEDULER / AWS_ENDPOINT_URL / scheduler.<region>.amazonaws.com;
// retries as runtime/aws/retry.h (429, 5xx, transport). Errors: "scheduler CreateSchedule: 400
// ValidationException: <message>", kNotFound for ResourceNotFoundException, kAlreadyExists for
// ConflictException. Blocking; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/aws/service_client.h"
#include "runtime/status.h"

namespace rankflow::provision {

inline constexpr char kTerminateInstancesTarget[] =
    "arn:aws:scheduler:::aws-sdk:ec2:terminateInstances";

struct Schedule {
  std::string name;
  std::string group;
  std::string expression;               // "at(2026-12-04T22:00:00)"
  std::string timezone;                 // "UTC"
  std::string state;                    // ENABLED / DISABLED
  std::string action_after_completion;  // "DELETE"
  std::string target_arn;
  std::string role_arn;
  std::string input;  // the target's input, JSON text: {"InstanceIds":["i-…",…]}
};

// --- request bodies and answers (exposed for tests) ---
// The CreateSchedule body of a one-time TerminateInstances schedule at `epoch_s` (UTC).
std::string TerminateScheduleBody(int64_t epoch_s, const std::vector<std::string>& instance_ids,
                                  const std::string& role_arn, const std::string& description,
                                  const std::string& client_token);
// "at(2026-12-04T22:00:00)" for UTC seconds since the epoch.
std::string AtExpression(int64_t epoch_s);
// A GetSchedule answer. InvalidArgument if it is not a JSON object.
Result<Schedule> ParseSchedule(const std::string& json);
// The InstanceIds of a terminateInstances input ({"InstanceIds": [...]}); empty if none.
std::vector<std::string> InstanceIdsOfInput(const std::string& input_json);

class SchedulerClient {
 public:
  explicit SchedulerClient(std::shared_ptr<aws::AwsServiceClient> client);
  // Endpoint, region (`region` overrides the environment when not empty) and credentials from the
  // environment / ~/.aws files / IMDS.
  static Result<std::unique_ptr<SchedulerClient>> FromEnvironment(const std::string& region);

  // CreateSchedule in the default group. kAlreadyExists when a schedule of that name exists.
  Status CreateTerminateSchedule(const std::string& name, int64_t epoch_s,
                                 const std::vector<std::string>& instance_ids,
                                 const std::string& role_arn, const std::string& description);
  Result<Schedule> GetSchedule(const std::string& name);
  Status DeleteSchedule(const std::string& name);  // kNotFound when there is none
  // Names of the default group's schedules that start with `prefix` (every page).
  Result<std::vector<std::string>> ListScheduleNames(const std::string& prefix);

 private:
  Result<std::string> Call(const std::string& operation, aws::AwsRequest request);
  std::shared_ptr<aws::AwsServiceClient> client_;
};

}  // namespace rankflow::provision
