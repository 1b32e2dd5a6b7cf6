// Capacity fallback for one group's RunInstances: the instance types to try, spot before
// on-demand, and which EC2 answers move on to the next choice. Used by Cluster::Up for the head
// and worker groups and for replacement nodes. Thread-safe (the Ec2Client is).
#pragma once

#include <string>
#include <vector>

#include "provision/ec2_client.h"
#include "runtime/status.h"

namespace rankflow::provision {

struct LaunchChoice {
  std::string instance_type;
  bool spot = false;
  // "c6i.2xlarge spot" / "c6i.2xlarge on-demand".
  std::string ToString() const;
};

// The order a group is tried in: with `spot`, every type as spot first, then (with
// `on_demand_fallback`) every type on-demand: any spot capacity is cheaper than on-demand. Without
// `spot`, every type on-demand. Types keep their order; duplicates are dropped.
std::vector<LaunchChoice> LaunchChoices(const std::vector<std::string>& types, bool spot,
                                        bool on_demand_fallback);

// True when EC2 refused a launch for where or what, not for how it was asked: capacity and quota
// answers (IsCapacityError: InsufficientInstanceCapacity, MaxSpotInstanceCountExceeded,
// SpotMaxPriceTooLow …) and `Unsupported` (the type is not offered in the zone). Any other error
// (a bad parameter, permissions, an unknown group) would fail every choice the same way.
bool IsFallbackError(const Status& status);

struct Launched {
  std::vector<Instance> instances;
  LaunchChoice choice;                // the one that launched
  std::vector<std::string> refusals;  // "t3.nano spot: ec2 RunInstances: 500 Insufficient…"
};

// Sends `request` (its type and market replaced by each choice in turn) until EC2 launches it.
// A choice refused with IsFallbackError moves to the next; any other error is returned at once.
// Each choice has its own ClientToken (request.client_token + "-<n>": a token names one set of
// parameters), retried while the request's security group is not yet visible
// (UntilVisible("InvalidGroup.NotFound")). Unavailable listing every refusal when no choice is
// left; each refusal is one request, never retried (capacity does not return in seconds).
Result<Launched> RunInstancesWithFallback(Ec2Client* ec2, const RunRequest& request,
                                          const std::vector<LaunchChoice>& choices);

}  // namespace rankflow::provision
