// responseElements of the audit record of a mutating IAM call (audit-log.md 2): the result's
// elements as CloudTrail writes them — keys lower-camel, <member> lists as arrays, values as
// strings. Reads the XML this service wrote itself (no attributes, no mixed content).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/iam/common.h"

namespace gatehouse::server::iam {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

std::string unescape(std::string_view text) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool replaced = false;
    if (text[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (text.substr(i).starts_with(entity)) {
          out += c;
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i];
  }
  return out;
}

void key(JsonWriter& w, std::string_view tag) {
  std::string camel(tag);
  if (!camel.empty() && camel[0] >= 'A' && camel[0] <= 'Z') camel[0] = static_cast<char>(camel[0] - 'A' + 'a');
  w.Key(camel.c_str(), static_cast<rapidjson::SizeType>(camel.size()));
}

class Reader {
 public:
  explicit Reader(std::string_view xml) : xml_(xml) {}

  // The elements from here to `</end>` (or the end of the text) as the members of an object.
  void members(JsonWriter& w) {
    while (auto tag = next_tag()) {
      key(w, tag->name);
      value(w, *tag);
    }
  }

 private:
  struct Tag {
    std::string_view name;
    bool empty = false;  // <name/>
  };

  // The next opening tag; nullopt at a closing tag (consumed) or the end.
  std::optional<Tag> next_tag() {
    if (pos_ >= xml_.size() || xml_[pos_] != '<') return std::nullopt;
    const auto end = xml_.find('>', pos_);
    if (end == std::string_view::npos) {
      pos_ = xml_.size();
      return std::nullopt;
    }
    std::string_view inside = xml_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    if (inside.starts_with("/")) return std::nullopt;
    const bool empty = inside.ends_with("/");
    if (empty) inside.remove_suffix(1);
    return Tag{inside, empty};
  }

  // The content of an element whose opening tag was just read, through its closing tag.
  void value(JsonWriter& w, const Tag& tag) {
    if (tag.empty) {
      w.Null();
      return;
    }
    if (pos_ < xml_.size() && xml_[pos_] != '<') {
      const auto end = xml_.find('<', pos_);
      const std::string text = unescape(xml_.substr(pos_, end - pos_));
      w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
      pos_ = end;
      next_tag();  // </tag>
      return;
    }
    if (xml_.substr(pos_).starts_with("</")) {  // <tag></tag>
      next_tag();
      w.String("");
      return;
    }
    if (xml_.substr(pos_).starts_with("<member>")) {
      w.StartArray();
      while (auto member = next_tag()) value(w, *member);
      w.EndArray();
      return;
    }
    w.StartObject();
    members(w);
    w.EndObject();
  }

  std::string_view xml_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string audit_json(const Xml& result) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Reader(result.text()).members(w);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Output audited(Xml result) {
  std::string json = audit_json(result);
  Output output = query::answer(std::move(result));
  output.audit_response = std::move(json);
  return output;
}

}  // namespace gatehouse::server::iam
