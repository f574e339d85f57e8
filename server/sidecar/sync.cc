#include "server/sidecar/sync.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "store/mutation.h"

namespace gatehouse::server::sidecar {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

struct Answer {
  int status = 0;
  std::string body;
};

// One signed GET to the endpoint; nullopt when it cannot be reached (the reason on `err`).
std::optional<Answer> get(const SyncOptions& o, const std::string& target, std::ostream& err) {
  const std::string host = o.host + ":" + std::to_string(o.port);
  const std::vector<sigv4::Header> headers = {{"Host", host}};
  const sigv4::SignInput input{"GET", target, headers, sigv4::PayloadHash::of_body({})};
  const sigv4::SignOptions sign{o.region, "lambda", std::chrono::system_clock::now(), std::nullopt, false};
  std::optional<std::string_view> token;
  if (!o.session_token.empty()) token = o.session_token;
  auto signed_request = sigv4::sign_request(input, {o.access_key_id, o.secret_access_key, token}, sign);
  if (!signed_request) {
    err << "gatehouse sync: cannot sign GET " << target << ": " << signed_request.error() << "\n";
    return std::nullopt;
  }
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    asio::ip::tcp::socket socket(io);
    asio::connect(socket, resolver.resolve(o.host, std::to_string(o.port)));
    bhttp::request<bhttp::empty_body> request(bhttp::verb::get, target, 11);
    for (const auto& [name, value] : signed_request.value().headers) request.set(name, value);
    bhttp::write(socket, request);
    boost::beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket, buffer, response);
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return Answer{static_cast<int>(response.result_int()), std::move(response.body())};
  } catch (const std::exception& e) {
    err << "gatehouse sync: GET " << target << " on " << host << ": " << e.what() << "\n";
    return std::nullopt;
  }
}

std::string text(const rapidjson::Value& o, const char* key) {
  if (!o.IsObject()) return {};
  const auto it = o.FindMember(key);
  return it != o.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                                     : std::string();
}

std::string json_of(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  v.Accept(w);
  return {buffer.GetString(), buffer.GetSize()};
}

// AddPermission's input that makes `statement` (as AddPermission writes them: one action, one
// principal, the conditions it knows); nullopt for a statement it cannot have written.
std::optional<store::PermissionInput> permission_of(const rapidjson::Value& statement) {
  store::PermissionInput in;
  in.statement_id = text(statement, "Sid");
  in.action = text(statement, "Action");
  if (in.statement_id.empty() || in.action.empty() || text(statement, "Effect") != "Allow") return std::nullopt;
  const auto principal = statement.FindMember("Principal");
  if (principal == statement.MemberEnd()) return std::nullopt;
  if (principal->value.IsString()) {
    in.principal = principal->value.GetString();
  } else if (principal->value.IsObject() && principal->value.MemberCount() == 1) {
    in.principal = text(principal->value, principal->value.MemberBegin()->name.GetString());
  }
  if (in.principal.empty()) return std::nullopt;
  const auto condition = statement.FindMember("Condition");
  if (condition != statement.MemberEnd()) {
    if (!condition->value.IsObject()) return std::nullopt;
    for (const auto& op : condition->value.GetObject()) {
      const std::string name(op.name.GetString(), op.name.GetStringLength());
      if (!op.value.IsObject()) return std::nullopt;
      for (const auto& key : op.value.GetObject()) {
        const std::string k(key.name.GetString(), key.name.GetStringLength());
        if (!key.value.IsString()) return std::nullopt;
        const std::string v = key.value.GetString();
        if (name == "ArnLike" && k == "AWS:SourceArn") {
          in.source_arn = v;
        } else if (name == "StringEquals" && k == "AWS:SourceAccount") {
          in.source_account = v;
        } else if (name == "StringEquals" && k == "lambda:EventSourceToken") {
          in.event_source_token = v;
        } else if (name == "StringEquals" && k == "aws:PrincipalOrgID") {
          in.principal_org_id = v;
        } else if (name == "StringEquals" && k == "lambda:FunctionUrlAuthType") {
          in.function_url_auth_type = v;
        } else if (name == "Bool" && k == "lambda:InvokedViaFunctionUrl" && v == "true") {
          in.invoked_via_function_url = true;
        } else {
          return std::nullopt;
        }
      }
    }
  }
  return in;
}

