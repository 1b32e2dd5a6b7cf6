#include "operators/tweet_lines.h"

#include <memory>
#include <string>

#include "runtime/line_reader.h"

namespace rankflow {

TweetLines::TweetLines(Metrics* metrics, TweetParserOptions options, TweetCounting counting)
    : metrics_(metrics),
      parser_(options),
      counting_(counting),
      tweets_in_(metrics->Counter(counting == TweetCounting::kByKind ? "tweets_in" : "tweets")),
      notices_(metrics->Counter("notices")) {
  if (counting == TweetCounting::kTwoKinds) full_parser_ = metrics->Counter("tweets_full_parser");
  for (int k = 0; k < kNoticeKindCount; ++k) notice_kinds_[k] = nullptr;
}

const char* TweetLines::Parse(std::string_view line, const std::function<void(Tweet&)>& fn) {
  tweets_.clear();
  const ParseResult r = parser_.Parse(line, &tweets_);
  switch (r.kind) {
    case ParseResult::Kind::kTweets:
      if (r.bad_entries > 0) {
        metrics_->Add(std::string("bad_entries.") + BadKindName(r.bad), r.bad_entries);
      }
      break;
    case ParseResult::Kind::kNotice: {
      ++*notices_;
      if (counting_ == TweetCounting::kTwoKinds) return nullptr;
      int64_t*& counter = notice_kinds_[static_cast<int>(r.notice)];
      if (counter == nullptr) {
        counter = metrics_->Counter(std::string("notices.") + NoticeKindName(r.notice));
      }
      ++*counter;
      return nullptr;
    }
    case ParseResult::Kind::kBad:
      if (counting_ == TweetCounting::kByKind) return BadKindName(r.bad);
      return r.bad == BadKind::kInvalidJson ? "invalid_json" : "not_a_tweet";
  }
  *tweets_in_ += static_cast<int64_t>(tweets_.size());
  if (full_parser_ != nullptr) *full_parser_ += static_cast<int64_t>(tweets_.size());
  for (Tweet& t : tweets_) fn(t);
  return nullptr;
}

void TweetLines::Handle(std::string_view line, LineContext& ctx,
                        const std::function<void(Tweet&)>& fn) {
  if (const char* bad = Parse(line, fn)) ctx.BadLine(bad);
}

const char* TweetLines::Handle(std::string_view line, std::string_view path, uint64_t line_number,
                               const std::function<void(Tweet&)>& fn) {
  const char* bad = Parse(line, fn);
  if (bad != nullptr) metrics_->BadLine(bad, path, line_number, line);
  return bad;
}

Status ForEachTweetInFiles(const MpiContext& mpi, FileSystem& fs,
                           const std::vector<FileInfo>& files, bool strict, Metrics* metrics,
                           const std::function<void(Tweet&)>& fn) {
  TweetLines lines(metrics);
  auto handle = [&](std::string_view text, const std::string& path, uint64_t number) {
    const char* bad = lines.Handle(text, path, number, fn);
    if (bad == nullptr || !strict) return Status::OK();
    return Status::InvalidArgument("--strict: " + std::string(bad) + " at " + path + ":" +
                                   std::to_string(number));
  };
  int64_t* records = metrics->Counter("records_in");
  int64_t* bytes = metrics->Counter("bytes_in");
  for (size_t i = static_cast<size_t>(mpi.rank()); i < files.size(); i += mpi.size()) {
    const FileInfo& file = files[i];
    metrics->Add("files_in", 1);
    metrics->Add("stored_bytes_in", static_cast<int64_t>(file.size));
    if (file.path.ends_with(".json")) {
      std::string doc;
      RF_RETURN_IF_ERROR(fs.ReadSmallFile(file.path, &doc));
      ++*records;
      *bytes += static_cast<int64_t>(doc.size());
      RF_RETURN_IF_ERROR(handle(doc, file.path, 1));
      continue;
    }
    std::unique_ptr<LineReader> reader;
    RF_RETURN_IF_ERROR(LineReader::Open(fs, file, &reader));
    std::string_view line;
    while (reader->Next(&line)) {
      ++*records;
      *bytes += static_cast<int64_t>(line.size()) + 1;
      RF_RETURN_IF_ERROR(handle(line, file.path, reader->line_number()));
    }
    RF_RETURN_IF_ERROR(reader->status());
  }
  return Status::OK();
}

}  // namespace rankflow
