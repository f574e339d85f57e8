// Shared helpers for the policy tests: compile text, build callers and contexts.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "policy/compiled.h"
#include "policy/decide.h"
#include "policy/validate.h"

namespace gatehouse::policy::testing {

inline CompiledPolicy compile_text(const std::string& text, PolicyType type, std::string id = "p") {
  auto document = parse_and_validate(text, type);
  if (!document) FAIL("policy does not validate: " << document.error().message << "\n" << text);
  return compile_validated(document.value(), std::move(id));
}

inline Caller caller(const std::string& arn) {
  auto c = caller_from_arn(arn);
  if (!c) FAIL("not a caller ARN: " << arn);
  return *c;
}

// Holds compiled policies and lends them to a PolicySet.
struct World {
  std::vector<std::unique_ptr<CompiledPolicy>> storage;
  std::vector<const CompiledPolicy*> identity;
  std::vector<const CompiledPolicy*> session;
  PolicySet set;

  const CompiledPolicy* add(const std::string& text, PolicyType type, std::string id) {
    storage.push_back(std::make_unique<CompiledPolicy>(compile_text(text, type, std::move(id))));
    return storage.back().get();
  }
  void identity_policy(const std::string& text) { identity.push_back(add(text, PolicyType::InlineUser, "I" + std::to_string(identity.size() + 1))); }
  void boundary(const std::string& text) { set.boundary = add(text, PolicyType::Boundary, "B"); }
  void session_policy(const std::string& text) { session.push_back(add(text, PolicyType::Session, "S")); }
  void resource_policy(const std::string& text, ResourcePolicyKind kind = ResourcePolicyKind::Function) {
    set.resource = add(text, kind == ResourcePolicyKind::Trust ? PolicyType::Trust : PolicyType::SimulatorResource, "RP");
    set.resource_kind = kind;
  }
  const PolicySet& policies() {
    set.identity = identity;
    set.session = session;
    return set;
  }
};

inline std::string doc(const std::string& statements) {
  return R"({"Version":"2012-10-17","Statement":[)" + statements + "]}";
}

}  // namespace gatehouse::policy::testing
