// Policy decision throughput and allocations per decision.
//   (a) a generated corpus of mixed Lambda requests over generated worlds;
//   (b) a realistic principal: 5 attached policies of 10 statements each, a
//       function policy of 20 statements and 6 context keys.
// Allocations are counted by replacing the global operator new.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "policy/compiled.h"
#include "policy/decide.h"
#include "policy/validate.h"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
// Not inlined: inlined into a caller, GCC 12 pairs the caller's `operator new` with this `free`
// and warns (-Wmismatched-new-delete), not seeing that both are these replacements.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace gatehouse::policy;

namespace {

CompiledPolicy compile(const std::string& text, PolicyType type, std::string id) {
  auto d = parse_and_validate(text, type);
  if (!d) {
    std::fprintf(stderr, "bench policy does not validate: %s\n%s\n", d.error().message.c_str(), text.c_str());
    std::exit(1);
  }
  return compile_validated(d.value(), std::move(id));
}

const char* const kActions[] = {
    "lambda:InvokeFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction", "lambda:ListFunctions", "lambda:AddPermission",
    "lambda:RemovePermission", "lambda:GetPolicy", "lambda:PublishVersion", "lambda:ListVersionsByFunction",
    "lambda:CreateAlias", "lambda:GetAlias", "lambda:UpdateAlias", "lambda:DeleteAlias", "lambda:ListAliases",
    "lambda:TagResource", "lambda:ListTags", "lambda:GetAccountSettings", "lambda:CreateFunction",
};

std::string function_arn(int i, const char* qualifier = nullptr) {
  std::string arn = "arn:aws:lambda:us-east-1:111111111111:function:team-" + std::to_string(i % 40) + "-fn";
  if (qualifier) arn += std::string(":") + qualifier;
  return arn;
}

// Ten statements mixing exact actions, wildcards, NotAction, NotResource and conditions.
std::string identity_policy(int seed) {
  std::string s = R"({"Version":"2012-10-17","Statement":[)";
  for (int i = 0; i < 10; ++i) {
    if (i) s += ",";
    const int k = seed * 10 + i;
    switch (k % 5) {
      case 0:
        s += R"({"Effect":"Allow","Action":["lambda:Get*","lambda:List*"],"Resource":"arn:aws:lambda:us-east-1:111111111111:function:team-)" +
             std::to_string(k % 40) + R"(-*"})";
        break;
      case 1:
        s += R"({"Effect":"Allow","Action":"lambda:InvokeFunction","Resource":")" + function_arn(k) +
             R"(","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"Bool":{"aws:SecureTransport":"true"}}})";
        break;
      case 2:
        s += R"({"Effect":"Deny","Action":"lambda:DeleteFunction","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}})";
        break;
      case 3:
        s += R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-)" + std::to_string(k) +
             R"(/${aws:username}/*"})";
        break;
      default:
        s += R"({"Effect":"Allow","Action":"lambda:UpdateFunctionCode","Resource":"arn:aws:lambda:*:111111111111:function:${aws:username}-*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}})";
        break;
    }
  }
  return s + "]}";
}

std::string function_policy() {
  std::string s = R"({"Version":"2012-10-17","Id":"default","Statement":[)";
  for (int i = 0; i < 20; ++i) {
    if (i) s += ",";
    switch (i % 4) {
      case 0:
        s += R"({"Sid":"s3-)" + std::to_string(i) +
             R"(","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":")" +
             function_arn(0) + R"(","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::bucket-)" + std::to_string(i) +
             R"("},"StringEquals":{"AWS:SourceAccount":"111111111111"}}})";
        break;
      case 1:
        s += R"({"Sid":"xacct-)" + std::to_string(i) +
             R"(","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::2222222222)" + std::to_string(10 + i) +
             R"(:root"},"Action":"lambda:GetFunction","Resource":")" + function_arn(0) + R"("})";
        break;
      case 2:
        s += R"({"Sid":"apigw-)" + std::to_string(i) +
             R"(","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":")" +
             function_arn(0) + R"(","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:111111111111:api)" +
             std::to_string(i) + R"(/*/GET/items"}}})";
        break;
      default:
        s += R"({"Sid":"role-)" + std::to_string(i) +
             R"(","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/app/worker-)" + std::to_string(i) +
             R"("},"Action":"lambda:InvokeFunction","Resource":")" + function_arn(0) + R"("})";
        break;
    }
  }
  return s + "]}";
}

struct Case {
  std::string action;
  std::string resource;
  Caller caller;
  RequestContext context;
  const CompiledPolicy* resource_policy = nullptr;
};

void add_globals(RequestContext& c, std::mt19937& rng) {
  c.set("aws:SourceIp", (rng() % 2) ? "10.1.2.3" : "203.0.113.9");
  c.set("aws:SecureTransport", (rng() % 4) ? "true" : "false");
  c.set("aws:CurrentTime", "2026-11-24T12:00:00Z");
  c.set("aws:EpochTime", "1795521600");
  c.set("aws:RequestedRegion", "us-east-1");
}

