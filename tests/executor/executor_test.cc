// Real sandboxes: these tests run function code under bubblewrap (root, cgroup v1 or v2).
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "executor/executor.h"
#include "executor/zip.h"
#include "tests/zip_writer.h"

using namespace gatehouse::executor;
using testing::make_zip;

namespace {

Executor& shared_executor() {
  static Executor executor([] {
    Executor::Options options;
    return options;
  }());
  return executor;
}

std::atomic<int> next_function{1};

struct Fn {
  FunctionSpec spec;
  std::string zip;
};

Fn function(std::string runtime, std::string handler, std::vector<testing::ZipItem> files, int timeout = 3) {
  Fn f;
  const int n = next_function++;
  f.spec.name = "fn" + std::to_string(n);
  f.spec.unqualified_arn = "arn:aws:lambda:us-east-1:111111111111:function:" + f.spec.name;
  f.spec.version = "$LATEST";
  f.spec.runtime = std::move(runtime);
  f.spec.handler = std::move(handler);
  f.spec.timeout_s = timeout;
  f.spec.revision = "r1";
  f.zip = make_zip(files);
  f.spec.code_sha256 = "sha" + std::to_string(n) + "+/=";
  return f;
}

std::variant<InvokeOutput, Failure> run(const Fn& f, std::string payload, std::string id = "req-1") {
  Invocation invocation;
  invocation.request_id = std::move(id);
  invocation.payload = std::move(payload);
  invocation.invoked_arn = f.spec.unqualified_arn;
  return shared_executor().invoke(
      f.spec, invocation, [&] { return std::optional<std::string>(f.zip); },
      [] {
        return std::variant<Credentials, Failure>(
            Credentials{"ASIAEXAMPLE", "secret", "token", 4102444800000LL});
      });
}

InvokeOutput ok(const std::variant<InvokeOutput, Failure>& result) {
  if (auto* failure = std::get_if<Failure>(&result)) FAIL(failure->type << ": " << failure->message);
  return std::get<InvokeOutput>(result);
}

}  // namespace

TEST_CASE("executor: the machine can sandbox", "[executor][sandbox]") {
  INFO(shared_executor().unavailable().value_or(""));
  REQUIRE_FALSE(shared_executor().unavailable().has_value());
}

TEST_CASE("executor: a Python function returns its event, warm state survives", "[executor][python]") {
  const Fn f = function("python3.11", "app.handler",
                        {{"app.py", "count = 0\ndef handler(event, context):\n    global count\n    count += 1\n"
                                    "    print('seen', count)\n"
                                    "    return {'event': event, 'count': count, 'id': context.aws_request_id,"
                                    " 'version': context.function_version}\n"}});
  const InvokeOutput first = ok(run(f, R"({"a": 1})", "id-one"));
  CHECK(first.payload == R"({"event": {"a": 1}, "count": 1, "id": "id-one", "version": "$LATEST"})");
  CHECK_FALSE(first.function_error);
  CHECK(first.log.starts_with("START RequestId: id-one Version: $LATEST\nseen 1\nEND RequestId: id-one\n"
                              "REPORT RequestId: id-one\tDuration: "));
  CHECK(first.log.find("Init Duration: ") != std::string::npos);
  const InvokeOutput second = ok(run(f, "[]", "id-two"));
  CHECK(second.payload == R"({"event": [], "count": 2, "id": "id-two", "version": "$LATEST"})");
  CHECK(second.log.find("Init Duration: ") == std::string::npos);
  // A new revision (code or configuration change) retires the warm environment.
  Fn changed = f;
  changed.spec.revision = "r2";
  CHECK(ok(run(changed, "1")).payload.find(R"("count": 1)") != std::string::npos);
}

