// Helpers shared by the SigV4 tests: reading the test data under tests/data, parsing the suites' raw
// HTTP request files, and building requests, stores and verifiers from them.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rapidjson/document.h>

#include "sigv4/clock.h"
#include "sigv4/credential_store.h"
#include "sigv4/request_view.h"
#include "sigv4/signing_key_cache.h"
#include "sigv4/verifier.h"

namespace gatehouse::sigv4::testing {

// The test data under tests/data (SigV4 suites, recorded client requests, verifier cases).
std::filesystem::path data_dir();
std::string read_file(const std::filesystem::path& path);
rapidjson::Document read_json(const std::filesystem::path& path);

// A request with owned bytes; view() lends the verifier a RequestView of it.
struct HttpRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  std::vector<Header> header_views() const;
};

// A raw HTTP/1.1 request as the suites store it: request line (the target may hold spaces or
// UTF-8), "Name:value" lines with obs-fold continuations replaced by a space as an HTTP parser
// does, a blank line, the body. Optional whitespace around values is stripped.
HttpRequest parse_http_request(std::string_view text);

// Owns the header views so a RequestView stays valid.
class RequestHolder {
 public:
  explicit RequestHolder(HttpRequest request);
  RequestView view() const;
  const HttpRequest& request() const noexcept { return request_; }

 private:
  HttpRequest request_;
  std::vector<Header> headers_;
};

TimePoint parse_iso8601(std::string_view text);  // 2024-05-01T12:00:30Z

// A verifier with its store, clock and cache.
struct VerifierRig {
  InMemoryCredentialStore store;
  FixedClock clock{TimePoint{}};
  SigningKeyCache cache;
  Verifier verifier{store, clock, cache};
};

}  // namespace gatehouse::sigv4::testing
