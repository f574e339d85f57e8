#include "sigv4/credential_scope.h"

#include <array>

namespace gatehouse::sigv4 {

std::optional<CredentialParts> split_credential(std::string_view credential) noexcept {
  std::array<std::string_view, 5> parts;
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = credential.find('/', start);
    if (count == parts.size()) return std::nullopt;
    parts[count++] = credential.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (count != parts.size()) return std::nullopt;
  return CredentialParts{parts[0], {parts[1], parts[2], parts[3]}, parts[4]};
}

void append_credential_scope(std::string& out, const CredentialScope& scope) {
  out.append(scope.date);
  out.push_back('/');
  out.append(scope.region);
  out.push_back('/');
  out.append(scope.service);
  out.push_back('/');
  out.append(kScopeTerminator);
}

}  // namespace gatehouse::sigv4
