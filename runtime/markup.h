// Escaping text for XML and HTML: the S3 request bodies of runtime/aws and the self-contained
// reports jobs write (train_mlp, classify_tweets, profanity_index). Part of rankflow_base, so
// both layers use the one function. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rankflow {

// Escapes & < > " ' as &amp; &lt; &gt; &quot; &#39; (the numeric reference for ' is valid in XML
// and in every HTML version, where &apos; is not), so the text is safe in element content and in
// quoted attributes. Other bytes are copied as they are.
std::string EscapeMarkup(std::string_view text);

}  // namespace rankflow
