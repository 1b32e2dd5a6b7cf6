// Data files compiled into the library (assembler .incbin of files under operators/data/), so a
// job binary copied to a cluster node needs nothing beside it. Each view is valid for the life of
// the process. See operators/data/README.md for sources and licenses.
#pragma once

#include <string_view>

namespace rankflow {

std::string_view EmbeddedTldLib();         // twitter-text/tld_lib.yml
std::string_view EmbeddedProfanityEn();    // lexicons/ldnoobw/en.txt
std::string_view EmbeddedAfinn165();       // lexicons/afinn/AFINN-en-165.txt
std::string_view EmbeddedAfinnEmoticon();  // lexicons/afinn/AFINN-emoticon-8.txt
std::string_view EmbeddedVader();          // lexicons/vader/vader_lexicon.txt

}  // namespace rankflow
