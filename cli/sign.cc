// `gatehouse sign`: signs a request with AWS Signature Version 4 as the SDKs do and prints
// every step (canonical request, string to sign, signature) with the headers or URL to send,
// so a person debugging a client can compare it with what the client computed
// (docs/authentication.md; flags and JSON fixed by spec/interface.md section 7).
#include <rapidjson/document.h>
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/writer.h>

#include <boost/program_options.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "sigv4/canonical_headers.h"
#include "sigv4/percent_encoding.h"
#include "sigv4/request_view.h"
#include "sigv4/signer.h"
#include "sigv4/timestamp.h"

namespace gatehouse::cli {
namespace {

namespace po = boost::program_options;

constexpr std::string_view kUsage =
    "usage: gatehouse sign --method M --url URL [--header 'Name: value']... [--body FILE|-]\n"
    "                      --region R --service S [--time YYYYMMDDTHHMMSSZ]\n"
    "                      [--presign --expires SECONDS] [--output text|json]\n"
    "\n"
    "Signs a request with AWS Signature Version 4 the way the AWS SDKs do and prints the\n"
    "canonical request, the string to sign, the signature and the headers to send (or,\n"
    "with --presign, the URL). Compare them with your client's debug log to find why a\n"
    "signature does not match.\n"
    "\n"
    "Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN,\n"
    "or from --access-key-id, --secret-access-key and --session-token.\n"
    "\n"
    "options:\n"
    "  --method M           HTTP method, e.g. GET or POST\n"
    "  --url URL            http(s)://host[:port]/path[?query], path and query already\n"
    "                       percent-encoded as they go on the wire\n"
    "  --header 'N: v'      a header to send (repeatable); Host defaults to the URL's\n"
    "  --body FILE|-        the body, from a file or standard input (default: empty)\n"
    "  --region R           scope region, e.g. us-east-1\n"
    "  --service S          scope service: lambda, iam or sts\n"
    "  --time T             signing time (default: now), e.g. 20240501T120000Z\n"
    "  --presign            produce a presigned URL instead of an Authorization header; a\n"
    "                       body moves into the query string as botocore moves it (a form\n"
    "                       parameter by parameter, a JSON object key by key)\n"
    "  --expires SECONDS    presigned URL lifetime, 1 to 604800 (needs --presign)\n"
    "  --output FORMAT      text (default) or json\n"
    "  --help               show this help\n"
    "\n"
    "exit status: 0 signed, 2 bad arguments\n";

struct Options {
  std::string method;
  std::string scheme;
  std::string host;    // authority as given, for the URL
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string region;
  std::string service;
  sigv4::TimePoint time;
  std::optional<std::int64_t> expires;
  bool json = false;
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;
};

// One-line reason for a bad argument; run_sign prints it and exits 2.
struct BadArgument {
  std::string reason;
};

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

std::string getenv_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Splits http(s)://authority/target; the target keeps its bytes exactly.
void parse_url(const std::string& url, Options& options) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw BadArgument{"--url must start with http:// or https://"};
  options.scheme = url.substr(0, scheme_end);
  if (options.scheme != "http" && options.scheme != "https") {
    throw BadArgument{"--url must start with http:// or https://, not `" + options.scheme + "://`"};
  }
  const auto authority_start = scheme_end + 3;
  const auto authority_end = url.find_first_of("/?#", authority_start);
  options.host = url.substr(authority_start, authority_end - authority_start);
  if (options.host.empty() || options.host.find('@') != std::string::npos) {
    throw BadArgument{"--url needs a host (and no user information)"};
  }
  options.target = authority_end == std::string::npos ? "/" : url.substr(authority_end);
  options.target = options.target.substr(0, options.target.find('#'));
  if (options.target.front() != '/') options.target.insert(0, "/");
}

// The Host header SDKs send: the URL's authority without the scheme's default port.
std::string default_host_header(const Options& options) {
  const std::string default_port = options.scheme == "https" ? ":443" : ":80";
  const std::string& host = options.host;
  if (host.size() > default_port.size() && host.ends_with(default_port)) {
    return host.substr(0, host.size() - default_port.size());
  }
  return host;
}

std::string read_body(const std::string& name, std::istream& in) {
  if (name == "-") return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::ifstream file(name, std::ios::binary);
  if (!file) throw BadArgument{"cannot read --body `" + name + "`: " + std::strerror(errno)};
  std::ostringstream body;
  body << file.rdbuf();
  return std::move(body).str();
}

template <class T>
std::optional<T> value_of(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<T>();
}

Options parse_options(const po::variables_map& vm, Io io) {
  Options options;
  for (const char* required : {"method", "url", "region", "service"}) {
    if (!vm.count(required)) throw BadArgument{std::string("missing --") + required};
  }
  options.method = vm["method"].as<std::string>();
  if (options.method.empty() || options.method.find_first_of(" \t\r\n") != std::string::npos) {
    throw BadArgument{"--method must be one word, e.g. GET"};
  }
  parse_url(vm["url"].as<std::string>(), options);
  options.region = vm["region"].as<std::string>();
  options.service = vm["service"].as<std::string>();

  for (const std::string& header : value_of<std::vector<std::string>>(vm, "header").value_or(std::vector<std::string>{})) {
    const auto colon = header.find(':');
    const std::string name = colon == std::string::npos ? std::string() : trim(header.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string::npos) {
      throw BadArgument{"bad --header `" + header + "`: expected 'Name: value'"};
    }
    options.headers.emplace_back(name, trim(header.substr(colon + 1)));
  }
  const bool has_host = std::any_of(options.headers.begin(), options.headers.end(),
                                    [](const auto& h) { return sigv4::equals_ignore_case(h.first, "host"); });
  if (!has_host) options.headers.insert(options.headers.begin(), {"Host", default_host_header(options)});

  if (const auto body = value_of<std::string>(vm, "body")) options.body = read_body(*body, io.in);

  if (const auto time = value_of<std::string>(vm, "time")) {
    const auto parsed = sigv4::parse_amz_date(*time);
    if (!parsed) throw BadArgument{"--time must look like 20240501T120000Z, not `" + *time + "`"};
    options.time = *parsed;
  } else {
    options.time = std::chrono::system_clock::now();
  }

  const bool presign = vm.count("presign") > 0;
  const auto expires = value_of<std::string>(vm, "expires");
  if (presign != expires.has_value()) throw BadArgument{"--presign and --expires go together"};
  if (expires) {
    const bool digits = !expires->empty() && expires->size() <= 7 &&
                        expires->find_first_not_of("0123456789") == std::string::npos;
    const std::int64_t seconds = digits ? std::stoll(*expires) : 0;
    if (seconds < 1 || seconds > 604800) throw BadArgument{"--expires must be 1 to 604800 seconds, not `" + *expires + "`"};
    options.expires = seconds;
  }

  const std::string output = value_of<std::string>(vm, "output").value_or("text");
  if (output != "text" && output != "json") throw BadArgument{"--output must be text or json, not `" + output + "`"};
  options.json = output == "json";

  options.access_key_id = value_of<std::string>(vm, "access-key-id").value_or(getenv_or_empty("AWS_ACCESS_KEY_ID"));
  options.secret_access_key =
      value_of<std::string>(vm, "secret-access-key").value_or(getenv_or_empty("AWS_SECRET_ACCESS_KEY"));
  if (auto token = value_of<std::string>(vm, "session-token")) {
    options.session_token = std::move(*token);
  } else if (std::string env_token = getenv_or_empty("AWS_SESSION_TOKEN"); !env_token.empty()) {
    options.session_token = std::move(env_token);
  }
  if (options.access_key_id.empty() || options.secret_access_key.empty()) {
    throw BadArgument{"no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"};
  }
  return options;
}

// Query parameters in order of first appearance; setting a name again replaces its values in
// place (a Python dict's update, which botocore's presigner uses).
class OrderedParams {
 public:
  void set(const std::string& name, std::vector<std::string> values) {
    for (auto& entry : entries_) {
      if (entry.first == name) {
        entry.second = std::move(values);
        return;
      }
    }
    entries_.emplace_back(name, std::move(values));
  }
  bool has(const std::string& name) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; });
  }
  // botocore's percent_encode_sequence: name=value joined by '&', a list as repeated names.
  std::string encoded() const {
    std::string out;
    for (const auto& [name, values] : entries_) {
      for (const auto& value : values) {
        if (!out.empty()) out += '&';
        sigv4::append_uri_encoded(out, name, sigv4::SlashRule::Encode);
        out += '=';
        sigv4::append_uri_encoded(out, value, sigv4::SlashRule::Encode);
      }
    }
    return out;
  }
  std::size_t size() const { return entries_.size(); }

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> entries_;
};

