// PeerWatchdog: ends this rank when a peer rank has gone silent (a cut network link, a host that
// froze), instead of waiting in an MPI call for as long as TCP does (Open MPI's TCP transport and
// runtime keep waiting on a silent peer for many minutes: there is no RST or FIN to see).
//
// A thread of its own sends a small UDP heartbeat to each watched peer every interval
// (min(1 s, timeout / 4)) and listens for theirs; it uses no MPI, so it runs while the main thread
// is blocked in any MPI call or busy in a long computation (a slow but live peer still sends its
// heartbeats: only silence counts). A peer not heard from for `timeout_s` seconds ends this rank:
//   rank R: no answer from rank S for N s (network?)
// on stderr and _exit(1); mpirun then sees a rank fail and ends the job on every host it can reach.
// Watched peers: every other rank when there are at most 9, else the 4 nearest on each side of the
// ring (a dead rank is noticed by its neighbours, whose exit ends the rest through mpirun).
// Heartbeats go to every IPv4 address of the peer's up interfaces (all-gathered at start), carry a
// job nonce (broadcast by rank 0) and the sender and receiver ranks; other packets are ignored.
//
// Start is collective (one AllGather, one Broadcast); timeout_s <= 0 starts nothing and returns
// null. Destroying the watchdog stops its thread (call that before the final MPI shut-down: a
// peer that finished first stops sending). RunJob starts one from --peer-timeout-s.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/mpi_context.h"

namespace rankflow {

class PeerWatchdog {
 public:
  // Collective over mpi's ranks. Null when timeout_s <= 0 or there is a single rank. A socket
  // that cannot be made is logged and leaves this rank unwatched (null), never fails the job.
  static std::unique_ptr<PeerWatchdog> Start(const MpiContext& mpi, double timeout_s);
  ~PeerWatchdog();
  PeerWatchdog(const PeerWatchdog&) = delete;
  PeerWatchdog& operator=(const PeerWatchdog&) = delete;

  // The ranks this rank watches (and sends heartbeats to), ascending. For tests.
  static std::vector<int> WatchedPeers(int rank, int size);

 private:
  struct Peer {
    int rank = 0;
    std::vector<std::string> addresses;  // "a.b.c.d"
    int port = 0;
  };
  PeerWatchdog(int fd, int rank, uint64_t nonce, double timeout_s, std::vector<Peer> peers);
  void Loop();

  int fd_ = -1;
  int rank_ = 0;
  uint64_t nonce_ = 0;
  double timeout_s_ = 0;
  std::vector<Peer> peers_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace rankflow
