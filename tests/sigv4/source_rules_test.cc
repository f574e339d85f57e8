// Source rules of the SigV4 module: no std::regex (parsers are hand-written or Boost
// Spirit X3), and no secret-derived value compared in variable time: signatures, secrets and
// session tokens are compared only through constant_time_equal (CRYPTO_memcmp), here and in
// the server and the store, which hold secrets and tokens too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "test_support.h"

namespace gatehouse::sigv4 {
namespace {

constexpr std::array<std::string_view, 11> kSensitive = {
    "secret",        "secret_access_key", "secret_key",         "sealed_secret",      "session_token", "signature",
    "received_signature", "expected_signature", "signing_key", "kSecret", "token_hash"};

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The last identifier of an operand such as `credential->session_token` or `*received`, unless
// the operand goes on to a member that is not the value itself (`.size()`, `.empty()`).
bool names_sensitive(std::string_view operand) {
  while (!operand.empty() && (operand.back() == ' ' || operand.back() == ')')) operand.remove_suffix(1);
  while (!operand.empty() && (operand.front() == ' ' || operand.front() == '*' || operand.front() == '(')) {
    operand.remove_prefix(1);
  }
  if (operand.ends_with(".size()") || operand.ends_with(".empty()") || operand.ends_with("size()")) return false;
  std::size_t end = operand.size();
  std::size_t start = end;
  while (start > 0 && is_identifier_char(operand[start - 1])) --start;
  const std::string_view last = operand.substr(start, end - start);
  for (auto word : kSensitive) {
    if (last == word) return true;
  }
  return false;
}

bool is_enumerator(std::string_view operand) {
  while (!operand.empty() && operand.front() == ' ') operand.remove_prefix(1);
  while (!operand.empty() && (operand.back() == ' ' || operand.back() == ')')) operand.remove_suffix(1);
  return operand.find("::") != std::string_view::npos && operand.find_first_of("(.>") == std::string_view::npos;
}

// Lines of C++ source that compare a sensitive value with ==, != or a library comparison.
std::vector<std::string> variable_time_compares(const std::string& text) {
  std::vector<std::string> found;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    const std::string_view line(text.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.find("constant_time_equal") != std::string_view::npos) continue;
    const auto trimmed = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (trimmed.starts_with("//")) continue;
    bool bad = false;
    for (std::size_t at = 0; !bad && at + 1 < line.size(); ++at) {
      if ((line[at] != '=' && line[at] != '!') || line[at + 1] != '=') continue;
      if (at > 0 && (line[at - 1] == '=' || line[at - 1] == '<' || line[at - 1] == '>')) continue;
      // Operands: up to the nearest delimiter on each side.
      std::size_t left = at;
      while (left > 0 && std::string_view(",;(&|?{").find(line[left - 1]) == std::string_view::npos) --left;
      std::size_t right = at + 2;
      while (right < line.size() && std::string_view(",;&|?{").find(line[right]) == std::string_view::npos) ++right;
      const std::string_view lhs = line.substr(left, at - left);
      const std::string_view rhs = line.substr(at + 2, right - at - 2);
      // A parameter compared with an enumerator (`signature == SignatureParameter::Omit`) is no secret.
      if (is_enumerator(lhs) || is_enumerator(rhs)) continue;
      bad = names_sensitive(lhs) || names_sensitive(rhs);
    }
    // Library comparisons: any sensitive operand among the arguments, or before `.compare(`.
    for (std::string_view call : {".compare(", "std::equal(", "strcmp(", "strncmp(", "bcmp(", ".starts_with(",
                                  ".ends_with(", "std::mismatch("}) {
      const std::size_t at = line.find(call);
      if (at == std::string_view::npos) continue;
      std::size_t left = at;
      while (left > 0 && std::string_view(" ,;(&|?:{!").find(line[left - 1]) == std::string_view::npos) --left;
      if (call.front() == '.' && names_sensitive(line.substr(left, at - left))) bad = true;
      std::string_view arguments = line.substr(at + call.size());
      while (!arguments.empty()) {
        const std::size_t comma = arguments.find_first_of(",)");
        std::string_view argument = arguments.substr(0, comma);
        // `signature.begin()` and `signature.data()` stand for the signature itself.
        for (std::string_view member : {".begin(", ".end(", ".data(", ".c_str("}) {
          if (const auto m = argument.find(member); m != std::string_view::npos) argument = argument.substr(0, m);
        }
        if (names_sensitive(argument)) bad = true;
        if (comma == std::string_view::npos) break;
        arguments.remove_prefix(comma + 1);
      }
    }
    std::size_t memcmp_at = line.find("memcmp(");
    if (memcmp_at != std::string_view::npos && !(memcmp_at >= 7 && line.substr(memcmp_at - 7, 7) == "CRYPTO_")) {
      bad = true;
    }
    if (bad) found.emplace_back(line);
  }
  return found;
}

std::vector<std::filesystem::path> sources(std::string_view module) {
  std::vector<std::filesystem::path> files;
  const auto root = std::filesystem::path(GATEHOUSE_SOURCE_DIR) / module;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto extension = entry.path().extension();
    if (extension == ".cc" || extension == ".h") files.push_back(entry.path());
  }
  return files;
}

}  // namespace

