#include "store/aws_managed_policies.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "store/iam_common.h"

namespace gatehouse::store {

namespace data {
extern const std::string_view kAwsManagedPoliciesJson;
}

namespace {

// 2015-04-09T15:03:43Z -> milliseconds since the epoch.
Millis parse_iso8601(const char* text) {
  std::tm tm{};
  if (std::sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec) != 6) {
    std::abort();  // INVARIANT: the embedded data file is checked by the tests
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<Millis>(timegm(&tm)) * 1000;
}

std::vector<AwsManagedPolicy> parse() {
  rapidjson::Document doc;
  doc.Parse(data::kAwsManagedPoliciesJson.data(), data::kAwsManagedPoliciesJson.size());
  // INVARIANT: the embedded file is valid JSON of this shape (tests load every entry).
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("policies")) std::abort();
  std::vector<AwsManagedPolicy> out;
  for (const auto& p : doc["policies"].GetArray()) {
    AwsManagedPolicy policy;
    policy.name = p["name"].GetString();
    policy.path = p["path"].GetString();
    policy.arn = detail::policy_arn(kAwsAccount, policy.path, policy.name);
    policy.policy_id = p["policyId"].GetString();
    policy.default_version = p["defaultVersion"].GetString();
    policy.description = p["description"].GetString();
    policy.created = parse_iso8601(p["createDate"].GetString());
    policy.updated = parse_iso8601(p["updateDate"].GetString());
    policy.deprecated = p["deprecated"].GetBool();
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    p["document"].Accept(writer);
    policy.document.assign(buffer.GetString(), buffer.GetSize());
    out.push_back(std::move(policy));
  }
  return out;
}

}  // namespace

const std::vector<AwsManagedPolicy>& aws_managed_policies() {
  static const std::vector<AwsManagedPolicy> policies = parse();
  return policies;
}

Result<void> seed_aws_managed_policies(Mutation& m) {
  const auto& db = m.state().db;
  for (const auto& p : aws_managed_policies()) {
    if (db.policies.get(m.transaction(), p.arn)) continue;
    ManagedPolicy policy;
    policy.arn = p.arn;
    policy.account = std::string(kAwsAccount);
    policy.name = p.name;
    policy.path = p.path;
    policy.id = p.policy_id;
    policy.description = p.description;
    policy.created = p.created;
    policy.updated = p.updated;
    policy.default_version = p.default_version;
    policy.next_version = static_cast<std::uint32_t>(std::stoul(p.default_version.substr(1)) + 1);
    policy.versions.push_back(PolicyVersion{p.default_version, p.document, p.updated, m.next_revision()});
    policy.aws_managed = true;
    policy.deprecated = p.deprecated;
    db.unique_ids.put(m.transaction(), policy.id, policy.arn);
    db.policy_names.put(m.transaction(), keys::policy_name(kAwsAccount, policy.name), policy.arn);
    detail::save(m.transaction(), db.policies, policy.arn, policy);
  }
  return success();
}

}  // namespace gatehouse::store
