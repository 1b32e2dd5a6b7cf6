#include "provision/launch.h"

#include <algorithm>

namespace rankflow::provision {

std::string LaunchChoice::ToString() const {
  return instance_type + (spot ? " spot" : " on-demand");
}

std::vector<LaunchChoice> LaunchChoices(const std::vector<std::string>& types, bool spot,
                                        bool on_demand_fallback) {
  std::vector<std::string> unique;
  for (const std::string& t : types) {
    if (!t.empty() && std::find(unique.begin(), unique.end(), t) == unique.end()) {
      unique.push_back(t);
    }
  }
  std::vector<LaunchChoice> choices;
  if (spot) {
    for (const std::string& t : unique) choices.push_back({t, true});
  }
  if (!spot || on_demand_fallback) {
    for (const std::string& t : unique) choices.push_back({t, false});
  }
  return choices;
}

bool IsFallbackError(const Status& status) {
  if (status.ok()) return false;
  // ParseEc2Error writes "<operation>: <http status> <code>[: <message>]".
  const std::string& m = status.message();
  size_t at = m.find(": ");
  if (at == std::string::npos) return false;
  size_t code_at = m.find(' ', at + 2);
  if (code_at == std::string::npos) return false;
  std::string code = m.substr(code_at + 1, m.find(':', code_at) - code_at - 1);
  return HasEc2Code(status, code) && (code == "Unsupported" || IsCapacityError(code));
}

Result<Launched> RunInstancesWithFallback(Ec2Client* ec2, const RunRequest& request,
                                          const std::vector<LaunchChoice>& choices) {
  if (choices.empty()) return Status::InvalidArgument("no instance type to launch");
  Launched out;
  for (size_t n = 0; n < choices.size(); ++n) {
    RunRequest r = request;
    r.instance_type = choices[n].instance_type;
    r.spot = choices[n].spot;
    if (!r.spot) r.spot_max_price.clear();
    if (!request.client_token.empty()) {
      r.client_token = request.client_token.substr(0, 58) + "-" + std::to_string(n + 1);
    }
    Result<std::vector<Instance>> instances = Status::Internal("RunInstances not sent");
    Status s = ec2->UntilVisible("InvalidGroup.NotFound", [&] {
      instances = ec2->RunInstances(r);
      return instances.status();
    });
    if (s.ok()) {
      out.instances = std::move(*instances);
      out.choice = choices[n];
      return out;
    }
    if (!IsFallbackError(s)) return s;
    out.refusals.push_back(choices[n].ToString() + ": " + s.message());
  }
  std::string all;
  for (const std::string& r : out.refusals) all += (all.empty() ? "" : "; ") + r;
  return Status::Unavailable("no capacity for any choice (" + all + ")");
}

}  // namespace rankflow::provision
