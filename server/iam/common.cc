#include "server/iam/common.h"

#include <charconv>

#include <cctype>

#include "policy/text.h"

namespace gatehouse::server::iam {

Outcome<std::string> name_parameter(const Call& call, std::string_view name, std::string_view member,
                                    std::size_t max_length) {
  auto value = call.required(name, member);
  if (!value) return value.error();
  // `UserName=` is an empty string, not a missing member (AWS: Value '' ... length >= 1).
  if (value.value().empty()) {
    return query::invalid("", member, "Member must have length greater than or equal to 1");
  }
  if (auto ok = store::check_name(value.value(), member, max_length); !ok) return query::from_store(ok.error());
  return std::move(value).value();
}

bool policy_path(std::string_view path) {
  if (!path.starts_with('/') || !path.ends_with('/') || path.find("//") != std::string_view::npos) return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/.,+@=_-").find(c) != std::string_view::npos;
  });
}

Outcome<std::string> path_prefix_parameter(const Call& call, PrefixType type) {
  const std::string* value = call.params().find("PathPrefix");
  if (!value) return std::string("/");
  if (value->empty()) return query::invalid(*value, "pathPrefix", "Member must have length greater than or equal to 1");
  if (value->size() > 512) {
    return query::invalid(*value, "pathPrefix", "Member must have length less than or equal to 512");
  }
  std::string_view pattern;
  switch (type) {
    case PrefixType::Prefix:
      // Any beginning of a path: "/dev" finds /dev/ and /devops/.
      if (value->front() == '/' &&
          std::all_of(value->begin(), value->end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u >= 0x21 && u <= 0x7F;
          })) {
        return *value;
      }
      pattern = "\\u002F[\\u0021-\\u007F]*";
      break;
    case PrefixType::Path:
      if (store::check_path(*value)) return *value;
      pattern = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)";
      break;
    case PrefixType::PolicyPath:
      if (policy_path(*value)) return *value;
      pattern = "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/";
      break;
  }
  return query::invalid(*value, "pathPrefix", "Member must satisfy regular expression pattern: " + std::string(pattern));
}

Outcome<std::string> path_parameter(const Call& call) {
  const std::string* value = call.params().find("Path");
  if (!value) return std::string("/");
  if (auto ok = store::check_path(*value); !ok) return query::from_store(ok.error());
  return *value;
}

namespace {

// [\p{L}\p{Z}\p{N}_.:/=+\-@]: ASCII letters, digits, space and _.:/=+-@; a non-ASCII character
// is taken for a letter unless it is a C1 control or U+FFFD (what bytes that are not UTF-8
// read as), neither of which the pattern admits.
bool tag_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (!std::isalnum(c) && std::string_view(" _.:/=+-@").find(text[i]) == std::string_view::npos) return false;
      ++i;
      continue;
    }
    const char32_t cp = policy::decode_utf8(text, i);
    if (cp == policy::kReplacementChar || cp < 0xA0) return false;
  }
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Outcome<store::Tags> tags_parameter(const Call& call, std::string_view list) {
  store::Tags tags;
  std::vector<std::string> lowered;
  int n = 0;
  for (const std::string& prefix : call.params().member_prefixes(list)) {
    ++n;
    const std::string* key = call.params().find(prefix + ".Key");
    const std::string* value = call.params().find(prefix + ".Value");
    if (!key) return query::missing("tags.member.key");
    if (!value) return query::missing("tags.member.value");
    const std::string member = "tags." + std::to_string(n) + ".member.";
    if (!tag_characters(*key)) {
      return query::invalid(*key, member + "key",
                            "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
    }
    if (!tag_characters(*value)) {
      return query::invalid(*value, member + "value",
                            "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*");
    }
    if (std::find(lowered.begin(), lowered.end(), lower(*key)) != lowered.end()) {
      return query::invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
    }
    lowered.push_back(lower(*key));
    tags[*key] = *value;
  }
  return tags;
}

Outcome<std::optional<bool>> bool_parameter(const Call& call, std::string_view name, std::string_view member) {
  const std::string* value = call.params().find(name);
  if (!value) return std::optional<bool>();
  if (*value == "true") return std::optional<bool>(true);
  if (*value == "false") return std::optional<bool>(false);
  return query::invalid(*value, member, "Member must be a boolean");
}

Outcome<std::optional<std::int64_t>> int_parameter(const Call& call, std::string_view name, std::string_view member,
                                                   std::int64_t min, std::int64_t max) {
  const std::string* value = call.params().find(name);
  if (!value) return std::optional<std::int64_t>();
  std::string_view digits = *value;
  if (digits.starts_with('+')) digits.remove_prefix(1);
  std::int64_t n = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || end != digits.data() + digits.size() ||
      (error != std::errc() && error != std::errc::result_out_of_range)) {
    return query::invalid(*value, member, "Member must be a number");
  }
  // A number beyond 64 bits is out of the member's range on its side.
  if (error == std::errc::result_out_of_range) n = digits.starts_with('-') ? min - 1 : max + 1;
  if (n < min) {
    return query::invalid(*value, member, "Member must have value greater than or equal to " + std::to_string(min));
  }
  if (n > max) {
    return query::invalid(*value, member, "Member must have value less than or equal to " + std::to_string(max));
  }
  return std::optional<std::int64_t>(n);
}

