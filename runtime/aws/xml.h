// A small, strict XML reader for AWS responses (S3 ListObjectsV2, multipart, errors; EC2
// Describe*): elements, text, entities (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;), CDATA; the
// prolog, comments and attributes are skipped. No DTDs, no external entities. Thread-safe (pure).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow::aws {

struct XmlElement {
  std::string name;  // as written, namespace prefix included ("ListBucketResult")
  std::string text;  // decoded text directly inside this element (children's text excluded)
  std::vector<XmlElement> children;

  // First child of that name, or nullptr.
  const XmlElement* Child(std::string_view child_name) const;
  // Text of the first child of that name, or "" when there is none.
  std::string ChildText(std::string_view child_name) const;
  // Every child of that name, in document order.
  std::vector<const XmlElement*> Children(std::string_view child_name) const;
  // Follows a path of child names ("instanceState/name"); nullptr if any step is missing.
  const XmlElement* Find(std::string_view path) const;
  // Text at the end of a path, or "" when any step is missing.
  std::string FindText(std::string_view path) const;
  // The <item> children of the child `list_name` (EC2's list encoding), or none.
  std::vector<const XmlElement*> Items(std::string_view list_name) const;
};

// Parses a document with one root element. Corruption naming the byte offset when malformed.
Result<XmlElement> ParseXml(std::string_view document);

}  // namespace rankflow::aws