// name=value pairs of a form or query string, decoded ('+' is a space), as parse_qs reads them
// with blank values kept.
std::vector<std::pair<std::string, std::string>> decode_pairs(std::string_view text, std::string_view what) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!text.empty()) {
    const std::size_t amp = text.find('&');
    const std::string_view piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (piece.empty()) continue;
    const std::size_t eq = piece.find('=');
    std::string name, value;
    if (!sigv4::append_percent_decoded(name, piece.substr(0, eq)) ||
        (eq != std::string_view::npos && !sigv4::append_percent_decoded(value, piece.substr(eq + 1)))) {
      throw BadArgument{"malformed percent-encoding in the " + std::string(what) + ": `" + std::string(piece) + "`"};
    }
    pairs.emplace_back(std::move(name), std::move(value));
  }
  return pairs;
}

// A JSON member's value as Python's str() writes it (botocore's percent_encode of json.loads).
std::string python_text(const rapidjson::Value& v, const std::string& name) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "True" : "False";
  if (v.IsNull()) return "None";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsUint64()) return std::to_string(v.GetUint64());
  throw BadArgument{"--presign cannot move the body member `" + name +
                    "` into the query string: only strings, integers, booleans, null and lists of them move"};
}

bool is_form(const Options& options) {
  return std::any_of(options.headers.begin(), options.headers.end(), [](const auto& h) {
    return sigv4::equals_ignore_case(h.first, "content-type") &&
           h.second.find("application/x-www-form-urlencoded") != std::string::npos;
  });
}

