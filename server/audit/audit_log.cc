#include "server/audit/audit_log.h"

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "server/http/request_id.h"

namespace gatehouse::server::audit {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Length of the valid UTF-8 sequence at s[i], 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Client-supplied text as valid UTF-8 of at most `limit` bytes: a JSON line must stay parseable.
std::string clean(std::string_view text, std::size_t limit = std::string_view::npos) {
  std::string out;
  out.reserve(std::min(text.size(), limit));
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_length(text, i);
    const std::size_t take = n == 0 ? 1 : n;
    if (out.size() + take > limit) break;
    if (n == 0) out.push_back('?');
    else out.append(text.substr(i, n));
    i += take;
  }
  return out;
}

void string(Writer& w, std::string_view text) {
  const std::string safe = clean(text);
  w.String(safe.data(), static_cast<rapidjson::SizeType>(safe.size()));
}

void member(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  string(w, value);
}

std::string iso_time(std::chrono::system_clock::time_point time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void user_identity(Writer& w, const Identity& identity) {
  w.Key("userIdentity");
  w.StartObject();
  const policy::Caller* caller = identity.caller;
  if (!caller) {
    member(w, "type", "Unknown");
    w.EndObject();
    return;
  }
  switch (caller->type) {
    case policy::PrincipalType::Root: member(w, "type", "Root"); break;
    case policy::PrincipalType::User: member(w, "type", "IAMUser"); break;
    case policy::PrincipalType::AssumedRole: member(w, "type", "AssumedRole"); break;
    case policy::PrincipalType::FederatedUser: member(w, "type", "FederatedUser"); break;
    case policy::PrincipalType::Service: member(w, "type", "AWSService"); break;
    case policy::PrincipalType::Anonymous: member(w, "type", "Unknown"); break;
  }
  if (caller->type == policy::PrincipalType::Service) {
    member(w, "invokedBy", caller->arn);
    w.EndObject();
    return;
  }
  member(w, "principalId", identity.principal_id);
  member(w, "arn", caller->arn);
  member(w, "accountId", caller->account);
  member(w, "accessKeyId", identity.access_key_id);
  if (caller->type == policy::PrincipalType::User) member(w, "userName", caller->name);
  if (identity.temporary) {
    w.Key("sessionContext");
    w.StartObject();
    if (caller->type == policy::PrincipalType::AssumedRole) {
      w.Key("sessionIssuer");
      w.StartObject();
      member(w, "type", "Role");
      member(w, "principalId", caller->unique_id);
      member(w, "arn", caller->principal_arn());
      member(w, "accountId", caller->account);
      member(w, "userName", caller->name);
      w.EndObject();
    }
    // The store keeps no session creation time, so only what is known is stated.
    w.Key("attributes");
    w.StartObject();
    member(w, "mfaAuthenticated", "false");
    w.EndObject();
    if (!identity.source_identity.empty()) member(w, "sourceIdentity", identity.source_identity);
    w.EndObject();
  }
  w.EndObject();
}

void raw_object_or_null(Writer& w, std::string_view key, const std::string& json) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  if (json.empty()) w.Null();
  else w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

}  // namespace

policy::Result<std::unique_ptr<AuditLog>, std::string> AuditLog::open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return "cannot open audit log " + path.string() + ": " + std::strerror(errno);
  return std::unique_ptr<AuditLog>(new AuditLog(fd, path));
}

AuditLog::~AuditLog() { ::close(fd_); }

std::optional<std::string> AuditLog::append(std::string_view record, Durability durability) {
  std::string line;
  line.reserve(record.size() + 1);
  line.append(record).push_back('\n');
  std::lock_guard lock(mutex_);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      failures_.fetch_add(1, std::memory_order_relaxed);
      return std::string("audit log write failed: ") + std::strerror(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (durability == Durability::Synced && ::fdatasync(fd_) != 0) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    return std::string("audit log fdatasync failed: ") + std::strerror(errno);
  }
  return std::nullopt;
}

std::string render(const ApiCall& call) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  member(w, "eventVersion", "1.11");
  user_identity(w, call.identity);
  member(w, "eventTime", iso_time(call.time));
  member(w, "eventSource", call.event_source);
  member(w, "eventName", call.event_name);
  member(w, "awsRegion", call.region);
  member(w, "sourceIPAddress", call.source_ip);
  w.Key("userAgent");
  const std::string agent = clean(call.user_agent, kFieldLimit);
  w.String(agent.data(), static_cast<rapidjson::SizeType>(agent.size()));
  if (call.error) {
    member(w, "errorCode", call.error->code);
    w.Key("errorMessage");
    const std::string message = clean(call.error->message, kFieldLimit);
    w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  }
  raw_object_or_null(w, "requestParameters", call.request_parameters);
  raw_object_or_null(w, "responseElements", call.response_elements);
  member(w, "requestID", call.request_id);
  member(w, "eventID", http::new_request_id());
  w.Key("readOnly");
  w.Bool(call.read_only);
  if (!call.resources.empty()) {
    w.Key("resources");
    w.StartArray();
    for (const Resource& r : call.resources) {
      w.StartObject();
      member(w, "accountId", r.account);
      member(w, "type", r.type);
      member(w, "ARN", r.arn);
      w.EndObject();
    }
    w.EndArray();
  }
  if (!call.additional_event_data.empty()) {
    w.Key("additionalEventData");
    w.RawValue(call.additional_event_data.data(), call.additional_event_data.size(), rapidjson::kObjectType);
  }
  member(w, "eventType", "AwsApiCall");
  w.Key("managementEvent");
  w.Bool(!call.data_event);
  const std::string_view recipient =
      !call.recipient_account.empty() ? call.recipient_account
      : call.identity.caller         ? std::string_view(call.identity.caller->account)
                                     : std::string_view();
  member(w, "recipientAccountId", recipient);
  member(w, "eventCategory", call.data_event ? "Data" : "Management");
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace gatehouse::server::audit
