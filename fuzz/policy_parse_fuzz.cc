// Policy documents: parse_document and validate_policy are total on arbitrary
// bytes for every policy type, never crash or hang, and agree with each other.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/document.h"
#include "policy/validate.h"

namespace gp = gatehouse::policy;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

constexpr gp::PolicyType kTypes[] = {
    gp::PolicyType::Identity, gp::PolicyType::InlineUser,        gp::PolicyType::InlineGroup,
    gp::PolicyType::InlineRole, gp::PolicyType::Boundary,         gp::PolicyType::Session,
    gp::PolicyType::SimulatorIdentity, gp::PolicyType::Trust,     gp::PolicyType::Resource,
    gp::PolicyType::SimulatorResource, gp::PolicyType::Scp,       gp::PolicyType::Rcp,
};

bool valid_position(gp::Position p) { return p.line >= 1 && p.column >= 1; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  const auto parsed = gp::parse_document(text);
  if (parsed) {
    const gp::Document& doc = parsed.value();
    require(!doc.statements.empty());
    require(doc.size <= text.size());
    for (const gp::Statement& s : doc.statements) {
      require(valid_position(s.start) && valid_position(s.end));
      require(s.start.line < s.end.line || (s.start.line == s.end.line && s.start.column < s.end.column));
      require(s.effect.has_value());
    }
  } else {
    require(!parsed.error().detail.empty());
    require(valid_position(parsed.error().pos));
  }

  // Every user and role "exists", so the trust checks run their whole course.
  const gp::PrincipalExists exists = [](std::string_view) { return true; };
  for (const gp::PolicyType type : kTypes) {
    const auto findings = gp::validate_policy(text, type, exists);
    const auto checked = gp::parse_and_validate(text, type, exists);
    const bool has_error = !findings.empty() && findings.front().severity == gp::Finding::Severity::Error;
    // parse_and_validate answers exactly the first error of validate_policy.
    require(checked.has_value() != has_error);
    if (!checked) {
      require(checked.error().code == findings.front().code);
      require(checked.error().message == findings.front().message);
    }
    // A document that does not parse can never be accepted.
    if (!parsed) require(has_error);
    for (const gp::Finding& f : findings) {
      require(!f.code.empty() && !f.message.empty());
      require(valid_position(f.pos));
    }
  }
  return 0;
}