// botocore's SigV4QueryAuth: a presigned request carries no body. The URL's query parameters
// (first value of each), then the body's (a form parameter by parameter, a JSON object key by
// key), are written back as the query, ahead of the X-Amz-* parameters; a Content-Type of
// exactly `application/x-www-form-urlencoded; charset=utf-8` is no longer sent. Returns the
// number of body parameters moved.
std::size_t move_body_to_query(Options& options) {
  const sigv4::RequestTarget target = sigv4::split_request_target(options.target);
  OrderedParams params;
  for (auto& [name, value] : decode_pairs(target.query, "URL's query")) {
    if (!params.has(name)) params.set(name, {std::move(value)});
  }
  std::size_t moved = 0;
  if (is_form(options)) {
    for (auto& [name, value] : decode_pairs(options.body, "form body")) {
      params.set(name, {std::move(value)});
      ++moved;
    }
  } else {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(options.body.data(), options.body.size());
    if (doc.HasParseError() || !doc.IsObject()) {
      throw BadArgument{"--presign moves the body into the query string: give a form body (with Content-Type "
                        "application/x-www-form-urlencoded) or a JSON object"};
    }
    for (const auto& member : std::as_const(doc).GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      std::vector<std::string> values;
      if (member.value.IsArray()) {
        for (const auto& item : member.value.GetArray()) values.push_back(python_text(item, name));
      } else {
        values.push_back(python_text(member.value, name));
      }
      params.set(name, std::move(values));
      ++moved;
    }
  }
  const std::string query = params.encoded();
  options.target = std::string(target.path) + (query.empty() ? "" : "?" + query);
  options.body.clear();
  std::erase_if(options.headers, [](const auto& h) {
    return sigv4::equals_ignore_case(h.first, "content-type") && h.second == "application/x-www-form-urlencoded; charset=utf-8";
  });
  return moved;
}

// The headers as one JSON object; a repeated name is sent once with its values joined by
// ',', which canonicalizes to the same signed value.
std::vector<std::pair<std::string, std::string>> merged_headers(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& header : headers) {
    // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
    const std::string& name = header.first;
    const std::string& value = header.second;
    const auto existing = std::find_if(merged.begin(), merged.end(),
                                       [&](const auto& m) { return sigv4::equals_ignore_case(m.first, name); });
    if (existing == merged.end()) {
      merged.emplace_back(name, value);
    } else {
      existing->second += "," + value;
    }
  }
  return merged;
}