TEST_CASE("the variable-time compare rule finds what it is for", "[sigv4][source]") {
  // Each of these would compare a secret-derived value in variable time.
  CHECK(variable_time_compares("  if (signature == received) return;\n").size() == 1);
  CHECK(variable_time_compares("  const bool ok = *credential->session_token != token;\n").size() == 1);
  CHECK(variable_time_compares("  return expected.compare(received_signature) == 0;\n").size() == 1);
  CHECK(variable_time_compares("  if (std::memcmp(a, b, n) == 0) {}\n").size() == 1);
  CHECK(variable_time_compares("  ok = strcmp(secret, other) == 0;\n").size() == 1);
  CHECK(variable_time_compares("  ok = std::equal(signature.begin(), signature.end(), x.begin());\n").size() == 1);
  // And lets these through: the constant-time helper, sizes, unrelated names, comments.
  CHECK(variable_time_compares("  ok = constant_time_equal(signature, received);\n").empty());
  CHECK(variable_time_compares("  if (secret.size() != 40) return false;\n").empty());
  CHECK(variable_time_compares("  if (entry.secret_version == secret_version) {}\n").empty());
  CHECK(variable_time_compares("  // signature == received would be wrong\n").empty());
  CHECK(variable_time_compares("  return CRYPTO_memcmp(a, b, n) == 0;\n").empty());
  CHECK(variable_time_compares("  if (signature == SignatureParameter::Omit) continue;\n").empty());
}

TEST_CASE("sigv4 sources use no std::regex (invariant)", "[sigv4][source]") {
  const auto files = sources("sigv4");
  CHECK(files.size() > 20);
  for (const auto& file : files) {
    const std::string text = testing::read_file(file);
    INFO("file " << file.filename().string());
    CHECK(text.find("<regex>") == std::string::npos);
    CHECK(text.find("std::regex") == std::string::npos);
  }
}

// Comparisons the rule finds that no client can time, each with its reason.
struct Allowed {
  std::string_view file;
  std::string_view line_part;
  std::string_view reason;
};
constexpr std::array<Allowed, 1> kAllowed = {{
    {"store/bootstrap.cc", "!= std::optional<std::string>(k.secret_access_key)",
     "the world file's secret against the stored one, once at start-up, from the operator's own file"},
}};

TEST_CASE("no secret, signature or session token is compared in variable time (invariant)", "[sigv4][source]") {
  int files = 0;
  for (std::string_view module : {"sigv4", "server", "store"}) {
    for (const auto& file : sources(module)) {
      ++files;
      const std::string name = file.lexically_relative(GATEHOUSE_SOURCE_DIR).generic_string();
      INFO("file " << name);
      std::vector<std::string> found = variable_time_compares(testing::read_file(file));
      std::erase_if(found, [&](const std::string& line) {
        return std::any_of(kAllowed.begin(), kAllowed.end(), [&](const Allowed& a) {
          return a.file == name && line.find(a.line_part) != std::string::npos;
        });
      });
      CHECK(found == std::vector<std::string>{});
    }
  }
  CHECK(files > 100);
  // The one comparison of secret-derived bytes is CRYPTO_memcmp, behind constant_time_equal.
  const std::string crypto = testing::read_file(std::filesystem::path(GATEHOUSE_SOURCE_DIR) / "sigv4" / "crypto.cc");
  const auto at = crypto.find("bool constant_time_equal(");
  REQUIRE(at != std::string::npos);
  const auto body = crypto.substr(at, crypto.find("\n}", at) - at);
  CHECK(body.find("CRYPTO_memcmp(") != std::string::npos);
  CHECK(body.find("for") == std::string::npos);  // no early-exit loop of its own
}

}  // namespace gatehouse::sigv4
