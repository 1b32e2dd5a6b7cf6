// TweetHdf5Writer: the normalized tweet's numeric columns as one HDF5 part (load_tweets --format
// hdf5; text stays in the other formats), written by runtime's Hdf5PartWriter in a scratch file
// under spill_dir (empty: $TMPDIR, else /tmp) that a killed process cannot leave behind.
//   /ids         int64 [n, 5]: id, user_id, retweeted_id, quoted_id, in_reply_to_id (0 = none,
//                              -1 = does not fit in int64)
//   /numbers     int64 [n, 8]: timestamp_ms, followers (-1 unknown), is_retweet, is_quote,
//                              is_reply, media_count, hashtag count, mention count
//   /coordinates float64 [n, 2]: lon, lat (NaN when none)
// Attribute "columns_<dataset>" on "/" lists the column names. Rows are buffered 4096 at a time.
// Not thread-safe. A failure is sticky: Add and Finish return it.
#pragma once

#include <cstdint>
#include <string>

#include "operators/tweet.h"
#include "runtime/fs.h"
#include "runtime/hdf5_part_writer.h"
#include "runtime/status.h"

namespace rankflow {

class TweetHdf5Writer {
 public:
  // `file` is the committer's part; it must outlive the writer.
  TweetHdf5Writer(WritableFile* file, const std::string& spill_dir);
  Status Add(const Tweet& t);
  Status Finish();
  uint64_t records() const { return records_; }

 private:
  Hdf5PartWriter writer_;
  uint64_t records_ = 0;
};

}  // namespace rankflow
