#include "operators/tweet_hdf5.h"

#include <cmath>
#include <cstdlib>
#include <vector>

namespace rankflow {
namespace {

// 0 for no id, -1 for an id that does not fit in int64 (no tweet id so far comes close).
int64_t IdNumber(const std::string& id) {
  if (id.empty()) return 0;
  if (id.size() > 19) return -1;
  const unsigned long long v = std::strtoull(id.c_str(), nullptr, 10);
  return v > static_cast<unsigned long long>(INT64_MAX) ? -1 : static_cast<int64_t>(v);
}

}  // namespace

TweetHdf5Writer::TweetHdf5Writer(WritableFile* file, const std::string& spill_dir)
    : writer_(file,
              std::vector<Hdf5RowDataset>{{"ids", Hdf5Type::kInt64, 5},
                                          {"numbers", Hdf5Type::kInt64, 8},
                                          {"coordinates", Hdf5Type::kFloat64, 2}},
              spill_dir, 4096) {
  // A failure here is sticky: AddRow and Finish return it.
  (void)writer_.SetAttribute("/", "columns_ids",
                             "id,user_id,retweeted_id,quoted_id,in_reply_to_id");
  (void)writer_.SetAttribute(
      "/", "columns_numbers",
      "timestamp_ms,followers,is_retweet,is_quote,is_reply,media_count,hashtags,mentions");
  (void)writer_.SetAttribute("/", "columns_coordinates", "lon,lat");
}

Status TweetHdf5Writer::Add(const Tweet& t) {
  const int64_t ids[5] = {IdNumber(t.id), IdNumber(t.user_id), IdNumber(t.retweeted_id),
                          IdNumber(t.quoted_id), IdNumber(t.in_reply_to_id)};
  const int64_t nums[8] = {t.timestamp_ms,
                           t.followers,
                           t.is_retweet,
                           t.is_quote,
                           t.is_reply,
                           t.media_count,
                           static_cast<int64_t>(t.hashtags.size()),
                           static_cast<int64_t>(t.mentions.size())};
  const double coordinates[2] = {t.has_coordinates ? t.lon : std::nan(""),
                                 t.has_coordinates ? t.lat : std::nan("")};
  ++records_;
  return writer_.AddRow({ids, nums, coordinates});
}

Status TweetHdf5Writer::Finish() { return writer_.Finish(); }

}  // namespace rankflow
