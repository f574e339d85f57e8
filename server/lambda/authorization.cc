#include "server/lambda/authorization.h"

#include <algorithm>

#include "policy/arn.h"

namespace gatehouse::server::lambda {
namespace {

bool carries_key(const OperationInfo& info, std::string_view key) {
  return std::find(info.condition_keys.begin(), info.condition_keys.end(), key) != info.condition_keys.end();
}

constexpr std::string_view kResourceTagKeys = "aws:ResourceTag/${TagKey}";
constexpr std::string_view kRequestTagKeys = "aws:RequestTag/${TagKey}";

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view name) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(rapidjson::StringRef(name.data(), name.size()));
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}

std::vector<std::string> strings_of(const rapidjson::Value& list) {
  std::vector<std::string> out;
  for (const auto& item : list.GetArray()) out.emplace_back(item.GetString(), item.GetStringLength());
  return out;
}

// aws:RequestTag/<k> per tag and aws:TagKeys in request order ("Controlling access to AWS
// resources using tags"; policy-semantics 4.4); on CreateFunction also aws:ResourceTag/<k>.
std::vector<ContextEntry> tag_entries(const rapidjson::Value& tags, bool as_resource_tags) {
  std::vector<ContextEntry> out;
  ContextEntry keys{"aws:TagKeys", {}, true};
  for (const auto& tag : tags.GetObject()) {
    const std::string key(tag.name.GetString(), tag.name.GetStringLength());
    const std::string value(tag.value.GetString(), tag.value.GetStringLength());
    out.push_back({"aws:RequestTag/" + key, {value}, false});
    if (as_resource_tags) out.push_back({"aws:ResourceTag/" + key, {value}, false});
    keys.values.push_back(key);
  }
  out.push_back(std::move(keys));
  return out;
}

// iam:PassRole on the execution role (policy-semantics 6.4, 6.5).
ExtraAuthorization pass_role(std::string_view role_arn, const ResolvedFunction& function) {
  ExtraAuthorization check;
  check.action = "iam:PassRole";
  check.resource = std::string(role_arn);
  check.context = {{"iam:PassedToService", {"lambda.amazonaws.com"}, false},
                   {"iam:AssociatedResourceArn", {function.unqualified_arn()}, false}};
  const auto role = policy::parse_arn(role_arn);
  if (role && role->account != function.account) {
    // Only roles of the function's own account can be passed [Observed] (policy-semantics 6.4).
    check.refusal = make_error(error_type::kAccessDenied, 403, "Cross-account pass role is not allowed.");
  }
  return check;
}

void add_configuration_facts(const LambdaRequest& request, const OperationInfo& info,
                             const ResolvedFunction& function, AuthorizationFacts& facts) {
  const rapidjson::Value& body = request.body;
  if (const rapidjson::Value* role = member(body, "Role")) {
    facts.extra.push_back(pass_role({role->GetString(), role->GetStringLength()}, function));
  }
  if (const rapidjson::Value* layers = member(body, "Layers"); layers && carries_key(info, "lambda:Layer")) {
    std::vector<std::string> arns = strings_of(*layers);
    for (const std::string& arn : arns) facts.extra.push_back({"lambda:GetLayerVersion", arn, {}});
    facts.context.push_back({"lambda:Layer", std::move(arns), true});
  }
  if (const rapidjson::Value* vpc = member(body, "VpcConfig")) {
    // lambda:VpcIds comes from the subnets' VPC, which the service does not model: absent.
    if (const rapidjson::Value* subnets = member(*vpc, "SubnetIds"); subnets && carries_key(info, "lambda:SubnetIds")) {
      facts.context.push_back({"lambda:SubnetIds", strings_of(*subnets), true});
    }
    if (const rapidjson::Value* groups = member(*vpc, "SecurityGroupIds");
        groups && carries_key(info, "lambda:SecurityGroupIds")) {
      facts.context.push_back({"lambda:SecurityGroupIds", strings_of(*groups), true});
    }
  }
  if (auto csc = request.body_string("CodeSigningConfigArn"); csc && carries_key(info, "lambda:CodeSigningConfigArn")) {
    facts.context.push_back({"lambda:CodeSigningConfigArn", {std::string(*csc)}, false});
  }
}

}  // namespace

