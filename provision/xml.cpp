#include "provision/xml.h"

#include <cstdlib>

namespace rankflow::provision {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::unique_ptr<XmlElement>> Document() {
    SkipMisc();
    if (pos_ >= s_.size() || s_[pos_] != '<') return Error("expected the root element");
    auto root = std::make_unique<XmlElement>();
    RF_RETURN_IF_ERROR(Element(root.get(), 0));
    SkipMisc();
    if (pos_ != s_.size()) return Error("content after the root element");
    return root;
  }

 private:
  Status Error(const std::string& what) const {
    return Status::Corruption("xml: " + what + " at byte " + std::to_string(pos_));
  }

  bool StartsWith(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }

  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }

  // Skips whitespace, <?…?> and <!--…--> between elements.
  void SkipMisc() {
    while (true) {
      SkipSpace();
      if (StartsWith("<?")) {
        size_t end = s_.find("?>", pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else if (StartsWith("<!--")) {
        size_t end = s_.find("-->", pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 3;
      } else {
        return;
      }
    }
  }

  std::string Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != '>' && s_[pos_] != '/' &&
           s_[pos_] != '\n' && s_[pos_] != '\t' && s_[pos_] != '\r') {
      ++pos_;
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  Status AppendDecoded(std::string_view raw, std::string* out) {
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '&') {
        out->push_back(raw[i]);
        continue;
      }
      size_t semi = raw.find(';', i);
      if (semi == std::string_view::npos) return Error("unterminated entity");
      std::string_view ent = raw.substr(i + 1, semi - i - 1);
      if (ent == "amp") {
        out->push_back('&');
      } else if (ent == "lt") {
        out->push_back('<');
      } else if (ent == "gt") {
        out->push_back('>');
      } else if (ent == "quot") {
        out->push_back('"');
      } else if (ent == "apos") {
        out->push_back('\'');
      } else if (!ent.empty() && ent[0] == '#') {
        std::string num(ent.substr(1));
        unsigned long cp = num.size() > 1 && (num[0] == 'x' || num[0] == 'X')
                               ? std::strtoul(num.c_str() + 1, nullptr, 16)
                               : std::strtoul(num.c_str(), nullptr, 10);
        AppendUtf8(cp, out);
      } else {
        return Error("unknown entity &" + std::string(ent) + ";");
      }
      i = semi;
    }
    return Status::OK();
  }

  static void AppendUtf8(unsigned long cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // At '<' of a start tag.
  Status Element(XmlElement* el, int depth) {
    if (depth > 200) return Error("elements nested too deeply");
    ++pos_;
    el->name = Name();
    if (el->name.empty()) return Error("empty element name");
    // Attributes are skipped (EC2 puts only xmlns there); quoted values may hold '>'.
    while (pos_ < s_.size() && s_[pos_] != '>' && !StartsWith("/>")) {
      if (s_[pos_] == '"' || s_[pos_] == '\'') {
        size_t end = s_.find(s_[pos_], pos_ + 1);
        if (end == std::string_view::npos) return Error("unterminated attribute value");
        pos_ = end;
      }
      ++pos_;
    }
    if (pos_ >= s_.size()) return Error("unterminated start tag <" + el->name);
    if (StartsWith("/>")) {
      pos_ += 2;
      return Status::OK();
    }
    ++pos_;  // '>'
    while (true) {
      size_t lt = s_.find('<', pos_);
      if (lt == std::string_view::npos) return Error("missing </" + el->name + ">");
      RF_RETURN_IF_ERROR(AppendDecoded(s_.substr(pos_, lt - pos_), &el->text));
      pos_ = lt;
      if (StartsWith("</")) {
        pos_ += 2;
        std::string closing = Name();
        SkipSpace();
        if (closing != el->name || pos_ >= s_.size() || s_[pos_] != '>') {
          return Error("</" + closing + "> does not close <" + el->name + ">");
        }
        ++pos_;
        return Status::OK();
      }
      if (StartsWith("<!--")) {
        size_t end = s_.find("-->", pos_);
        if (end == std::string_view::npos) return Error("unterminated comment");
        pos_ = end + 3;
      } else if (StartsWith("<![CDATA[")) {
        size_t end = s_.find("]]>", pos_);
        if (end == std::string_view::npos) return Error("unterminated cdata");
        el->text.append(s_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
      } else {
        auto child = std::make_unique<XmlElement>();
        RF_RETURN_IF_ERROR(Element(child.get(), depth + 1));
        el->children.push_back(std::move(child));
      }
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const auto& c : children) {
    if (c->name == child_name) return c.get();
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* c = Child(child_name);
  return c != nullptr ? c->text : std::string();
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

std::vector<const XmlElement*> XmlElement::Children(std::string_view child_name) const {
  std::vector<const XmlElement*> out;
  for (const auto& c : children) {
    if (c->name == child_name) out.push_back(c.get());
  }
  return out;
}

std::vector<const XmlElement*> XmlElement::Items(std::string_view list_name) const {
  const XmlElement* list = Child(list_name);
  return list != nullptr ? list->Children("item") : std::vector<const XmlElement*>();
}

Result<std::unique_ptr<XmlElement>> ParseXml(std::string_view text) {
  return Parser(text).Document();
}

}  // namespace rankflow::provision
