// etcd://host:port,host:port[/prefix] (docs/scale-out.md 4).
#include <charconv>

#include "store/store.h"

namespace gatehouse::store {

namespace {

Error bad_url(std::string_view url, std::string_view why) {
  return Error{"ValidationError", 400,
               "invalid etcd store '" + std::string(url) + "': " + std::string(why) +
                   " (expected etcd://host:port[,host:port...][/prefix])"};
}

bool valid_endpoint(std::string_view endpoint) {
  const auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == endpoint.size()) return false;
  const std::string_view host = endpoint.substr(0, colon), port = endpoint.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return false;
  for (char c : host) {
    if (c == '/' || c == '@' || c == ',' || c == ' ' || static_cast<unsigned char>(c) < 0x21) return false;
  }
  return true;
}

}  // namespace

Result<EtcdOptions> parse_etcd_url(std::string_view url) {
  constexpr std::string_view kScheme = "etcd://";
  if (!url.starts_with(kScheme)) return bad_url(url, "not an etcd:// address");
  std::string_view rest = url.substr(kScheme.size());
  EtcdOptions options;
  const auto slash = rest.find('/');
  std::string_view hosts = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash);
    if (prefix.size() > 1) {
      for (char c : prefix) {
        if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return bad_url(url, "the prefix has a control or space character");
      }
      options.prefix = std::string(prefix);
      if (options.prefix.back() != '/') options.prefix.push_back('/');
      if (options.prefix.find("//") != std::string::npos) return bad_url(url, "the prefix has an empty segment");
    }
  }
  while (true) {
    const auto comma = hosts.find(',');
    const std::string_view endpoint = hosts.substr(0, comma);
    if (!valid_endpoint(endpoint)) return bad_url(url, "'" + std::string(endpoint) + "' is not host:port");
    options.endpoints.emplace_back(endpoint);
    if (comma == std::string_view::npos) break;
    hosts.remove_prefix(comma + 1);
  }
  return options;
}

std::string describe(const EtcdOptions& etcd) {
  std::string out = "etcd://";
  for (std::size_t i = 0; i < etcd.endpoints.size(); ++i) out += (i ? "," : "") + etcd.endpoints[i];
  return out + etcd.prefix;
}

}  // namespace gatehouse::store
