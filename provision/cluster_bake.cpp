// Cluster::Bake (`provision bake`): an AMI with the packages and binaries installed, made from a
// one-node cluster booted the usual way; and Cluster::CheckBakedImage, which tells `up` that its
// image needs no apt.
#include <thread>

#include "provision/cluster_launch.h"
#include "provision/user_data.h"

namespace rankflow::provision {
namespace {

// The node's preparation for imaging, run as root. What must not reach the image: the bake
// cluster's deadline and its armed dead-man units (a node booted from the image would power off
// at the bake's deadline before its own user-data ran), the bootstrap markers, the cluster's
// keys, ssh host keys and cloud-init's per-instance state (new instances get their own). The
// bake node itself is then guarded by the backstop schedule and by bake's own `down`.
// Local mode: only the node's folder under key_dir (the "node" is this machine).
std::string PrepareForImageScript(bool local, const std::string& node_dir) {
  if (local) {
    return "set -e\nrm -f " + ShellQuote(node_dir + "/bootstrap-done") + " " +
           ShellQuote(node_dir + "/bootstrap-failed") + "\necho baked > " +
           ShellQuote(node_dir + "/baked") + "\n";
  }
  std::string s = "set -e\n";
  s += std::string("systemctl disable --now ") + kDeadmanCheckTimer + " " + kDeadmanBootUnit +
       " 2>/dev/null || true\n";
  s += "systemctl stop rankflow-deadman-at.timer 2>/dev/null || true\n";
  s += "rm -f /etc/cron.d/rankflow-deadman " + ShellQuote(kDeadlineFile) + " " +
       ShellQuote(kBootstrapMarker) + " " + ShellQuote(kBootstrapFailedMarker) + "\n";
  s += "rm -rf /root/.rankflow /home/*/.rankflow /root/.ssh/authorized_keys "
       "/home/*/.ssh/authorized_keys /etc/ssh/ssh_host_*\n";
  s += "cloud-init clean --logs 2>/dev/null || true\n";
  s += "apt-get clean\nsync\n";
  return s;
}

}  // namespace

Status Cluster::CheckBakedImage(Launch* launch) {
  if (spec_.ami.empty()) return Status::OK();
  auto images = ec2_->DescribeImages({}, {{"image-id", {launch->image_id}}});
  if (!images.ok() || images->empty()) {
    // Not ours to judge (no ec2:DescribeImages on it, or a made-up id in local mode): stock.
    return Status::OK();
  }
  const Image& image = images->front();
  auto baked = image.tags.find(kBakedTag);
  if (baked == image.tags.end()) return Status::OK();
  launch->baked_image = true;
  report_("image " + image.id + " was baked by `provision bake` (" + baked->second +
          "): the nodes skip apt");
  return Status::OK();
}

Result<std::string> Cluster::Bake(int wait_s) {
  if (spec_.workers != 0) return Status::InvalidArgument("bake launches one node: workers 0");
  auto up = Up();
  if (!up.ok()) return up.status().WithPrefix("bake: the node to image");
  std::string image_id;
  Status made = MakeImage(wait_s, &image_id);
  if (!made.ok() && !image_id.empty()) {
    Status gone = ec2_->DeregisterImage(image_id);
    report_("deregistered the unfinished image " + image_id +
            (gone.ok() ? std::string() : " failed: " + gone.message()));
  }
  Status down = Down();
  if (!made.ok()) {
    return down.ok() ? made
                     : made.WithPrefix("the node was not torn down (" + down.message() + ")");
  }
  if (!down.ok()) {
    return down.WithPrefix("image " + image_id + " is available, but the node it was made from " +
                           "was not torn down: run `provision down --name " + spec_.name + "`");
  }
  return image_id;
}

Status Cluster::MakeImage(int wait_s, std::string* image_id) {
  auto h = OpenHead();
  if (!h.ok()) return h.status();
  std::string script = PrepareForImageScript(spec_.local, h->dir);
  std::string err;
  auto r = h->ssh->Exec(
      spec_.local ? "sh -s" : "sudo -n sh -s", nullptr, [&](std::string_view c) { err.append(c); },
      120000, script);
  if (!r.ok()) return r.status().WithPrefix("preparing the node for imaging");
  if (r->exit_code != 0) return Status::IOError("preparing the node for imaging failed: " + err);
  h->ssh.reset();
  const std::string stamp = UtcTimestamp(static_cast<int64_t>(std::time(nullptr)));
  std::string name = ResourceName(spec_) + "-" + stamp;
  std::replace(name.begin(), name.end(), ':', '-');
  std::string what = spec_.artifacts.empty() ? "packages" : spec_.artifacts.substr(0, 200);
  auto id = ec2_->CreateImage(
      h->head.instance.id, name, "rankflow node: packages and binaries installed (provision bake)",
      {{kBakedTag, what}, {"Name", name}, {kClusterTag, spec_.name}}, false);
  if (!id.ok()) return id.status();
  *image_id = *id;
  report_("image " + *id + " (" + name + ") of " + h->head.instance.id +
          ": waiting until available");
  auto deadline = Clock::now() + std::chrono::seconds(wait_s);
  auto delay = std::chrono::milliseconds(spec_.local ? 100 : 5000);
  while (true) {
    Result<std::vector<Image>> images = Status::Internal("DescribeImages not sent");
    RF_RETURN_IF_ERROR(ec2_->UntilVisible("InvalidAMIID.NotFound", [&] {
      images = ec2_->DescribeImages({}, {{"image-id", {*id}}});
      return images.status();
    }));
    std::string state = images->empty() ? "pending" : images->front().state;
    if (state == "available") break;
    if (state == "failed" || state == "error" || state == "invalid") {
      return Status::Unavailable("image " + *id + " became " + state);
    }
    if (Clock::now() + delay > deadline) {
      return Status::Unavailable("image " + *id + " not available within " +
                                 std::to_string(wait_s) + " s (state " + state + ")");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(spec_.local ? 1000 : 15000));
  }
  report_("image " + *id + " is available; launch with --ami " + *id);
  return Status::OK();
}

}  // namespace rankflow::provision
