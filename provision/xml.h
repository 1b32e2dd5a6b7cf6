// A small XML reader for AWS Query API responses (EC2): elements, attributes ignored, text with
// the five predefined entities and numeric character references, CDATA, comments and the XML
// declaration skipped. No DTDs, no namespaces (prefixes are kept in names, which EC2 never uses).
// Not a general-purpose parser: it is what reading EC2 responses needs, and it fails cleanly
// (kCorruption naming the byte offset) on anything else.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow::provision {

struct XmlElement {
  std::string name;
  std::string text;  // concatenated character data directly inside this element, decoded
  std::vector<std::unique_ptr<XmlElement>> children;

  // The first child of that name, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // Text of the first child of that name, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // Follows a path of child names ("instanceState/name"); nullptr if any step is missing.
  const XmlElement* Find(std::string_view path) const;
  std::string FindText(std::string_view path) const;
  // Every child of that name, in document order.
  std::vector<const XmlElement*> Children(std::string_view child_name) const;
  // The <item> children of the child `list_name` (EC2's list encoding), or none.
  std::vector<const XmlElement*> Items(std::string_view list_name) const;
};

// Parses a whole document; returns its root element.
Result<std::unique_ptr<XmlElement>> ParseXml(std::string_view text);

}  // namespace rankflow::provision