template <class F>
double rate(std::size_t iterations, F&& body) {
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < iterations; ++i) body(i);
  const std::chrono::duration<double> d = std::chrono::steady_clock::now() - start;
  return static_cast<double>(iterations) / d.count();
}

}  // namespace

int main() {
  std::mt19937 rng(20261124);

  // Shared policies: 5 identity policies, a boundary, a function policy.
  std::vector<CompiledPolicy> identity_storage;
  for (int i = 0; i < 5; ++i) identity_storage.push_back(compile(identity_policy(i), PolicyType::Identity, "I" + std::to_string(i)));
  std::vector<const CompiledPolicy*> identity;
  for (const auto& p : identity_storage) identity.push_back(&p);
  const CompiledPolicy rp = compile(function_policy(), PolicyType::Resource, "RP");

  // (a) corpus of mixed cases: users, sessions, other accounts, services.
  std::vector<Case> corpus(6000);
  const char* callers[] = {"arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/team-3-dev",
                           "arn:aws:sts::111111111111:assumed-role/worker-3/s1", "arn:aws:iam::222222222213:user/bob",
                           "arn:aws:iam::111111111111:root", "s3.amazonaws.com", "apigateway.amazonaws.com"};
  for (auto& c : corpus) {
    c.action = kActions[rng() % std::size(kActions)];
    const bool wildcard_only = c.action == "lambda:ListFunctions" || c.action == "lambda:GetAccountSettings";
    c.resource = wildcard_only ? "*" : function_arn(static_cast<int>(rng() % 50), (rng() % 5 == 0) ? "PROD" : nullptr);
    c.caller = *caller_from_arn(callers[rng() % std::size(callers)]);
    if (rng() % 2) c.caller.tags["team"] = (rng() % 2) ? "platform" : "data";
    add_principal_keys(c.caller, c.context);
    add_globals(c.context, rng);
    c.context.set("aws:SourceArn", "arn:aws:s3:::bucket-" + std::to_string(rng() % 24));
    c.resource_policy = (rng() % 3) ? &rp : nullptr;
  }

  std::size_t allowed = 0;
  const std::uint64_t a0 = g_allocations.load();
  const double corpus_rate = rate(corpus.size() * 50, [&](std::size_t i) {
    const Case& c = corpus[i % corpus.size()];
    PolicySet set;
    set.identity = identity;
    set.resource = c.resource_policy;
    Request r{c.action, c.resource, {}, &c.caller, &c.context};
    allowed += decide(set, r).decision == Decision::Allowed;
  });
  const std::uint64_t corpus_allocs = g_allocations.load() - a0;

  // (b) one realistic principal: 5 x 10 statements, a 20-statement function policy, 6 context keys.
  Caller alice = *caller_from_arn("arn:aws:iam::111111111111:user/team-0-dev");
  RequestContext context;
  context.set("aws:username", "team-0-dev");
  context.set("aws:PrincipalTag/team", "platform");
  context.set("aws:SourceIp", "10.1.2.3");
  context.set("aws:SecureTransport", "true");
  context.set("aws:CurrentTime", "2026-11-24T12:00:00Z");
  context.set("aws:PrincipalArn", alice.arn);
  PolicySet set;
  set.identity = identity;
  set.resource = &rp;
  const std::string resource = function_arn(0);
  const char* principal_actions[] = {"lambda:InvokeFunction", "lambda:GetFunction", "lambda:DeleteFunction",
                                     "lambda:UpdateFunctionCode"};
  std::size_t principal_allowed = 0;
  const std::uint64_t b0 = g_allocations.load();
  const std::size_t principal_iterations = 4'000'000;
  const double principal_rate = rate(principal_iterations, [&](std::size_t i) {
    Request r{principal_actions[i & 3], resource, {}, &alice, &context};
    principal_allowed += decide(set, r).decision == Decision::Allowed;
  });
  const std::uint64_t principal_allocs = g_allocations.load() - b0;

  std::printf("policy decisions, one core\n");
  std::printf("  (a) corpus of %zu mixed Lambda cases: %.0f decisions/s (%zu allowed of %zu), %.3f allocations/decision\n",
              corpus.size(), corpus_rate, allowed, corpus.size() * 50,
              static_cast<double>(corpus_allocs) / static_cast<double>(corpus.size() * 50));
  std::printf("  (b) realistic principal (5x10 identity statements, 20-statement function policy, 6 keys): %.0f decisions/s"
              " (%zu allowed), %llu heap allocations in %zu decisions\n",
              principal_rate, principal_allowed, static_cast<unsigned long long>(principal_allocs), principal_iterations);
  std::printf("  targets: (b) >= 1000000 decisions/s, 0 allocations per decision\n");
  return principal_allocs == 0 && corpus_allocs == 0 ? 0 : 1;
}