TEST_CASE("executor: Python errors have Lambda's payload shapes", "[executor][python]") {
  const Fn raising = function("python3.12", "app.handler",
                              {{"app.py", "def handler(event, context):\n    raise ValueError('boom')\n"}});
  const InvokeOutput raised = ok(run(raising, "{}", "rid"));
  CHECK(raised.function_error);
  CHECK(raised.payload.starts_with(
      R"({"errorMessage": "boom", "errorType": "ValueError", "requestId": "rid", "stackTrace": ["  File \"/var/task/app.py\", line 2, in handler\n)"));
  // The version-mismatch note on a cold start (python3.12 served by the machine's Python).
  CHECK(raised.log.find("gatehouse: runtime python3.12 served by Python 3.") != std::string::npos);

  const Fn missing_module = function("python3.11", "nope.handler", {{"app.py", "x = 1\n"}});
  CHECK(ok(run(missing_module, "{}")).payload ==
        R"({"errorMessage": "Unable to import module 'nope': No module named 'nope'", "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})");
  const Fn missing_handler = function("python3.11", "app.nope", {{"app.py", "x = 1\n"}});
  const InvokeOutput nf = ok(run(missing_handler, "{}"));
  CHECK(nf.function_error);
  CHECK(nf.payload ==
        R"({"errorMessage": "Handler 'nope' missing on module 'app'", "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []})");
}

TEST_CASE("executor: Node.js functions, results and errors", "[executor][node]") {
  const Fn echo = function("nodejs20.x", "index.handler",
                           {{"index.mjs", "export const handler = async (event, context) => {\n"
                                          "  console.log('got', event);\n"
                                          "  return { event, fn: context.functionName };\n};\n"}});
  const InvokeOutput out = ok(run(echo, R"({"k":"v"})", "nid"));
  CHECK(out.payload == R"({"event":{"k":"v"},"fn":")" + echo.spec.name + R"("})");
  CHECK(out.log.find("\tnid\tINFO\tgot { k: 'v' }\n") != std::string::npos);

  const Fn raising = function("nodejs20.x", "index.handler",
                              {{"index.js", "exports.handler = async () => { throw new TypeError('bad'); };\n"}});
  const InvokeOutput raised = ok(run(raising, "{}"));
  CHECK(raised.function_error);
  CHECK(raised.payload.starts_with(R"({"errorType":"TypeError","errorMessage":"bad","trace":["TypeError: bad",)"));

  const Fn missing = function("nodejs20.x", "index.nope", {{"index.js", "exports.handler = () => 1;\n"}});
  CHECK(ok(run(missing, "{}")).payload ==
        R"({"errorType":"Runtime.HandlerNotFound","errorMessage":"index.nope is undefined or not exported","trace":[]})");
  const Fn callback = function("nodejs22.x", "cb.handler",
                               {{"cb.js", "exports.handler = (event, context, callback) => callback(null, 42);\n"}});
  CHECK(ok(run(callback, "{}")).payload == "42");
}

TEST_CASE("executor: provided.al2023 runs the package's own bootstrap", "[executor][provided]") {
  // A shell Runtime API client: one event, answered with its own body.
  const std::string bootstrap =
      "#!/bin/sh\n"
      "exec /usr/bin/python3 - <<'EOF'\n"
      "import http.client, os\n"
      "c = http.client.HTTPConnection(os.environ['AWS_LAMBDA_RUNTIME_API'])\n"
      "while True:\n"
      "    c.request('GET', '/2018-06-01/runtime/invocation/next'); r = c.getresponse(); body = r.read()\n"
      "    rid = r.getheader('Lambda-Runtime-Aws-Request-Id')\n"
      "    c.request('POST', '/2018-06-01/runtime/invocation/' + rid + '/response', b'[' + body + b']'); c.getresponse().read()\n"
      "EOF\n";
  const Fn f = function("provided.al2023", "ignored", {{"bootstrap", bootstrap, S_IFREG | 0755}});
  CHECK(ok(run(f, R"("x")")).payload == R"(["x"])");
}

TEST_CASE("executor: a timeout kills the environment", "[executor][timeout]") {
  const Fn slow = function("python3.11", "app.handler",
                           {{"app.py", "import time\ndef handler(event, context):\n    time.sleep(30)\n"}}, 1);
  const auto started = std::chrono::steady_clock::now();
  const InvokeOutput out = ok(run(slow, "{}", "tid"));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(out.function_error);
  CHECK(out.payload ==
        R"({"errorType":"Sandbox.Timedout","errorMessage":"RequestId: tid Error: Task timed out after 1.00 seconds"})");
  CHECK(out.log.find("Status: timeout") != std::string::npos);
}

