// Authorization header: the X3 grammar accepts or rejects any bytes without crashing, its
// views stay inside the input, and the whole verifier, given the bytes as the header of an
// otherwise well-formed request, rejects with an error body that is valid UTF-8 on every face.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sigv4/authorization_header.h"
#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/error_response.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/verifier.h"

namespace sv = gatehouse::sigv4;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

bool within(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// Well-formed UTF-8 (no overlong check needed: the renderer copies only sequences it validated).
bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
    if (length == 0 || text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

struct World {
  sv::InMemoryCredentialStore store;
  sv::FixedClock clock{*sv::parse_amz_date("20240501T120030Z")};
  sv::SigningKeyCache cache{64};
  sv::Verifier verifier{store, clock, cache};
  World() {
    store.put(sv::Credential{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 0, std::nullopt, std::nullopt, {}});
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string value(reinterpret_cast<const char*>(data), size);

  const auto parsed = sv::parse_authorization_header(value);
  if (parsed) {
    const sv::AuthorizationHeader& header = parsed.value();
    require(within(header.value, value));
    for (const auto& part : {header.credential, header.signed_headers, header.signature}) {
      if (part) require(within(*part, value));
    }
  } else {
    require(parsed.error().category() == sv::Category::IncompleteSignature);
    require(!parsed.error().message.empty());
    require(size <= sv::kMaxAuthorizationSize || parsed.error().reason == sv::Reason::AuthorizationTooLong);
  }

  const std::vector<sv::Header> headers = {
      {"Host", "lambda.us-east-1.amazonaws.com"}, {"X-Amz-Date", "20240501T120000Z"}, {"Authorization", value}};
  const sv::RequestView request{"POST", "/2015-03-31/functions/f/invocations", "", headers,
                                sv::PayloadHash::of_body("{}")};
  const auto outcome = world.verifier.verify(request, sv::Endpoint::lambda("us-east-1"));
  require(!outcome.has_value());
  for (const sv::Face face : {sv::Face::LambdaRest, sv::Face::IamQuery, sv::Face::StsQuery}) {
    require(is_utf8(sv::render_error_response(outcome.error(), face, "fuzz").body));
  }
  return 0;
}
