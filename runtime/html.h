// HTML escaping for the self-contained reports jobs write (train_mlp, classify_tweets,
// profanity_index). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rankflow {

// Escapes &, <, >, " and ' so the text is safe in element content and quoted attributes.
std::string HtmlEscape(std::string_view text);

}  // namespace rankflow
