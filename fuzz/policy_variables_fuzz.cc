// Policy-variable templates: the pieces written back as policy text give the
// input again, and has_variables agrees with parse_template.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/variables.h"

namespace gp = gatehouse::policy;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using Kind = gp::TemplatePiece::Kind;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto pieces = gp::parse_template(text);

  std::string rendered;
  bool any_reference = false;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    const auto& piece = pieces[i];
    if (i > 0 && piece.kind != Kind::Variable) require(pieces[i - 1].kind != piece.kind);
    switch (piece.kind) {
      case Kind::Text:
        require(!piece.text.empty() && !piece.default_value);
        rendered += piece.text;
        break;
      case Kind::Literal:
        require(!piece.text.empty() && !piece.default_value);
        any_reference = true;
        for (const char c : piece.text) {
          require(c == '*' || c == '?' || c == '$');
          rendered += std::string("${") + c + "}";
        }
        break;
      case Kind::Variable:
        any_reference = true;
        require(piece.text.find('}') == std::string::npos);
        rendered += "${" + piece.text;
        if (piece.default_value) {
          require(piece.default_value->find_first_of("'}") == std::string::npos);
          require(!piece.text.empty() && piece.text.find_first_of("${}',") == std::string::npos);
          rendered += ", '" + *piece.default_value + "'";
        }
        rendered += "}";
        break;
    }
  }
  require(rendered == text);
  require(gp::has_variables(text) == any_reference);
  return 0;
}
