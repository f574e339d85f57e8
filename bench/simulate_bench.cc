// Whole-process throughput of `gatehouse simulate --requests` (issue 11, point 2).
//
// Generates a seeded corpus of Lambda-focused SimulateCustomPolicy requests, one per line, each
// carrying its own unique 1-4 policy documents of 4-12 statements (conditions, policy variables,
// permissions boundaries, function policies), so that no cache of compiled documents can hide the
// compile cost. Runs the real binary on it (read, parse, validate, compile, evaluate, print) and
// reports decisions per second and the child's peak RSS (getrusage), median of 3 runs, for 5,000
// and 50,000 requests. It also reports the ceiling that JSON parsing alone puts on any such
// process built on RapidJSON: each request line parsed in place and each policy document in it
// parsed again with UTF-8 validation into a handler that does nothing, in this process.
//
//   simulate_bench [GATEHOUSE_BINARY]            the benchmark
//   simulate_bench --corpus FILE N [SEED]        only write a corpus of N requests to FILE
#include <fcntl.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

namespace {

constexpr std::uint32_t kSeed = 20261207;

const char* const kLambdaActions[] = {
    "lambda:InvokeFunction",      "lambda:GetFunction",          "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",  "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction",
    "lambda:AddPermission",       "lambda:RemovePermission",     "lambda:GetPolicy",
    "lambda:PublishVersion",      "lambda:ListVersionsByFunction", "lambda:CreateAlias",
    "lambda:GetAlias",            "lambda:UpdateAlias",          "lambda:DeleteAlias",
    "lambda:ListAliases",         "lambda:TagResource",          "lambda:ListTags",
    "lambda:UntagResource",       "lambda:InvokeAsync",          "lambda:PutFunctionConcurrency",
};
const char* const kActionPatterns[] = {"lambda:Get*", "lambda:List*", "lambda:*Alias", "lambda:Update*",
                                       "lambda:*", "lambda:Invoke*", "lambda:*Function*", "lambda:?etPolicy"};
const char* const kOtherActions[] = {"s3:GetObject", "logs:CreateLogStream", "logs:PutLogEvents",
                                     "iam:PassRole", "dynamodb:Query", "sqs:SendMessage"};
const char* const kAccounts[] = {"111111111111", "222222222222", "333333333333"};

class Generator {
 public:
  explicit Generator(std::uint32_t seed) : rng_(seed) {}

  // One request line; `decisions` gets its number of (action, resource) pairs.
  std::string request(std::size_t n, std::size_t& decisions) {
    req_ = n;
    const std::string account = kAccounts[pick(3) == 0 ? 1 : 0];
    user_ = "dev-" + std::to_string(n % 97);
    team_ = "team-" + std::to_string(n % 13);
    fn_ = team_ + "-fn-" + std::to_string(n);
    const std::string function_arn = "arn:aws:lambda:us-east-1:111111111111:function:" + fn_;

    const std::size_t documents = 1 + pick(4);                // 1-4 documents in all
    const bool resource_policy = documents >= 2 && pick(2) == 0;
    const bool boundary = documents - (resource_policy ? 1 : 0) >= 2 && pick(2) == 0;
    const std::size_t identity = documents - (resource_policy ? 1 : 0) - (boundary ? 1 : 0);

    std::string caller;
    switch (pick(3)) {
      case 0: caller = "arn:aws:iam::" + account + ":user/" + user_; break;
      case 1: caller = "arn:aws:sts::" + account + ":assumed-role/" + team_ + "-role/" + user_; break;
      default: caller = "arn:aws:iam::" + account + ":role/app/" + team_ + "-role"; break;
    }

    std::string s = "{\"PolicyInputList\":[";
    for (std::size_t i = 0; i < identity; ++i) {
      if (i) s += ',';
      quoted(s, identity_policy(i));
    }
    s += ']';
    if (boundary) {
      s += ",\"PermissionsBoundaryPolicyInputList\":[";
      quoted(s, boundary_policy());
      s += ']';
    }
    if (resource_policy) {
      s += ",\"ResourcePolicy\":";
      quoted(s, function_policy(function_arn));
    }
    s += ",\"CallerArn\":\"" + caller + "\"";
    // About 1.2 decisions per request, as in the corpus the issue measured.
    const std::size_t actions = pick(5) == 0 ? 2 : 1;
    s += ",\"ActionNames\":[";
    for (std::size_t i = 0; i < actions; ++i) {
      if (i) s += ',';
      s += '"';
      s += kLambdaActions[pick(std::size(kLambdaActions))];
      s += '"';
    }
    s += "],\"ResourceArns\":[\"" + function_arn + (pick(4) == 0 ? ":PROD" : "") + "\"]";
    s += ",\"ContextEntries\":[";
    entry(s, "aws:SourceIp", pick(2) ? "10.1.2." + std::to_string(pick(250)) : "203.0.113.9", "ip");
    entry(s, "aws:SecureTransport", pick(4) ? "true" : "false", "boolean");
    entry(s, "aws:CurrentTime", "2026-1" + std::to_string(pick(3)) + "-07T12:00:00Z", "date");
    if (pick(2)) entry(s, "aws:PrincipalTag/team", pick(3) ? team_ : "platform", "string");
    if (pick(3) == 0) entry(s, "aws:SourceArn", "arn:aws:s3:::bucket-" + std::to_string(pick(30)), "string");
    s += "]}";
    decisions += actions;
    return s;
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // Appends one ContextEntries member.
  static void entry(std::string& out, const std::string& key, const std::string& value, const char* type) {
    if (out.back() != '[') out += ',';
    out += "{\"ContextKeyName\":\"" + key + "\",\"ContextKeyValues\":[\"" + value + "\"],\"ContextKeyType\":\"";
    out += type;
    out += "\"}";
  }

  // Appends `text` as a JSON string.
  static void quoted(std::string& out, const std::string& text) {
    out += '"';
    for (const char c : text) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '"';
  }

  std::string unique() { return std::to_string(req_) + "x" + std::to_string(++counter_); }

  std::string actions_value() {
    const std::size_t kind = pick(6);
    if (kind == 0) return "\"" + std::string(kActionPatterns[pick(std::size(kActionPatterns))]) + "\"";
    std::string s = "[";
    const std::size_t n = 1 + pick(4);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) s += ',';
      const std::size_t k = pick(10);
      s += '"';
      s += k < 6 ? kLambdaActions[pick(std::size(kLambdaActions))]
                 : k < 8 ? kActionPatterns[pick(std::size(kActionPatterns))] : kOtherActions[pick(std::size(kOtherActions))];
      s += '"';
    }
    return s + "]";
  }