TEST_CASE("executor: function code is contained", "[executor][sandbox]") {
  const Fn probe = function(
      "python3.11", "app.handler",
      {{"app.py",
        "import os\n"
        "def attempt(f):\n"
        "    try:\n        return f()\n    except Exception as e:\n        return type(e).__name__\n"
        "def handler(event, context):\n"
        "    return {\n"
        "      'uid': os.getuid(),\n"
        "      'root': sorted(os.listdir('/')),\n"
        "      'pid1': open('/proc/1/cmdline','rb').read().split(b'\\0')[0].decode(),\n"
        "      'pids': sorted(int(p) for p in os.listdir('/proc') if p.isdigit()),\n"
        "      'etc': attempt(lambda: sorted(os.listdir('/etc'))),\n"
        "      'passwd': attempt(lambda: open('/etc/passwd').read()),\n"
        "      'write_task': attempt(lambda: open('/var/task/x', 'w')),\n"
        "      'tmp': attempt(lambda: open('/tmp/x', 'w').write('ok')),\n"
        "      'home': os.environ.get('HOME'),\n"
        "      'caps': [l for l in open('/proc/self/status') if l.startswith('CapEff')][0].split()[1],\n"
        "    }\n"}});
  const InvokeOutput out = ok(run(probe, "{}"));
  INFO(out.payload);
  CHECK(out.payload.find(R"("uid": 993)") != std::string::npos);
  // Only /usr, the code, the runtime, /tmp, /proc, /dev, /etc (and the /usr links) exist.
  CHECK(out.payload.find(R"("root": ["bin", "dev", "etc", "lib", "lib64", "proc", "sbin", "tmp", "usr", "var"])") !=
        std::string::npos);
  // PID 1 is the sandbox's own init, not the server; no host process is visible.
  CHECK(out.payload.find(R"("pid1": "/usr/bin/bwrap", "pids": [1, 2])") != std::string::npos);
  // /etc is the sandbox's own two files, naming its user as Lambda does; not the host's.
  CHECK(out.payload.find(R"("etc": ["group", "passwd"])") != std::string::npos);
  CHECK(out.payload.find(R"("passwd": "root:x:0:0:root:/root:/sbin/nologin\nsbx_user1051:x:993:990::/home/sbx_user1051:)"
                         R"(/sbin/nologin\n")") != std::string::npos);
  CHECK(out.payload.find(R"("write_task": "OSError")") != std::string::npos);
  CHECK(out.payload.find(R"("tmp": 2)") != std::string::npos);
  CHECK(out.payload.find(R"("home": null)") != std::string::npos);
  CHECK(out.payload.find(R"("caps": "0000000000000000")") != std::string::npos);
}

TEST_CASE("executor: a machine without bubblewrap refuses to run code", "[executor][sandbox]") {
  Executor::Options options;
  options.sandbox.bwrap = "/nonexistent/bwrap";
  Executor refusing(options);
  REQUIRE(refusing.unavailable().has_value());
  CHECK(refusing.unavailable()->find("bubblewrap (/nonexistent/bwrap) is not installed") != std::string::npos);
  Fn f = function("python3.11", "app.handler", {{"app.py", "def handler(e, c):\n    return 1\n"}});
  Invocation invocation;
  invocation.request_id = "x";
  bool code_asked = false;
  const auto result = refusing.invoke(
      f.spec, invocation, [&] { code_asked = true; return std::optional<std::string>(f.zip); },
      [] { return std::variant<Credentials, Failure>(Credentials{}); });
  REQUIRE(std::holds_alternative<Failure>(result));
  CHECK(std::get<Failure>(result).message.starts_with("Function code cannot run on this server: bubblewrap"));
  CHECK_FALSE(code_asked);
}