Facts request_tag_facts(const Call& call, const store::Tags& tags, bool creating, std::string_view list) {
  Facts facts;
  facts.request_tags = tags;
  if (creating) facts.resource_tags = tags;
  for (const std::string& prefix : call.params().member_prefixes(list)) {
    if (const std::string* key = call.params().find(prefix + ".Key")) facts.tag_keys.push_back(*key);
  }
  return facts;
}

void Page::write_tail(Xml& xml) const {
  xml.element("IsTruncated", truncated);
  if (truncated) xml.element("Marker", next_marker);
}

Outcome<Page> paginate(const Call& call, const std::vector<std::string>& keys) {
  auto max_items = int_parameter(call, "MaxItems", "maxItems", 1, 1000);
  if (!max_items) return max_items.error();
  const std::size_t limit = static_cast<std::size_t>(max_items.value().value_or(100));
  Page page;
  if (const std::string* marker = call.params().find("Marker")) {
    if (marker->empty()) return query::invalid(*marker, "marker", "Member must have length greater than or equal to 1");
    // The marker is the key of the first item of the page: items deleted meanwhile are skipped.
    page.begin = static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), *marker) - keys.begin());
  }
  page.end = std::min(keys.size(), page.begin + limit);
  page.truncated = page.end < keys.size();
  if (page.truncated) page.next_marker = keys[page.end];
  return page;
}

void write_tags(Xml& xml, const store::Tags& tags) {
  if (tags.empty()) return;
  xml.open("Tags");
  for (const auto& [k, v] : tags) xml.open("member").element("Key", k).element("Value", v).close("member");
  xml.close("Tags");
}

void write_boundary(Xml& xml, const std::string& boundary) {
  if (boundary.empty()) return;
  xml.open("PermissionsBoundary")
      .element("PermissionsBoundaryType", std::string_view("PermissionsBoundaryPolicy"))  // not the bool overload
      .element("PermissionsBoundaryArn", boundary)
      .close("PermissionsBoundary");
}

void write_user(Xml& xml, const store::User& user, bool detailed) {
  xml.element("Path", user.path)
      .element("UserName", user.name)
      .element("UserId", user.id)
      .element("Arn", user.arn)
      .element("CreateDate", query::iso8601(user.created));
  if (!detailed) return;
  write_boundary(xml, user.boundary);
  write_tags(xml, user.tags);
}

void write_group(Xml& xml, const store::Group& group) {
  xml.element("Path", group.path)
      .element("GroupName", group.name)
      .element("GroupId", group.id)
      .element("Arn", group.arn)
      .element("CreateDate", query::iso8601(group.created));
}

void write_role(Xml& xml, const store::Role& role, bool detailed) {
  xml.element("Path", role.path)
      .element("RoleName", role.name)
      .element("RoleId", role.id)
      .element("Arn", role.arn)
      .element("CreateDate", query::iso8601(role.created))
      .element("AssumeRolePolicyDocument", query::url_encode_document(role.trust.document));
  if (!role.description.empty()) xml.element("Description", role.description);
  xml.element("MaxSessionDuration", static_cast<std::int64_t>(role.max_session_duration));
  if (!detailed) return;
  write_boundary(xml, role.boundary);
  write_tags(xml, role.tags);
  xml.empty("RoleLastUsed");
}

void write_policy(Xml& xml, const store::PolicyView& view, bool detailed) {
  const store::ManagedPolicy& p = view.policy;
  xml.element("PolicyName", p.name)
      .element("PolicyId", p.id)
      .element("Arn", p.arn)
      .element("Path", p.path)
      .element("DefaultVersionId", p.default_version)
      .element("AttachmentCount", static_cast<std::int64_t>(view.usage.attachments))
      .element("PermissionsBoundaryUsageCount", static_cast<std::int64_t>(view.usage.boundaries))
      .element("IsAttachable", true);
  if (detailed && !p.description.empty()) xml.element("Description", p.description);
  xml.element("CreateDate", query::iso8601(p.created)).element("UpdateDate", query::iso8601(p.updated));
  if (detailed) write_tags(xml, p.tags);
}

Outcome<void> read(const Call& call, const std::function<Outcome<void>(const store::Snapshot&)>& fn) {
  std::optional<ApiError> failed;
  auto status = call.store().read([&](const store::Snapshot& s) -> store::Result<void> {
    if (auto ok = fn(s); !ok) failed = ok.error();
    return store::success();
  });
  if (!status) return query::from_store(status.error());
  if (failed) return *failed;
  return policy::success();
}

Outcome<void> write(const Call& call, const std::function<Outcome<void>(store::Mutation&)>& fn) {
  std::optional<ApiError> failed;
  auto status = call.store().write([&](store::Mutation& m) -> store::Result<void> {
    failed.reset();  // a retried transaction (map growth) starts over
    if (auto ok = fn(m); !ok) {
      failed = ok.error();
      // Any error value aborts the transaction; the ApiError is the one answered.
      return store::Error{failed->code, failed->status, failed->message};
    }
    return store::success();
  });
  if (failed) return *failed;
  if (!status) return query::from_store(status.error());
  return policy::success();
}

}  // namespace gatehouse::server::iam
