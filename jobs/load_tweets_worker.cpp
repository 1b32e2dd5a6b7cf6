#include "jobs/load_tweets_worker.h"

#include <exception>
#include <utility>

namespace rankflow {
namespace {
constexpr size_t kBatchBytes = 1 << 20;
constexpr size_t kMaxQueued = 8;
}  // namespace

ParseWorker::ParseWorker(Sink sink)
    : sink_(std::move(sink)), lines_(&metrics_), current_(std::make_unique<Batch>()) {
  thread_ = std::thread([this] { Run(); });
}

ParseWorker::~ParseWorker() {
  if (!finished_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    ready_.notify_all();
    thread_.join();
  }
}

Status ParseWorker::Add(std::string_view line, const std::string& path, uint64_t line_number) {
  current_->bytes.append(line);
  current_->ends.push_back(current_->bytes.size());
  current_->numbers.push_back(line_number);
  current_->paths.push_back(&path);
  if (current_->bytes.size() >= kBatchBytes) Push();
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void ParseWorker::Push() {
  std::unique_lock<std::mutex> lock(mu_);
  space_.wait(lock, [this] { return queue_.size() < kMaxQueued; });
  queue_.push_back(std::move(current_));
  if (!free_.empty()) {
    current_ = std::move(free_.back());
    free_.pop_back();
  } else {
    current_ = std::make_unique<Batch>();
  }
  lock.unlock();
  ready_.notify_one();
}

void ParseWorker::Fail(Status s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (status_.ok()) status_ = std::move(s);
}

void ParseWorker::Run() {
  Status sink_status;
  auto on_tweet = [&](Tweet& t) {
    if (sink_status.ok()) sink_status = sink_(t);
  };
  while (true) {
    std::unique_ptr<Batch> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
    }
    space_.notify_one();
    try {
      size_t begin = 0;
      for (size_t i = 0; i < batch->ends.size() && sink_status.ok(); ++i) {
        const std::string_view line(batch->bytes.data() + begin, batch->ends[i] - begin);
        begin = batch->ends[i];
        lines_.Handle(line, *batch->paths[i], batch->numbers[i], on_tweet);
      }
    } catch (const std::exception& e) {
      sink_status = Status::Internal(std::string("parse worker: ") + e.what());
    }
    if (!sink_status.ok()) Fail(sink_status);
    batch->Clear();
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(std::move(batch));
  }
}

Status ParseWorker::Finish(Metrics* into) {
  if (!current_->ends.empty()) Push();
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  ready_.notify_all();
  thread_.join();
  finished_ = true;
  into->MergeFrom(metrics_);
  return status_;
}

}  // namespace rankflow
