// The normalized tweet as a CSV row (load_tweets --format csv): the normalized keys as columns
// (operators/README.md), lists joined by single spaces, coordinates as two columns lon, lat
// (%.10g; both empty without coordinates), booleans true/false, followers empty when unknown.
// Pure; the header is built once (thread-safe static).
#pragma once

#include <string>
#include <vector>

#include "operators/tweet.h"

namespace rankflow {

const std::vector<std::string>& TweetCsvHeader();
std::vector<std::string> TweetCsvRow(const Tweet& t);

}  // namespace rankflow
