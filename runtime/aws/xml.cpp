#include "runtime/aws/xml.h"

#include <cstdlib>

#include "runtime/utf8.h"

namespace rankflow::aws {
namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view doc) : doc_(doc) {}

  Result<XmlElement> Document() {
    SkipMisc();
    if (!Peek("<")) return Error("expected a root element");
    XmlElement root;
    Status s = Element(&root, 0);
    if (!s.ok()) return s;
    SkipMisc();
    if (pos_ != doc_.size()) return Error("content after the root element");
    return root;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Corruption("xml: " + what + " at byte " + std::to_string(pos_));
  }
  bool Peek(std::string_view s) const { return doc_.substr(pos_, s.size()) == s; }
  void SkipSpace() {
    while (pos_ < doc_.size() &&
           (doc_[pos_] == ' ' || doc_[pos_] == '\n' || doc_[pos_] == '\r' || doc_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool SkipPast(std::string_view end) {
    size_t e = doc_.find(end, pos_);
    if (e == std::string_view::npos) return false;
    pos_ = e + end.size();
    return true;
  }
  // Whitespace, <?…?>, <!--…-->, <!DOCTYPE…> between elements.
  void SkipMisc() {
    for (;;) {
      SkipSpace();
      if (Peek("<?")) {
        if (!SkipPast("?>")) return;
      } else if (Peek("<!--")) {
        if (!SkipPast("-->")) return;
      } else if (Peek("<!") && !Peek("<![CDATA[")) {
        if (!SkipPast(">")) return;
      } else {
        return;
      }
    }
  }
  static bool IsNameChar(char c) {
    return c != ' ' && c != '>' && c != '/' && c != '=' && c != '\n' && c != '\t' && c != '\r';
  }
  std::string_view Name() {
    size_t b = pos_;
    while (pos_ < doc_.size() && IsNameChar(doc_[pos_])) ++pos_;
    return doc_.substr(b, pos_ - b);
  }

  Status Entity(std::string* out) {
    size_t semi = doc_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) return Error("unterminated entity");
    std::string_view e = doc_.substr(pos_ + 1, semi - pos_ - 1);
    if (e == "amp") {
      out->push_back('&');
    } else if (e == "lt") {
      out->push_back('<');
    } else if (e == "gt") {
      out->push_back('>');
    } else if (e == "quot") {
      out->push_back('"');
    } else if (e == "apos") {
      out->push_back('\'');
    } else if (e.size() > 1 && e[0] == '#') {
      std::string digits(e.substr(e[1] == 'x' ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, e[1] == 'x' ? 16 : 10);
      if (digits.empty() || *end != '\0' || cp > 0x10FFFF) return Error("bad character reference");
      AppendUtf8(static_cast<uint32_t>(cp), out);
    } else {
      return Error("unknown entity '" + std::string(e) + "'");
    }
    pos_ = semi + 1;
    return Status::OK();
  }

  Status Element(XmlElement* el, int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    ++pos_;  // '<'
    el->name = std::string(Name());
    if (el->name.empty()) return Error("empty element name");
    // Attributes are skipped (AWS puts only xmlns there), honouring quoted '>'.
    while (pos_ < doc_.size() && doc_[pos_] != '>' && !Peek("/>")) {
      char c = doc_[pos_++];
      if (c == '"' || c == '\'') {
        size_t e = doc_.find(c, pos_);
        if (e == std::string_view::npos) return Error("unterminated attribute");
        pos_ = e + 1;
      }
    }
    if (Peek("/>")) {
      pos_ += 2;
      return Status::OK();
    }
    if (pos_ >= doc_.size()) return Error("unterminated start tag <" + el->name + ">");
    ++pos_;  // '>'
    for (;;) {
      if (pos_ >= doc_.size()) return Error("missing </" + el->name + ">");
      char c = doc_[pos_];
      if (c == '&') {
        RF_RETURN_IF_ERROR(Entity(&el->text));
      } else if (c != '<') {
        el->text.push_back(c);
        ++pos_;
      } else if (Peek("</")) {
        pos_ += 2;
        std::string_view end = Name();
        if (end != el->name) return Error("</" + std::string(end) + "> closes <" + el->name + ">");
        SkipSpace();
        if (!Peek(">")) return Error("bad end tag");
        ++pos_;
        return Status::OK();
      } else if (Peek("<![CDATA[")) {
        size_t b = pos_ + 9;
        size_t e = doc_.find("]]>", b);
        if (e == std::string_view::npos) return Error("unterminated cdata");
        el->text.append(doc_.substr(b, e - b));
        pos_ = e + 3;
      } else if (Peek("<!--")) {
        if (!SkipPast("-->")) return Error("unterminated comment");
      } else if (Peek("<?")) {
        if (!SkipPast("?>")) return Error("unterminated processing instruction");
      } else {
        el->children.emplace_back();
        RF_RETURN_IF_ERROR(Element(&el->children.back(), depth + 1));
      }
    }
  }

  std::string_view doc_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& c : children) {
    if (c.name == child_name) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* c = Child(child_name);
  return c == nullptr ? std::string() : c->text;
}

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const XmlElement& c : children) {
    if (c.name == child_name) out.push_back(&c);
  }
  return out;
}

const XmlElement* XmlElement::Find(std::string_view path) const {
  const XmlElement* cur = this;
  while (cur != nullptr && !path.empty()) {
    size_t slash = path.find('/');
    cur = cur->Child(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return cur;
}

std::string XmlElement::FindText(std::string_view path) const {
  const XmlElement* e = Find(path);
  return e != nullptr ? e->text : std::string();
}

std::vector<const XmlElement*> XmlElement::Items(std::string_view list_name) const {
  const XmlElement* list = Child(list_name);
  return list != nullptr ? list->Children("item") : std::vector<const XmlElement*>();
}

Result<XmlElement> ParseXml(std::string_view document) { return Parser(document).Document(); }

}  // namespace rankflow::aws
