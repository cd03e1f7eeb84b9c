// The few fields vdpark reads from S3's XML answers (ListObjectsV2, CreateMultipartUpload, errors),
// taken by element name. S3's answers are flat, machine-written XML: no attributes are needed,
// no CDATA or comments occur; the five predefined entities and numeric references are undone.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdpark::s3_xml {

// The text of every <name>...</name> element, in document order, entities undone; searched within
// `xml` (which may be the inside of an enclosing element).
std::vector<std::string> AllText(std::string_view xml, std::string_view name);

// The first such element's text; nullopt when there is none.
std::optional<std::string> FirstText(std::string_view xml, std::string_view name);

// The inside of every <name>...</name> element, as is (for nested elements: <Contents>).
std::vector<std::string_view> AllElements(std::string_view xml, std::string_view name);

// `text` with &amp; &lt; &gt; &quot; &apos; and &#N; / &#xN; undone.
std::string Unescape(std::string_view text);

// `text` with & < > escaped, for an element's text.
std::string Escape(std::string_view text);

}  // namespace vdpark::s3_xml