void print_json(std::ostream& out, const sigv4::SignedRequest& signed_request, const Options& options) {
  rapidjson::OStreamWrapper stream(out);
  rapidjson::Writer<rapidjson::OStreamWrapper> writer(stream);
  const auto string = [&](std::string_view text) { writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size())); };
  writer.StartObject();
  string("canonicalRequest");
  string(signed_request.canonical_request);
  string("stringToSign");
  string(signed_request.string_to_sign);
  string("signature");
  string(signed_request.signature);
  if (options.expires) {
    string("url");
    string(options.scheme + "://" + options.host + signed_request.target);
  } else {
    string("headers");
    writer.StartObject();
    for (const auto& [name, value] : merged_headers(signed_request.headers)) {
      string(name);
      string(value);
    }
    writer.EndObject();
  }
  writer.EndObject();
  out << '\n';
}

void print_text(std::ostream& out, const sigv4::SignedRequest& signed_request, const Options& options) {
  out << "Canonical request:\n" << signed_request.canonical_request << "\n\n";
  out << "String to sign:\n" << signed_request.string_to_sign << "\n\n";
  out << "Signature: " << signed_request.signature << "\n\n";
  if (options.expires) {
    out << "URL: " << options.scheme << "://" << options.host << signed_request.target << "\n";
    if (signed_request.headers.size() > 1) {
      out << "\nSend the URL with these headers:\n";
      for (const auto& [name, value] : signed_request.headers) out << name << ": " << value << "\n";
    }
    return;
  }
  out << "Headers:\n";
  for (const auto& [name, value] : signed_request.headers) out << name << ": " << value << "\n";
}

}  // namespace

int run_sign(const Args& args, Io io) {
  po::options_description described;
  described.add_options()("help", "")("method", po::value<std::string>(), "")("url", po::value<std::string>(), "")(
      "header", po::value<std::vector<std::string>>(), "")("body", po::value<std::string>(), "")(
      "region", po::value<std::string>(), "")("service", po::value<std::string>(), "")(
      "time", po::value<std::string>(), "")("presign", "")("expires", po::value<std::string>(), "")(
      "output", po::value<std::string>(), "")("access-key-id", po::value<std::string>(), "")(
      "secret-access-key", po::value<std::string>(), "")("session-token", po::value<std::string>(), "");
  Options options;
  try {
    po::variables_map vm;
    // Exceptions only at the edges: program_options reports bad arguments by throwing.
    po::store(po::command_line_parser(args).options(described).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      io.out << kUsage;
      return 0;
    }
    options = parse_options(vm, io);
    if (options.expires && !options.body.empty()) {
      const std::size_t moved = move_body_to_query(options);
      io.err << "gatehouse sign: note: the body was moved into the query string (" << moved
             << (moved == 1 ? " parameter" : " parameters")
             << ") as the SDK presigners move it; send the URL with no body\n";
    }
  } catch (const po::error& e) {
    io.err << "gatehouse sign: " << e.what() << " (try `gatehouse sign --help`)\n";
    return 2;
  } catch (const BadArgument& bad) {
    io.err << "gatehouse sign: " << bad.reason << " (try `gatehouse sign --help`)\n";
    return 2;
  }

  std::vector<sigv4::Header> headers;
  for (const auto& [name, value] : options.headers) headers.push_back({name, value});
  std::optional<std::string_view> token;
  if (options.session_token) token = *options.session_token;
  const auto signed_request = sigv4::sign_request(
      sigv4::SignInput{options.method, options.target, headers, sigv4::PayloadHash::of_body(options.body)},
      sigv4::SigningCredentials{options.access_key_id, options.secret_access_key, token},
      sigv4::SignOptions{options.region, options.service, options.time, options.expires, false});
  if (!signed_request) {
    io.err << "gatehouse sign: " << signed_request.error() << "\n";
    return 2;
  }
  if (options.json) {
    print_json(io.out, signed_request.value(), options);
  } else {
    print_text(io.out, signed_request.value(), options);
  }
  return 0;
}

}  // namespace gatehouse::cli
