// Lambda's response shapes (spec/lambda-api.md section 4) and list pagination (section 1.2).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/result.h"
#include "server/lambda/error.h"
#include "store/model.h"

namespace gatehouse::server::control {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

enum class ConfigShape : std::uint8_t {
  Full,    // Get*: State and LastUpdateStatus for the SDK waiters (lambda-api 10)
  Create,  // CreateFunction: State, no LastUpdateStatus (lambda-api 4.1)
  Listed,  // ListFunctions, ListVersionsByFunction: neither (lambda-api 4.1)
};

// FunctionConfiguration of one version of the function `name`, named by `arn`.
void write_function_configuration(JsonWriter& w, std::string_view name, const store::FunctionConfig& config,
                                  std::string_view arn, ConfigShape shape);
std::string function_configuration_json(std::string_view name, const store::FunctionConfig& config,
                                        std::string_view arn, ConfigShape shape);
void write_alias(JsonWriter& w, const store::Alias& alias);
std::string alias_json(const store::Alias& alias);
void write_mapping(JsonWriter& w, const store::EventSourceMapping& mapping);
std::string mapping_json(const store::EventSourceMapping& mapping);

// 2024-05-01T12:34:56.789+0000 (lambda-api 1.2).
std::string format_last_modified(store::Millis millis);

void write_string(JsonWriter& w, std::string_view text);

// One page of a list of `total` items: [begin, end) and the marker of the next page, only
// when more items exist (lambda-api 1.2). Markers are the decimal offset of the next item.
struct Page {
  std::size_t begin = 0, end = 0;
  std::optional<std::string> next_marker;
};

// Renders what `write` writes.
template <class WriteFn>
std::string render(WriteFn&& write) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  write(w);
  return {buffer.GetString(), buffer.GetSize()};
}

// {"<list_name>":[page of items],"NextMarker"?}: NextMarker only when more items exist.
template <class Item, class WriteItem>
std::string page_json(std::string_view list_name, const std::vector<Item>& items, const Page& page, WriteItem write) {
  return render([&](JsonWriter& w) {
    w.StartObject();
    w.Key(list_name.data(), static_cast<rapidjson::SizeType>(list_name.size()));
    w.StartArray();
    for (std::size_t i = page.begin; i < page.end; ++i) write(w, items[i]);
    w.EndArray();
    if (page.next_marker) {
      w.Key("NextMarker");
      w.String(page.next_marker->data(), static_cast<rapidjson::SizeType>(page.next_marker->size()));
    }
    w.EndObject();
  });
}
inline constexpr std::size_t kDefaultPageSize = 50;
policy::Result<Page, lambda::LambdaError> page_of(std::size_t total, const std::optional<std::string>& marker,
                                                  std::optional<long long> max_items);

}  // namespace gatehouse::server::control
