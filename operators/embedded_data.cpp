// The .incbin paths come from RANKFLOW_OPERATORS_DATA_DIR (set by operators/CMakeLists.txt, which
// also passes a hash of the files so that ccache rebuilds this object when they change).
#include "operators/embedded_data.h"

#ifndef RANKFLOW_OPERATORS_DATA_DIR
#error "RANKFLOW_OPERATORS_DATA_DIR must be defined by the build"
#endif

#define RF_EMBED(name, file)                                                              \
  __asm__(".pushsection .rodata\n.balign 16\n.global " #name "_begin\n" #name             \
          "_begin:\n.incbin \"" RANKFLOW_OPERATORS_DATA_DIR "/" file "\"\n.global " #name \
          "_end\n" #name "_end:\n.byte 0\n.popsection\n");                                \
  extern "C" const char name##_begin[];                                                   \
  extern "C" const char name##_end[];

RF_EMBED(rankflow_tld_lib, "twitter-text/tld_lib.yml")
RF_EMBED(rankflow_ldnoobw_en, "lexicons/ldnoobw/en.txt")
RF_EMBED(rankflow_afinn_165, "lexicons/afinn/AFINN-en-165.txt")
RF_EMBED(rankflow_afinn_emoticon, "lexicons/afinn/AFINN-emoticon-8.txt")
RF_EMBED(rankflow_vader, "lexicons/vader/vader_lexicon.txt")

namespace rankflow {
namespace {
std::string_view View(const char* begin, const char* end) {
  return std::string_view(begin, static_cast<size_t>(end - begin));
}
}  // namespace

std::string_view EmbeddedTldLib() { return View(rankflow_tld_lib_begin, rankflow_tld_lib_end); }
std::string_view EmbeddedProfanityEn() {
  return View(rankflow_ldnoobw_en_begin, rankflow_ldnoobw_en_end);
}
std::string_view EmbeddedAfinn165() {
  return View(rankflow_afinn_165_begin, rankflow_afinn_165_end);
}
std::string_view EmbeddedAfinnEmoticon() {
  return View(rankflow_afinn_emoticon_begin, rankflow_afinn_emoticon_end);
}
std::string_view EmbeddedVader() { return View(rankflow_vader_begin, rankflow_vader_end); }

}  // namespace rankflow
