#include "operators/targets.h"

#include <set>

namespace rankflow {
namespace {

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) --b;
  return std::string(s.substr(a, b - a));
}

// The word of a token for phrase matching: words as they are, hashtags by their body.
std::string_view WordOf(const Token& t) {
  if (t.kind == TokenKind::kWord) return t.text;
  if (t.kind == TokenKind::kHashtag) return std::string_view(t.text).substr(1);
  return {};
}

bool ContainsLower(const std::vector<std::string>& items, const std::string& want) {
  for (const std::string& s : items) {
    if (LowercaseUtf8(s) == want) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<Target>> ParseTargets(std::string_view text, Tokenizer* tokenizer) {
  std::vector<Target> targets;
  std::set<std::string> labels;
  int number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string line = Trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    const std::string where = "targets line " + std::to_string(number);
    Target t;
    std::string terms = line;
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
      t.label = Trim(std::string_view(line).substr(0, colon));
      terms = line.substr(colon + 1);
    } else {
      t.label = line;
    }
    size_t pos = 0;
    while (pos <= terms.size()) {
      const size_t comma = terms.find(',', pos);
      const std::string term = Trim(std::string_view(terms).substr(
          pos, comma == std::string::npos ? std::string::npos : comma - pos));
      pos = comma == std::string::npos ? terms.size() + 1 : comma + 1;
      if (term.empty()) continue;
      const std::string lower = LowercaseUtf8(term);
      if (lower[0] == '@' && lower.size() > 1) {
        t.mentions.push_back(lower.substr(1));
      } else if (lower[0] == '#' && lower.size() > 1) {
        t.hashtags.push_back(lower.substr(1));
      } else {
        std::vector<std::string> words;
        for (const Token& tok : tokenizer->Tokenize(lower)) {
          std::string_view w = WordOf(tok);
          if (!w.empty()) words.emplace_back(w);
        }
        if (!words.empty()) t.phrases.push_back(std::move(words));
      }
    }
    if (t.label.empty() || (t.mentions.empty() && t.hashtags.empty() && t.phrases.empty())) {
      return Status::InvalidArgument(where + ": a target needs a label and at least one term");
    }
    if (!labels.insert(t.label).second) {
      return Status::InvalidArgument(where + ": duplicate target \"" + t.label + "\"");
    }
    targets.push_back(std::move(t));
  }
  if (targets.empty()) return Status::InvalidArgument("targets file holds no target");
  return targets;
}

bool MentionsTarget(const Target& target, const Tweet& tweet, const std::vector<Token>& tokens) {
  for (const std::string& m : target.mentions) {
    if (ContainsLower(tweet.mentions, m)) return true;
  }
  for (const std::string& h : target.hashtags) {
    if (ContainsLower(tweet.hashtags, h)) return true;
  }
  for (const Token& tok : tokens) {
    if (tok.kind == TokenKind::kMention) {
      for (const std::string& m : target.mentions) {
        if (std::string_view(tok.text).substr(1) == m) return true;
      }
    } else if (tok.kind == TokenKind::kHashtag) {
      for (const std::string& h : target.hashtags) {
        if (std::string_view(tok.text).substr(1) == h) return true;
      }
    }
  }
  for (const std::vector<std::string>& phrase : target.phrases) {
    for (size_t i = 0; i + phrase.size() <= tokens.size(); ++i) {
      bool match = true;
      for (size_t k = 0; match && k < phrase.size(); ++k)
        match = WordOf(tokens[i + k]) == phrase[k];
      if (match) return true;
    }
  }
  return false;
}

}  // namespace rankflow
