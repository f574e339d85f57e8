// The executor (spec/executor.md): runs a function's code in a sandboxed execution
// environment through the Lambda Runtime API, one invocation at a time per environment,
// reusing warm environments of the same function version and configuration. The server
// decides who may invoke what and hands over the resolved version, its code and the
// execution role's credentials; nothing here knows about the store or the policies.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "executor/sandbox.h"

namespace gatehouse::executor {

enum class RuntimeKind { Python, Node, Provided };

// The runtime identifiers served (executor.md section 4), or nullopt.
std::optional<RuntimeKind> runtime_kind(std::string_view runtime);

// One version of one function, as it runs.
struct FunctionSpec {
  std::string name;             // FunctionName
  std::string unqualified_arn;
  std::string version;          // "$LATEST" or "3": never an alias
  std::string runtime, handler;
  std::int32_t memory_mb = 128, timeout_s = 3, ephemeral_mb = 512;
  std::string code_sha256;      // as the store keys the code
  std::string revision;         // a change retires the environments of this version
  std::vector<std::pair<std::string, std::string>> environment;  // Environment.Variables
};

struct Credentials {
  std::string access_key_id, secret_access_key, session_token;
  std::int64_t expiration_ms = 0;  // epoch milliseconds
};

struct Invocation {
  std::string request_id;
  std::string payload;
  std::string invoked_arn;     // as invoked, qualifier included
  std::string client_context;  // decoded JSON, "" when none
};

struct InvokeOutput {
  std::string payload;          // the result, or the error object
  bool function_error = false;  // X-Amz-Function-Error: Unhandled
  std::string log;              // this invocation's log, START to REPORT (its last 64 KB)
  std::string log_stream;       // the environment's AWS_LAMBDA_LOG_STREAM_NAME
  bool cold_start = false;      // a new environment was started for it
  double duration_ms = 0;       // from handing the event out to the answer
};

// The invocation could not be run at all (no sandbox, no code, no credentials): the
// caller's status and Lambda error.
struct Failure {
  int status = 502;
  std::string type, message;
};

class Executor {
 public:
  struct Options {
    SandboxOptions sandbox;
    std::string work_dir;          // code and bootstraps; "" = a new directory under the temp dir
    std::string region = "us-east-1";
    std::string service_host = "127.0.0.1";  // where the function's SDK calls are forwarded
    std::uint16_t service_port = 0;          // 0: no endpoint inside the sandbox
    std::map<std::string, std::string, std::less<>> interpreters;  // runtime id -> program (--runtime)
    std::string python = "/usr/bin/python3";
    std::string node = "/usr/bin/node";
    std::chrono::milliseconds keep_warm{600'000};  // idle environments are stopped after this
  };
  using CodeFn = std::function<std::optional<std::string>()>;  // the zip bytes
  using CredentialsFn = std::function<std::variant<Credentials, Failure>()>;

  // Checks the machine (bubblewrap, namespaces, cgroups). An executor that cannot sandbox
  // is still made; every invocation then fails with `unavailable()`'s message.
  explicit Executor(Options options);
  ~Executor();  // stops every environment and removes the work directory
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Set: no code runs here, and why.
  const std::optional<std::string>& unavailable() const { return unavailable_; }
  // Set: sandboxes run without a memory limit, and why.
  const std::optional<std::string>& no_memory_limit() const { return no_memory_limit_; }

  std::variant<InvokeOutput, Failure> invoke(const FunctionSpec& function, const Invocation& invocation,
                                             const CodeFn& code, const CredentialsFn& credentials);

  std::size_t warm_environments() const;

  // Where the function's SDK calls go (this service's own HTTP endpoint), once it listens;
  // before any invocation. Inside the sandbox it is http://127.0.0.1:PORT (AWS_ENDPOINT_URL).
  void set_service_endpoint(std::string host, std::uint16_t port);

  // Whether a connection to the service whose peer is ADDRESS:PORT was opened by this executor
  // on behalf of function code (the forwarded AWS_ENDPOINT_URL): the service answers such a
  // connection as it answers any caller, except for what only its operator may see (/metrics).
  bool is_function_connection(std::string_view address, std::uint16_t port) const;

  // The local ends of the connections forwarded from sandboxes to the service.
  class ForwardedConnections {
   public:
    void add(std::string address, std::uint16_t port);
    void remove(const std::string& address, std::uint16_t port);
    bool contains(std::string_view address, std::uint16_t port) const;

   private:
    mutable std::mutex mutex_;
    std::vector<std::pair<std::string, std::uint16_t>> open_;
  };

  struct Environment;

 private:
  std::variant<std::unique_ptr<Environment>, Failure> start_environment(const FunctionSpec& function,
                                                                         const CodeFn& code,
                                                                         const CredentialsFn& credentials);
  std::optional<std::string> code_dir(const FunctionSpec& function, const CodeFn& code, Failure* failure);
  std::unique_ptr<Environment> take_warm(const FunctionSpec& function);
  void give_back(std::unique_ptr<Environment> environment);
  void reap();  // the reaper thread: stops environments idle longer than keep_warm

  Options options_;
  std::shared_ptr<ForwardedConnections> forwarded_ = std::make_shared<ForwardedConnections>();
  std::string work_dir_;
  bool own_work_dir_ = false;
  std::optional<std::string> unavailable_, no_memory_limit_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Environment>> idle_;
  std::mutex code_mutex_;
  bool stopping_ = false;
  std::condition_variable wake_reaper_;
  std::thread reaper_;
};

// The last `limit` bytes of a log, as X-Amz-Log-Result carries it before base64.
std::string log_tail(std::string_view log, std::size_t limit = 4096);

}  // namespace gatehouse::executor
