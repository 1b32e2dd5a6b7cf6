// ParseWorker: runs TweetLines (parse + count) and a per-tweet sink on a second thread, so that
// one rank inflates and splits the next lines (MapPhase, main thread) while the previous ones are
// parsed. Lines travel in batches (~1 MB, copied) through a bounded queue (8 batches), so memory
// stays bounded whatever the input size.
//
// Threading: Add and Finish are called from the thread running MapPhase::Run; the sink and the
// worker's Metrics are touched only by the worker thread until Finish has joined it. The sink
// must not call MPI (the runtime initialises MPI as FUNNELED). Bad lines are counted and sampled
// with their file and line number but cannot fail the job at once: jobs run --strict without a
// worker.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "operators/tweet.h"
#include "operators/tweet_lines.h"
#include "runtime/metrics.h"
#include "runtime/status.h"

namespace rankflow {

class ParseWorker {
 public:
  using Sink = std::function<Status(Tweet&)>;
  explicit ParseWorker(Sink sink);
  ~ParseWorker();  // joins the thread (Finish without merging) if Finish was not called
  ParseWorker(const ParseWorker&) = delete;
  ParseWorker& operator=(const ParseWorker&) = delete;

  // Queues a copy of `line`; `path` must outlive Finish (MapPhase's file paths do). Blocks while
  // the queue is full. Returns the worker's first error once there is one (the caller stops).
  Status Add(std::string_view line, const std::string& path, uint64_t line_number);
  // Sends the last batch, waits for the worker, merges its counters and samples into `into` and
  // returns its first error (a sink error or an internal one).
  Status Finish(Metrics* into);

 private:
  struct Batch {
    std::string bytes;
    std::vector<size_t> ends;
    std::vector<uint64_t> numbers;
    std::vector<const std::string*> paths;
    void Clear() {
      bytes.clear();
      ends.clear();
      numbers.clear();
      paths.clear();
    }
  };
  void Run();
  void Push();
  void Fail(Status s);

  Sink sink_;
  Metrics metrics_;
  TweetLines lines_;
  std::unique_ptr<Batch> current_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<std::unique_ptr<Batch>> queue_;
  std::vector<std::unique_ptr<Batch>> free_;
  bool done_ = false;
  bool finished_ = false;
  Status status_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace rankflow
