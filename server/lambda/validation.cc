#include "server/lambda/validation.h"

#include "policy/text.h"

namespace gatehouse::server::lambda {
namespace {

std::size_t character_count(std::string_view text) noexcept {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) policy::decode_utf8(text, pos);
  return count;
}

std::string_view type_name(JsonType type) noexcept {
  switch (type) {
    case JsonType::String: return "a string";
    case JsonType::Integer: return "an integer";
    case JsonType::Boolean: return "a boolean";
    case JsonType::Number: return "a number";
    case JsonType::Object: return "an object";
    case JsonType::StringList: return "a list of strings";
    case JsonType::StringMap: return "a map of strings";
    case JsonType::Any: break;
  }
  return "a value";
}

bool has_type(const rapidjson::Value& value, JsonType type) noexcept {
  switch (type) {
    case JsonType::String: return value.IsString();
    case JsonType::Integer: return value.IsInt64();
    case JsonType::Boolean: return value.IsBool();
    case JsonType::Number: return value.IsNumber();
    case JsonType::Object: return value.IsObject();
    case JsonType::StringList:
      if (!value.IsArray()) return false;
      for (const auto& item : value.GetArray()) {
        if (!item.IsString()) return false;
      }
      return true;
    case JsonType::StringMap:
      if (!value.IsObject()) return false;
      for (const auto& member : value.GetObject()) {
        if (!member.value.IsString()) return false;
      }
      return true;
    case JsonType::Any: return true;
  }
  return false;
}

std::string_view view(const rapidjson::Value& value) noexcept { return {value.GetString(), value.GetStringLength()}; }

bool in_enum(std::span<const std::string_view> values, std::string_view value) noexcept {
  for (std::string_view allowed : values) {
    if (allowed == value) return true;
  }
  return false;
}

std::string pattern_constraint(const Pattern& pattern) {
  return "Member must satisfy regular expression pattern: " + std::string(pattern.text);
}

void check_list(std::string_view path, const rapidjson::Value& list, const MemberSpec& spec, Violations& out) {
  std::string rendered = "[";
  std::vector<std::string> item_failures;
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const std::string_view item = view(list[i]);
    if (i > 0) rendered += ", ";
    rendered += item;
    if (spec.pattern && !spec.pattern->matches(item)) item_failures.push_back(pattern_constraint(*spec.pattern));
    if (character_count(item) > spec.item_max_length) {
      item_failures.push_back("Member must have length less than or equal to " + std::to_string(spec.item_max_length));
    }
    if (!spec.enum_values.empty() && !in_enum(spec.enum_values, item)) {
      item_failures.push_back(enum_constraint(spec.enum_values));
    }
  }
  rendered += "]";
  if (list.Size() > spec.max_length) {
    out.add(path, rendered, "Member must have length less than or equal to " + std::to_string(spec.max_length));
  }
  if (list.Size() < spec.min_length) {
    out.add(path, rendered, "Member must have length greater than or equal to " + std::to_string(spec.min_length));
  }
  if (!item_failures.empty()) {
    // AWS reports element failures on the list: "Member must satisfy constraint: [...]".
    std::string constraint = "Member must satisfy constraint: [";
    for (std::size_t i = 0; i < item_failures.size(); ++i) {
      if (i > 0) constraint += ", ";
      constraint += item_failures[i];
    }
    out.add(path, rendered, constraint + "]");
  }
}

void check_map(std::string_view path, const rapidjson::Value& map, const MemberSpec& spec, Violations& out) {
  if (!spec.pattern) return;
  std::string rendered = "{";
  bool failed = false;
  for (auto it = map.MemberBegin(); it != map.MemberEnd(); ++it) {
    if (it != map.MemberBegin()) rendered += ", ";
    rendered += view(it->name);
    rendered += "=";
    rendered += view(it->value);
    failed = failed || !spec.pattern->matches(view(it->name));
  }
  rendered += "}";
  if (failed) {
    out.add(path, rendered, "Map keys must satisfy constraint: [" + pattern_constraint(*spec.pattern) + "]");
  }
}

}  // namespace