  std::string resource_value() {
    switch (pick(6)) {
      case 0: return "\"*\"";
      case 1: return "\"arn:aws:lambda:us-east-1:111111111111:function:${aws:username}-*\"";
      case 2: return "\"arn:aws:lambda:*:111111111111:function:" + team_ + "-*\"";
      case 3:
        return "[\"arn:aws:lambda:us-east-1:111111111111:function:" + fn_ +
               "\",\"arn:aws:lambda:us-east-1:111111111111:function:" + fn_ + ":*\"]";
      case 4: return "\"arn:aws:lambda:us-east-1:111111111111:function:" + team_ + "-fn-" + unique() + "\"";
      default: return "\"arn:aws:lambda:us-east-1:*:function:${aws:PrincipalTag/team}-*\"";
    }
  }

  static constexpr std::size_t kConditionKinds = 9;
  std::string condition(std::size_t kind) {
    switch (kind) {
      case 0: return "\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"192.168." + std::to_string(pick(255)) + ".0/24\"]}";
      case 1: return "\"Bool\":{\"aws:SecureTransport\":\"true\"}";
      case 2: return "\"DateGreaterThan\":{\"aws:CurrentTime\":\"2026-1" + std::to_string(pick(3)) + "-01T00:00:00Z\"}";
      case 3: return "\"StringEquals\":{\"aws:PrincipalTag/team\":\"" + team_ + "\"}";
      case 4: return "\"StringLike\":{\"aws:userid\":\"*:" + user_ + "\"}";
      case 5: return "\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:s3:::bucket-" + std::to_string(pick(30)) + "*\"}";
      case 6: return "\"StringEqualsIfExists\":{\"aws:RequestedRegion\":[\"us-east-1\",\"eu-west-1\"]}";
      case 7: return "\"StringNotEquals\":{\"aws:PrincipalTag/team\":\"${aws:username}\"}";
      default: return "\"DateLessThan\":{\"aws:CurrentTime\":\"2030-0" + std::to_string(1 + pick(9)) + "-01T00:00:00Z\"}";
    }
  }