TEST_CASE("executor: memory beyond MemorySize kills the environment", "[executor][limits]") {
  if (shared_executor().no_memory_limit()) {
    WARN("no memory cgroup here: " << *shared_executor().no_memory_limit());
    return;
  }
  Fn hog = function("python3.11", "app.handler",
                    {{"app.py", "def handler(event, context):\n    blocks = []\n"
                                "    for i in range(1000):\n        blocks.append(bytearray(1 << 20))\n"
                                "    return len(blocks)\n"}},
                    10);
  hog.spec.memory_mb = 128;
  const InvokeOutput out = ok(run(hog, "{}", "oom"));
  CHECK(out.function_error);
  CHECK(out.payload ==
        R"({"errorType":"Runtime.OutOfMemory","errorMessage":"RequestId: oom Error: Runtime exited with error: signal: killed"})");
  CHECK(out.log.find("Status: error\tError Type: Runtime.OutOfMemory") != std::string::npos);
  CHECK(out.log.find("Max Memory Used: 12") != std::string::npos);  // 12x MB: measured near the limit
}

TEST_CASE("executor: a thread bomb stays inside its task limit", "[executor][limits]") {
  if (shared_executor().no_memory_limit()) {
    WARN("no memory cgroup here: " << *shared_executor().no_memory_limit());
    return;
  }
  // Threads count as tasks too, and cost little memory: the task limit is what stops them.
  Fn bomb = function("python3.11", "app.handler",
                     {{"app.py", "import threading, time\ndef handler(event, context):\n    n = 0\n"
                                 "    try:\n        while n < 5000:\n"
                                 "            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
                                 "            n += 1\n    except RuntimeError as e:\n"
                                 "        return {'started': n, 'error': str(e)}\n"
                                 "    return {'started': n}\n"}},
                     20);
  bomb.spec.memory_mb = 512;
  const InvokeOutput out = ok(run(bomb, "{}"));
  INFO(out.payload);
  CHECK(out.payload.find(R"("error": "can't start new thread")") != std::string::npos);
  const auto at = out.payload.find(R"("started": )");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(out.payload.substr(at + 11)) < 1024);
  // Other functions still run.
  const Fn other = function("python3.11", "app.handler", {{"app.py", "def handler(e, c):\n    return 'fine'\n"}});
  CHECK(ok(run(other, "{}")).payload == R"("fine")");
}

TEST_CASE("executor: /tmp is bounded by EphemeralStorage", "[executor][limits]") {
  Fn filler = function("python3.11", "app.handler",
                       {{"app.py", "def handler(event, context):\n    n = 0\n    try:\n"
                                   "        with open('/tmp/fill', 'wb') as f:\n"
                                   "            for i in range(64):\n                f.write(b'x' * (1 << 20)); f.flush(); n += 1\n"
                                   "    except OSError as e:\n        return {'mb': n, 'errno': e.errno}\n"
                                   "    return {'mb': n}\n"}},
                       10);
  filler.spec.ephemeral_mb = 8;
  filler.spec.memory_mb = 256;
  const InvokeOutput out = ok(run(filler, "{}"));
  INFO(out.payload);
  CHECK(out.payload.find(R"("errno": 28)") != std::string::npos);  // ENOSPC
}

TEST_CASE("executor: idle environments are reaped after keep-warm", "[executor][warm]") {
  Executor::Options options;
  options.keep_warm = std::chrono::milliseconds(300);
  Executor short_lived(options);
  REQUIRE_FALSE(short_lived.unavailable().has_value());
  const Fn f = function("python3.11", "app.handler", {{"app.py", "def handler(e, c):\n    return 1\n"}});
  Invocation invocation;
  invocation.request_id = "w";
  invocation.payload = "{}";
  const auto code = [&] { return std::optional<std::string>(f.zip); };
  const auto keys = [] { return std::variant<Credentials, Failure>(Credentials{"A", "S", "T", 4102444800000LL}); };
  REQUIRE(std::holds_alternative<InvokeOutput>(short_lived.invoke(f.spec, invocation, code, keys)));
  CHECK(short_lived.warm_environments() == 1);
  for (int i = 0; i < 100 && short_lived.warm_environments() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(short_lived.warm_environments() == 0);
}

TEST_CASE("executor: the Runtime API's headers, states and limits", "[executor][runtime-api]") {
  // A provided.al2023 bootstrap that probes the Runtime API and prints what it got.
  const std::string bootstrap = R"(#!/usr/bin/python3
import http.client, json, os, time
api = os.environ["AWS_LAMBDA_RUNTIME_API"]
c = http.client.HTTPConnection(api)
def call(method, path, body=None, headers={}):
    c.request(method, "/2018-06-01/runtime" + path, body=body, headers=headers)
    r = c.getresponse()
    return r.status, dict(r.getheaders()), r.read().decode()
print("early", call("POST", "/invocation/nope/response", b"{}")[::2], flush=True)
print("unknown", call("GET", "/invocation/elsewhere")[0], flush=True)
status, headers, body = call("GET", "/invocation/next")
rid = headers["Lambda-Runtime-Aws-Request-Id"]
deadline = int(headers["Lambda-Runtime-Deadline-Ms"]) - int(time.time() * 1000)
print("next", status, body, headers["Lambda-Runtime-Invoked-Function-Arn"], headers["Content-Type"],
      headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-"), 1000 < deadline <= 3000,
      headers.get("Lambda-Runtime-Client-Context"), "Lambda-Runtime-Cognito-Identity" in headers, flush=True)
print("wrong id", call("POST", "/invocation/not-" + rid + "/response", b"{}")[::2], flush=True)
print("too big", call("POST", "/invocation/" + rid + "/response", b"x" * 6291557)[::2], flush=True)
print("twice", call("POST", "/invocation/" + rid + "/response", b"{}")[0], flush=True)
)";
  Fn f = function("provided.al2023", "ignored", {{"bootstrap", bootstrap, S_IFREG | 0755}});
  Invocation invocation;
  invocation.request_id = "api-1";
  invocation.payload = R"({"in":1})";
  invocation.invoked_arn = f.spec.unqualified_arn + ":PROD";
  invocation.client_context = R"({"custom":{"a":"b"}})";
  const auto result = shared_executor().invoke(
      f.spec, invocation, [&] { return std::optional<std::string>(f.zip); },
      [] { return std::variant<Credentials, Failure>(Credentials{"A", "S", "T", 4102444800000LL}); });
  const InvokeOutput out = ok(result);
  INFO(out.log);
  CHECK(out.log.find(R"(early (403, '{"errorMessage":"Invalid state transition: no invocation is in progress.","errorType":"InvalidStateTransition"}'))") !=
        std::string::npos);
  CHECK(out.log.find("unknown 404") != std::string::npos);
  CHECK(out.log.find(R"(next 200 {"in":1} )" + f.spec.unqualified_arn +
                     R"(:PROD application/json True True {"custom":{"a":"b"}} False)") != std::string::npos);
  CHECK(out.log.find(R"(wrong id (400, '{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}'))") !=
        std::string::npos);
  CHECK(out.function_error);
  CHECK(out.payload ==
        R"({"errorType":"Function.ResponseSizeTooLarge","errorMessage":"Response payload size exceeded maximum allowed payload size (6291556 bytes)."})");
  // What the runtime printed after its answer shows in the next invocation's log: a second
  // answer to a finished invocation refused; then the bootstrap ends (Runtime.ExitError).
  invocation.request_id = "api-2";
  const InvokeOutput next = ok(shared_executor().invoke(
      f.spec, invocation, [&] { return std::optional<std::string>(f.zip); },
      [] { return std::variant<Credentials, Failure>(Credentials{"A", "S", "T", 4102444800000LL}); }));
  INFO(next.log);
  // The runtime prints the 413 as the first invocation ends: in its log or the next one.
  CHECK((out.log + next.log).find(
            R"(too big (413, '{"errorMessage":"Exceeded maximum allowed payload size (6291556 bytes).","errorType":"RequestEntityTooLarge"}'))") !=
        std::string::npos);
  CHECK(next.log.find("twice 403") != std::string::npos);
  CHECK(next.payload ==
        R"({"errorType":"Runtime.ExitError","errorMessage":"RequestId: api-2 Error: Runtime exited without providing a reason"})");
}