std::string enum_constraint(std::span<const std::string_view> values) {
  std::string out = "Member must satisfy enum value set: [";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += values[i];
  }
  return out + "]";
}

void Violations::add(std::string_view path, std::optional<std::string_view> value, std::string_view constraint) {
  std::string item = "Value ";
  if (value) {
    item += "'";
    item += *value;
    item += "'";
  } else {
    item += "null";
  }
  item += " at '";
  item += path;
  item += "' failed to satisfy constraint: ";
  item += constraint;
  items_.push_back(std::move(item));
}

LambdaError Violations::error(std::string_view type, int status) const {
  std::string message = std::to_string(items_.size()) +
                        (items_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (std::size_t i = 0; i < items_.size(); ++i) {
    if (i > 0) message += "; ";
    message += items_[i];
  }
  return make_error(type, status, std::move(message));
}

std::string member_path(std::string_view prefix, std::string_view name) {
  std::string out(prefix);
  if (!out.empty()) out += ".";
  const std::size_t start = out.size();
  out += name;
  if (start < out.size() && out[start] >= 'A' && out[start] <= 'Z') out[start] = static_cast<char>(out[start] - 'A' + 'a');
  return out;
}

void check_string(std::string_view path, std::string_view value, const MemberSpec& spec, Violations& out) {
  if (spec.pattern && !spec.pattern->matches(value)) out.add(path, value, pattern_constraint(*spec.pattern));
  const std::size_t length = character_count(value);
  if (length > spec.max_length) {
    out.add(path, value, "Member must have length less than or equal to " + std::to_string(spec.max_length));
  }
  if (length < spec.min_length) {
    out.add(path, value, "Member must have length greater than or equal to " + std::to_string(spec.min_length));
  }
  if (!spec.enum_values.empty() && !in_enum(spec.enum_values, value)) {
    out.add(path, value, enum_constraint(spec.enum_values));
  }
}

std::optional<LambdaError> validate_members(const rapidjson::Value& object, std::span<const MemberSpec> members,
                                            std::string_view path_prefix, Violations& out) {
  for (const MemberSpec& spec : members) {
    const std::string path = member_path(path_prefix, spec.name);
    const auto it = object.FindMember(rapidjson::StringRef(spec.name.data(), spec.name.size()));
    // JSON null reads as an absent member, as the SDKs' serializers and Jackson treat it.
    if (it == object.MemberEnd() || it->value.IsNull()) {
      if (spec.required) out.add(path, std::nullopt, "Member must not be null");
      continue;
    }
    const rapidjson::Value& value = it->value;
    if (!has_type(value, spec.type)) {
      return invalid_request_content("member '" + std::string(spec.name) + "' must be " +
                                     std::string(type_name(spec.type)));
    }
    switch (spec.type) {
      case JsonType::String: check_string(path, view(value), spec, out); break;
      case JsonType::Integer: {
        const long long number = value.GetInt64();
        const std::string rendered = std::to_string(number);
        if (number > spec.max_value) {
          out.add(path, rendered, "Member must have value less than or equal to " + std::to_string(spec.max_value));
        }
        if (number < spec.min_value) {
          out.add(path, rendered, "Member must have value greater than or equal to " + std::to_string(spec.min_value));
        }
        break;
      }
      case JsonType::Object:
        if (auto error = validate_members(value, spec.members, path, out)) return error;
        break;
      case JsonType::StringList: check_list(path, value, spec, out); break;
      case JsonType::StringMap: check_map(path, value, spec, out); break;
      case JsonType::Boolean:
      case JsonType::Number:
      case JsonType::Any: break;
    }
  }
  return std::nullopt;
}

LambdaError invalid_request_content(std::string_view detail) {
  return make_error(error_type::kInvalidRequestContent, 400,
                    "Could not parse request body into json: " + std::string(detail));
}

}  // namespace gatehouse::server::lambda