  std::string statement(bool with_sid) {
    std::string s = "{";
    if (with_sid) s += "\"Sid\":\"S" + unique() + "\",";
    s += pick(5) == 0 ? "\"Effect\":\"Deny\"," : "\"Effect\":\"Allow\",";
    s += pick(8) == 0 ? "\"NotAction\":" : "\"Action\":";
    s += actions_value();
    s += pick(10) == 0 ? ",\"NotResource\":" : ",\"Resource\":";
    s += resource_value();
    const std::size_t conditions = pick(3);
    if (conditions) {
      // Two blocks use two different operators (a repeated key is a syntax error).
      const std::size_t first = pick(kConditionKinds);
      s += ",\"Condition\":{" + condition(first);
      if (conditions == 2) {
        s += ',';
        s += condition((first + 1 + pick(kConditionKinds - 1)) % kConditionKinds);
      }
      s += '}';
    }
    return s + "}";
  }

  // Some documents are written on several lines, as people write them.
  std::string document(std::size_t statements, bool with_sids) {
    const bool pretty = pick(4) == 0;
    const char* sep = pretty ? ",\n    " : ",";
    std::string s = pretty ? "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    "
                           : "{\"Version\":\"2012-10-17\",\"Statement\":[";
    for (std::size_t i = 0; i < statements; ++i) {
      if (i) s += sep;
      s += statement(with_sids);
    }
    return s + (pretty ? "\n  ]\n}" : "]}");
  }

  std::string identity_policy(std::size_t) { return document(4 + pick(9), pick(2) == 0); }

  std::string boundary_policy() {
    std::string s = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"B" + unique() +
                    "\",\"Effect\":\"Allow\",\"Action\":[\"lambda:*\",\"logs:*\"],\"Resource\":\"*\"}";
    const std::size_t n = 3 + pick(9);
    for (std::size_t i = 0; i < n; ++i) {
      s += ',';
      s += statement(false);
    }
    return s + "]}";
  }

  std::string function_policy(const std::string& function_arn) {
    std::string s = "{\"Version\":\"2012-10-17\",\"Id\":\"default\",\"Statement\":[";
    const std::size_t n = 4 + pick(9);
    for (std::size_t i = 0; i < n; ++i) {
      if (i) s += ',';
      const std::string sid = "\"Sid\":\"p" + unique() + "\",\"Effect\":\"Allow\",";
      switch (pick(4)) {
        case 0:
          s += "{" + sid + "\"Principal\":{\"Service\":\"s3.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\","
               "\"Resource\":\"" + function_arn + "\",\"Condition\":{\"ArnLike\":{\"AWS:SourceArn\":\"arn:aws:s3:::bucket-" +
               std::to_string(pick(30)) + "\"},\"StringEquals\":{\"AWS:SourceAccount\":\"111111111111\"}}}";
          break;
        case 1:
          s += "{" + sid + "\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:root\"},\"Action\":\"lambda:GetFunction\","
               "\"Resource\":\"" + function_arn + "\"}";
          break;
        case 2:
          s += "{" + sid + "\"Principal\":{\"AWS\":\"arn:aws:iam::222222222222:user/" + user_ +
               "\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"" + function_arn + "\"}";
          break;
        default:
          s += "{" + sid + "\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:role/app/" + team_ +
               "-role\"},\"Action\":\"lambda:InvokeFunction\",\"Resource\":\"" + function_arn + "\"}";
          break;
      }
    }
    return s + "]}";
  }

  std::mt19937 rng_;
  std::size_t req_ = 0;
  std::size_t counter_ = 0;
  std::string user_, team_, fn_;
};

// Writes `n` requests to `path`; returns the number of decisions they ask for.
std::size_t write_corpus(const std::string& path, std::size_t n, std::uint32_t seed) {
  Generator g(seed);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::size_t decisions = 0;
  for (std::size_t i = 0; i < n; ++i) out << g.request(i, decisions) << '\n';
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::exit(1);
  }
  return decisions;
}

struct RunResult {
  bool ok = false;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // user + system of the child
  long max_rss_kb = 0;
  std::size_t output_lines = 0;
};

