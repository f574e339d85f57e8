// The audit log: one CloudTrail-format record per API call, allowed or denied, appended as a
// JSON line to the --audit-log file (spec/audit-log.md, docs/audit.md).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/principal.h"
#include "policy/result.h"

namespace gatehouse::server::audit {

// How far an appended record must get before append() returns.
enum class Durability : std::uint8_t {
  Written,  // in the file (the kernel's page cache): read-only calls
  Synced,   // and on disk (fdatasync): mutating calls, before their response is sent
};

// An append-only JSON Lines file shared by every request thread.
class AuditLog {
 public:
  // Opens (creating with mode 0640) for appending; the text of the failure otherwise.
  static policy::Result<std::unique_ptr<AuditLog>, std::string> open(const std::filesystem::path& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `record` and a newline as one write, so concurrent records never interleave.
  // The error text when the record could not be written (also counted in failures()).
  std::optional<std::string> append(std::string_view record, Durability durability);

  std::uint64_t failures() const noexcept { return failures_.load(std::memory_order_relaxed); }
  const std::filesystem::path& path() const noexcept { return path_; }

 private:
  AuditLog(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}

  int fd_;
  std::filesystem::path path_;
  std::mutex mutex_;
  std::atomic<std::uint64_t> failures_{0};
};

// Who made the call (spec/audit-log.md section 3).
struct Identity {
  const policy::Caller* caller = nullptr;  // nullptr: authentication failed (type Unknown)
  std::string_view principal_id;           // AIDA..., AROA...:session, or the account id of a root
  std::string_view access_key_id;
  bool temporary = false;  // session credentials (ASIA...)
  std::string_view source_identity = {};  // the session's source identity; empty: none
};

struct Failure {
  std::string code;  // AccessDenied for authorization failures, else the API error code
  std::string message;
};

struct Resource {
  std::string account;
  std::string type;  // AWS::Lambda::Function
  std::string arn;
};

// Everything one record says; the strings must outlive render().
struct ApiCall {
  std::string_view request_id;
  std::chrono::system_clock::time_point time;  // completion time
  std::string_view source_ip;
  std::string_view user_agent;
  std::string_view region;
  std::string_view event_source = "lambda.amazonaws.com";
  std::string_view event_name;
  bool read_only = false;
  bool data_event = false;  // Invoke, InvokeAsync
  Identity identity;
  std::string_view recipient_account;  // empty: the caller's account
  std::string request_parameters;      // a redacted JSON object; empty: null
  std::string response_elements;       // a redacted JSON object; empty: null
  std::optional<Failure> error;
  std::vector<Resource> resources;
  // A JSON object for additionalEventData (e.g. Invoke's executed version); empty: absent.
  std::string additional_event_data;
};

// The record as one line of JSON (no newline), with a new eventID.
std::string render(const ApiCall& call);

// Field size limit for userAgent and errorMessage (spec/audit-log.md section 2).
inline constexpr std::size_t kFieldLimit = 1024;

}  // namespace gatehouse::server::audit