// The function's unqualified policy at the endpoint, by Sid (statement JSON); nullopt on failure.
std::optional<std::map<std::string, std::string>> upstream_policy(const SyncOptions& o, const std::string& name,
                                                                  std::ostream& err) {
  auto answer = get(o, "/2015-03-31/functions/" + name + "/policy", err);
  if (!answer) return std::nullopt;
  std::map<std::string, std::string> out;
  if (answer->status == 404) return out;  // no policy
  rapidjson::Document body, policy;
  body.Parse(answer->body.data(), answer->body.size());
  const std::string document = answer->status == 200 && !body.HasParseError() ? text(body, "Policy") : "";
  policy.Parse(document.data(), document.size());
  if (document.empty() || policy.HasParseError() || !policy.IsObject() || !policy.HasMember("Statement") ||
      !policy["Statement"].IsArray()) {
    err << "gatehouse sync: GetPolicy of " << name << " answered " << answer->status << ": "
        << answer->body.substr(0, 300) << "\n";
    return std::nullopt;
  }
  for (const auto& statement : policy["Statement"].GetArray()) out[text(statement, "Sid")] = json_of(statement);
  return out;
}

bool same_json(const std::string& a, const std::string& b) {
  rapidjson::Document x, y;
  x.Parse(a.data(), a.size());
  y.Parse(b.data(), b.size());
  return !x.HasParseError() && !y.HasParseError() && x == y;
}

// An empty zip archive: the package of a function whose code lives at the endpoint.
const std::string kEmptyZip = std::string("PK\x05\x06", 4) + std::string(18, '\0');

}  // namespace

SyncReport sync_function_policies(store::Store& store, const SyncOptions& o, std::ostream& out, std::ostream& err) {
  SyncReport report;
  std::string marker;
  for (int page = 0; page < 10000; ++page) {
    const std::string target = "/2015-03-31/functions/?MaxItems=50" + (marker.empty() ? "" : "&Marker=" + marker);
    auto answer = get(o, target, err);
    rapidjson::Document listed;
    if (answer) listed.Parse(answer->body.data(), answer->body.size());
    if (!answer || answer->status != 200 || listed.HasParseError() || !listed.IsObject() ||
        !listed.HasMember("Functions") || !listed["Functions"].IsArray()) {
      if (answer) err << "gatehouse sync: ListFunctions answered " << answer->status << ": " << answer->body.substr(0, 300) << "\n";
      ++report.failures;
      return report;
    }
    for (const auto& f : listed["Functions"].GetArray()) {
      const std::string name = text(f, "FunctionName"), arn = text(f, "FunctionArn");
      // arn:aws:lambda:REGION:ACCOUNT:function:NAME
      std::vector<std::string> parts;
      for (std::size_t at = 0, colon; parts.size() < 7; at = colon + 1) {
        colon = arn.find(':', at);
        parts.push_back(arn.substr(at, colon == std::string::npos ? std::string::npos : colon - at));
        if (colon == std::string::npos) break;
      }
      if (name.empty() || parts.size() < 7 || parts[5] != "function") {
        err << "gatehouse sync: a listed function without a usable FunctionArn: " << json_of(f).substr(0, 300) << "\n";
        ++report.failures;
        continue;
      }
      ++report.functions;
      const store::FunctionRef ref{parts[4], parts[3], name};
      auto wanted = upstream_policy(o, name, err);
      if (!wanted) {
        ++report.failures;
        continue;
      }
      auto written = store.write([&](store::Mutation& m) -> store::Result<void> {
        std::map<std::string, std::string> have;
        if (!m.find_function(ref)) {
          if (wanted->empty()) return store::success();  // nothing to decide with: not copied
          store::CreateFunctionInput input;
          input.function = ref;
          input.config.runtime = text(f, "Runtime");
          input.config.role = text(f, "Role");
          input.config.handler = text(f, "Handler");
          input.zip = kEmptyZip;
          if (auto made = m.create_function(input); !made) return made.error();
          ++report.created;
          out << name << ": created in the store (its code stays at the endpoint)\n";
        } else if (auto policy = m.get_function_policy(ref); policy) {
          for (const auto& s : policy.value().statements) have[s.sid] = s.json;
        }
        for (const auto& [sid, json] : have) {
          const auto it = wanted->find(sid);
          if (it != wanted->end() && same_json(it->second, json)) continue;
          if (auto removed = m.remove_permission(ref, "", sid); !removed) return removed.error();
          ++report.removed;
          out << name << ": - " << sid << "\n";
        }
        for (const auto& [sid, json] : *wanted) {
          const auto it = have.find(sid);
          if (it != have.end() && same_json(it->second, json)) continue;
          rapidjson::Document statement;
          statement.Parse(json.data(), json.size());
          const auto input = permission_of(statement);
          if (!input) {
            err << "gatehouse sync: " << name << ": statement " << sid << " is not one AddPermission writes: "
                << json.substr(0, 300) << "\n";
            ++report.failures;
            continue;
          }
          if (auto added = m.add_permission(ref, "", *input); !added) return added.error();
          ++report.added;
          out << name << ": + " << sid << "\n";
        }
        return store::success();
      });
      if (!written) {
        err << "gatehouse sync: " << name << ": " << written.error().message << "\n";
        ++report.failures;
      }
    }
    marker = text(listed, "NextMarker");
    if (marker.empty()) break;
  }
  return report;
}

}  // namespace gatehouse::server::sidecar