RunResult run_once(const std::string& binary, const std::string& corpus, const std::string& output) {
  RunResult r;
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) return r;
  if (pid == 0) {
    const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || dup2(fd, 1) < 0) _exit(127);
    execl(binary.c_str(), binary.c_str(), "simulate", "--requests", corpus.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return r;
  const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
  r.seconds = d.count();
  r.cpu_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  r.max_rss_kb = usage.ru_maxrss;
  r.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::ifstream in(output, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("{\"Error\"")) r.ok = false;
    ++r.output_lines;
  }
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct IgnoreAll : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, IgnoreAll> {
  bool Default() { return true; }
};

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds to read the corpus and parse every line and every policy document in it (the
// strings that hold a JSON object), the least that any `simulate --requests` on RapidJSON does.
double parse_only_seconds(const std::string& corpus) {
  const double start = thread_cpu_seconds();
  std::ifstream in(corpus, std::ios::binary);
  std::string line, policy;
  std::size_t documents = 0;
  auto parse_policy = [&](const rapidjson::Value& v) {
    if (!v.IsString() || v.GetStringLength() == 0 || v.GetString()[0] != '{') return;
    policy.assign(v.GetString(), v.GetStringLength());
    rapidjson::Reader reader;
    IgnoreAll handler;
    rapidjson::InsituStringStream stream(policy.data());
    if (!reader.Parse<rapidjson::kParseInsituFlag | rapidjson::kParseValidateEncodingFlag>(stream, handler).IsError()) {
      ++documents;
    }
  };
  while (std::getline(in, line)) {
    rapidjson::Document d;
    d.ParseInsitu(line.data());
    if (d.HasParseError() || !d.IsObject()) continue;
    for (const auto& member : d.GetObject()) {
      if (member.value.IsArray()) {
        for (const auto& v : member.value.GetArray()) parse_policy(v);
      } else {
        parse_policy(member.value);
      }
    }
  }
  return documents > 0 ? thread_cpu_seconds() - start : 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "--corpus") {
    const std::uint32_t seed = argc >= 5 ? static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10)) : kSeed;
    const std::size_t decisions = write_corpus(argv[2], std::strtoul(argv[3], nullptr, 10), seed);
    std::printf("%s: %s requests, %zu decisions\n", argv[2], argv[3], decisions);
    return 0;
  }
  const std::string binary = argc >= 2 ? argv[1] : GATEHOUSE_BINARY;
  char dir_template[] = "/tmp/gatehouse-simulate-bench-XXXXXX";
  if (!mkdtemp(dir_template)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = dir_template;
  const std::string output = dir + "/out.jsonl";

  std::printf("gatehouse simulate --requests, whole process (read, parse, validate, compile, evaluate, print), "
              "one core, median of 3\n");
  bool failed = false;
  double rss[2] = {0, 0};
  double rates[2] = {0, 0};
  const std::size_t sizes[] = {5000, 50000};
  for (int k = 0; k < 2; ++k) {
    const std::string corpus = dir + "/requests-" + std::to_string(sizes[k]) + ".jsonl";
    const std::size_t decisions = write_corpus(corpus, sizes[k], kSeed);
    std::vector<double> wall, cpu, peak;
    for (int run = 0; run < 3; ++run) {
      const RunResult r = run_once(binary, corpus, output);
      if (!r.ok || r.output_lines != sizes[k]) {
        std::fprintf(stderr, "run failed on %s: %zu lines of %zu\n", corpus.c_str(), r.output_lines, sizes[k]);
        failed = true;
        break;
      }
      wall.push_back(static_cast<double>(decisions) / r.seconds);
      cpu.push_back(static_cast<double>(decisions) / r.cpu_seconds);
      peak.push_back(static_cast<double>(r.max_rss_kb) / 1024.0);
    }
    std::vector<double> parse_only;
    for (int run = 0; !failed && run < 3; ++run) parse_only.push_back(parse_only_seconds(corpus));
    std::remove(corpus.c_str());
    if (failed) break;
    rates[k] = median(wall);
    rss[k] = median(peak);
    std::printf("  %6zu requests (%zu decisions, unique 1-4 documents each): %.0f decisions/s wall, %.0f decisions/s CPU"
                " (runs: %.0f %.0f %.0f), peak RSS %.1f MiB\n",
                sizes[k], decisions, rates[k], median(cpu), wall[0], wall[1], wall[2], rss[k]);
    const double parse_seconds = median(parse_only);
    if (parse_seconds > 0) {
      std::printf("  %6zu requests: JSON parsing alone (RapidJSON, in place, lines and documents): %.0f decisions/s"
                  " CPU -- the ceiling of any whole process on this parser\n",
                  sizes[k], static_cast<double>(decisions) / parse_seconds);
    }
  }
  std::remove(output.c_str());
  rmdir(dir.c_str());
  if (failed) return 1;
  const double growth = (rss[1] - rss[0]) / rss[0] * 100.0;
  std::printf("  peak RSS 50k vs 5k: %+.1f %%\n", growth);
  std::printf("  targets: >= 100000 decisions/s (%s), peak RSS within 10 %% (%s)\n",
              std::min(rates[0], rates[1]) >= 100000 ? "met" : "NOT met", growth <= 10.0 ? "met" : "NOT met");
  return 0;
}