policy::Result<Resolution, LambdaError> resolve_request(const LambdaRequest& request, const CallerView& caller) {
  const OperationInfo& info = operation_info(request.operation);
  Resolution out;
  if (request.function_name) {
    const std::optional<std::string_view> query_qualifier =
        request.qualifier ? std::optional<std::string_view>(*request.qualifier) : std::nullopt;
    auto resolved = resolve_function(*request.function_name, query_qualifier, caller, request.operation);
    if (!resolved) return resolved.error();
    out.function = std::move(resolved).value();
  }
  AuthorizationFacts& facts = out.authorization;
  facts.action = info.iam_action;
  facts.cross_account_capable = info.cross_account;
  facts.resource_account = std::string(caller.account);
  if (!info.resource_level) {
    facts.resource = "*";
  } else if (request.uuid) {
    out.mapping = ResolvedMapping{std::string(caller.account), std::string(caller.region), *request.uuid};
    facts.resource = out.mapping->arn();
  } else if (out.function) {
    facts.function_is_resource = true;
    const ResolvedFunction& f = *out.function;
    const bool qualified = f.qualifier && info.resource_when_qualified;
    facts.resource = expand_template(qualified ? *info.resource_when_qualified : info.resource,
                                     {.region = f.region,
                                      .account = f.account,
                                      .function = f.name,
                                      .qualifier = qualified ? std::string_view(*f.qualifier) : std::string_view{}});
    facts.resource_account = f.account;
  }
  facts.cross_account = facts.resource_account != caller.account;
  facts.needs_resource_tags = carries_key(info, kResourceTagKeys) && request.operation != Operation::CreateFunction;

  const rapidjson::Value& body = request.body;
  switch (request.operation) {
    case Operation::AddPermission:
      if (auto principal = request.body_string("Principal")) {
        facts.context.push_back({"lambda:Principal", {std::string(*principal)}, false});
      }
      if (auto type = request.body_string("FunctionUrlAuthType")) {
        facts.context.push_back({"lambda:FunctionUrlAuthType", {std::string(*type)}, false});
      }
      break;
    case Operation::RemovePermission:
      facts.needs_statement_principal = true;
      break;
    case Operation::CreateFunction:
      add_configuration_facts(request, info, *out.function, facts);
      if (const rapidjson::Value* tags = member(body, "Tags")) {
        std::vector<ContextEntry> entries = tag_entries(*tags, true);
        // Tag-on-create also needs lambda:TagResource (lambda-actions.json alsoRequires).
        ExtraAuthorization tag_resource{"lambda:TagResource", out.function->unqualified_arn(), {}};
        for (const ContextEntry& entry : entries) {
          if (!entry.key.starts_with("aws:ResourceTag/")) tag_resource.context.push_back(entry);
        }
        facts.extra.push_back(std::move(tag_resource));
        facts.context.insert(facts.context.end(), entries.begin(), entries.end());
      }
      break;
    case Operation::UpdateFunctionConfiguration:
      add_configuration_facts(request, info, *out.function, facts);
      break;
    case Operation::CreateEventSourceMapping:
      if (out.function) facts.context.push_back({"lambda:FunctionArn", {out.function->arn()}, false});
      if (const rapidjson::Value* tags = member(body, "Tags"); tags && carries_key(info, kRequestTagKeys)) {
        std::vector<ContextEntry> entries = tag_entries(*tags, false);
        // Tag-on-create also needs lambda:TagResource (lambda-actions.json alsoRequires). The
        // mapping's UUID is not chosen yet: its ARN ends in `*`, as EC2 authorizes tags on an
        // instance that RunInstances is creating (docs/compatibility.md).
        const ResolvedMapping created{std::string(caller.account), std::string(caller.region), "*"};
        facts.extra.push_back({"lambda:TagResource", created.arn(), entries});
        facts.context.insert(facts.context.end(), entries.begin(), entries.end());
      }
      break;
    case Operation::UpdateEventSourceMapping:
      // The call acts on the mapping's current function: that is what it is authorized for. A new
      // target is authorized a second time, and both must allow (lambda-actions.json notes).
      facts.needs_mapping_function_arn = true;
      if (out.function) {
        facts.extra.push_back(
            {facts.action, facts.resource, {{"lambda:FunctionArn", {out.function->arn()}, false}}, CheckMode::Require,
             /*resource_tags=*/true});
      }
      break;
    case Operation::GetEventSourceMapping:
    case Operation::DeleteEventSourceMapping:
      facts.needs_mapping_function_arn = true;
      break;
    case Operation::InvokeAsync:
      // Authorized as lambda:InvokeFunction; an explicit deny of the deprecated
      // lambda:InvokeAsync also refuses it (lambda-actions.json notes).
      facts.extra.push_back({"lambda:InvokeAsync", facts.resource, {}, CheckMode::DenyOnly, true});
      break;
    case Operation::GetFunction:
      facts.extra.push_back({"lambda:ListTags", out.function->unqualified_arn(), {}, CheckMode::Soft, true});
      break;
    default:
      break;
  }
  return out;
}

std::string ResolvedMapping::arn() const {
  return expand_template(operation_info(Operation::GetEventSourceMapping).resource,
                         {.region = region, .account = account, .uuid = uuid});
}

void add_to_context(std::span<const ContextEntry> entries, policy::RequestContext& context) {
  for (const ContextEntry& entry : entries) {
    if (entry.multi) {
      context.set_list(entry.key, entry.values);
    } else if (!entry.values.empty()) {
      context.set(entry.key, entry.values.front());
    }
  }
}

}  // namespace gatehouse::server::lambda
