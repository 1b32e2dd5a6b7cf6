#include "runtime/peer_watchdog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

#include "runtime/log.h"

namespace rankflow {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kMagic = 0x52465744;  // "RFWD"
constexpr int kNeighbours = 4;           // watched on each side of the ring past 9 ranks

struct Packet {
  uint32_t magic;
  uint32_t from;
  uint32_t to;
  uint32_t pad;
  uint64_t nonce;
};

// IPv4 addresses of this host's interfaces that are up (loopback included: on one host every
// rank shares it).
std::vector<std::string> LocalAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0) continue;
    char buf[INET_ADDRSTRLEN];
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) != nullptr) out.emplace_back(buf);
  }
  freeifaddrs(list);
  return out;
}

void WriteStderr(const std::string& line) {
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace

std::vector<int> PeerWatchdog::WatchedPeers(int rank, int size) {
  std::vector<int> out;
  if (size <= 2 * kNeighbours + 1) {
    for (int r = 0; r < size; ++r) {
      if (r != rank) out.push_back(r);
    }
    return out;
  }
  for (int d = 1; d <= kNeighbours; ++d) {
    out.push_back((rank + d) % size);
    out.push_back((rank - d + size) % size);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::unique_ptr<PeerWatchdog> PeerWatchdog::Start(const MpiContext& mpi, double timeout_s) {
  if (!(timeout_s > 0) || mpi.size() == 1) return nullptr;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int port = 0;
  if (fd >= 0) {
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_addr.s_addr = htonl(INADDR_ANY);
    any.sin_port = 0;
    socklen_t len = sizeof any;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&any), &len) == 0) {
      port = ntohs(any.sin_port);
    }
  }
  if (port == 0) {
    LogError("rank " + std::to_string(mpi.rank()) + ": peer watchdog: no UDP socket (" +
             std::strerror(errno) + "); this rank is unwatched");
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  // Collective from here on, whatever happened above: every rank takes part.
  std::string mine = std::to_string(port);
  for (const std::string& a : LocalAddresses()) mine += " " + a;
  std::vector<std::string> all = mpi.AllGather(mine);
  std::string nonce_text;
  if (mpi.is_root()) {
    std::random_device rd;
    nonce_text = std::to_string((uint64_t{rd()} << 32) ^ rd());
  }
  mpi.Broadcast(&nonce_text);
  if (fd < 0) return nullptr;
  std::vector<Peer> peers;
  for (int r : WatchedPeers(mpi.rank(), mpi.size())) {
    Peer p;
    p.rank = r;
    std::istringstream in(all[static_cast<size_t>(r)]);
    in >> p.port;
    for (std::string a; in >> a;) p.addresses.push_back(a);
    if (p.port > 0 && !p.addresses.empty()) peers.push_back(std::move(p));  // else: unwatchable
  }
  return std::unique_ptr<PeerWatchdog>(
      new PeerWatchdog(fd, mpi.rank(), std::stoull(nonce_text), timeout_s, std::move(peers)));
}

PeerWatchdog::PeerWatchdog(int fd, int rank, uint64_t nonce, double timeout_s,
                           std::vector<Peer> peers)
    : fd_(fd), rank_(rank), nonce_(nonce), timeout_s_(timeout_s), peers_(std::move(peers)) {
  thread_ = std::thread([this] { Loop(); });
}

PeerWatchdog::~PeerWatchdog() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void PeerWatchdog::Loop() {
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::min(1.0, timeout_s_ / 4)));
  const auto timeout =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s_));
  // Destinations resolved once.
  std::vector<std::vector<sockaddr_in>> dests(peers_.size());
  for (size_t i = 0; i < peers_.size(); ++i) {
    for (const std::string& a : peers_[i].addresses) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(static_cast<uint16_t>(peers_[i].port));
      if (inet_pton(AF_INET, a.c_str(), &sa.sin_addr) == 1) dests[i].push_back(sa);
    }
  }
  std::vector<Clock::time_point> heard(peers_.size(), Clock::now());
  Clock::time_point next_send = Clock::now();
  Clock::time_point last_turn = Clock::now();
  while (!stop_.load()) {
    Clock::time_point now = Clock::now();
    // A turn takes at most ~100 ms (the poll below). A longer gap means this thread itself did not
    // run (the process was stopped, suspended or starved of CPU): peers' heartbeats of that time
    // may sit unread or were never sent, so silence is counted afresh from now.
    if (now - last_turn > interval) std::fill(heard.begin(), heard.end(), now);
    last_turn = now;
    if (now >= next_send) {
      for (size_t i = 0; i < peers_.size(); ++i) {
        Packet p{kMagic, static_cast<uint32_t>(rank_), static_cast<uint32_t>(peers_[i].rank), 0,
                 nonce_};
        for (const sockaddr_in& sa : dests[i]) {
          // Best effort: an unreachable address just drops the heartbeat.
          (void)::sendto(fd_, &p, sizeof p, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&sa),
                         sizeof sa);
        }
      }
      next_send = now + interval;
    }
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (now - heard[i] > timeout) {
        WriteStderr("rank " + std::to_string(rank_) + ": no answer from rank " +
                    std::to_string(peers_[i].rank) + " for " +
                    std::to_string(static_cast<long>(std::lround(timeout_s_))) + " s (network?)\n");
        ::_exit(1);
      }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_send - now).count();
    pollfd pfd{fd_, POLLIN, 0};
    ::poll(&pfd, 1, static_cast<int>(std::clamp<int64_t>(wait, 1, 100)));
    Packet p{};
    ssize_t n;
    while ((n = ::recv(fd_, &p, sizeof p, MSG_DONTWAIT)) >= 0) {
      if (n != sizeof p || p.magic != kMagic || p.nonce != nonce_ ||
          p.to != static_cast<uint32_t>(rank_)) {
        continue;
      }
      for (size_t i = 0; i < peers_.size(); ++i) {
        if (static_cast<uint32_t>(peers_[i].rank) == p.from) heard[i] = Clock::now();
      }
    }
  }
}

}  // namespace rankflow
