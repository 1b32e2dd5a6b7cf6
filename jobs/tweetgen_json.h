// tweetgen's JSON pieces of a v1.1 status that depend only on their arguments: created_at, the
// entities object, the user object. Internal to tweetgen. `escape` writes non-ASCII as \u escapes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/tweetgen_text.h"

namespace rankflow::tweetgen {

// "Wed Jan 01 00:00:00 +0000 2020" for a time in milliseconds since the epoch (UTC).
std::string CreatedAt(uint64_t ms);

// {"hashtags":[…],"urls":[…],"user_mentions":[…],"symbols":[]} of the entities that end at or
// before limit_cps.
void WriteEntities(std::string* out, const std::vector<Entity>& entities, size_t limit_cps,
                   bool escape);

// The full v1.1 user object of u (about 1.7 KB); its details are drawn from u.id alone.
void WriteUser(std::string* out, const User& u, bool escape);

}  // namespace rankflow::tweetgen
