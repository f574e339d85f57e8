// What Lambda itself checks with the function's execution role before it stores a
// configuration that will use the role (spec/lambda-api.md 9 steps 9 and 10, lambda-actions.json
// CreateEventSourceMapping, seed-notes 10.5 and 11). The caller's own permissions were
// decided by the dispatch; here the role is the caller, through the same pipeline.
#include <array>

#include "policy/arn.h"
#include "server/authz/execution_role.h"
#include "server/control/handlers.h"

namespace gatehouse::server::control {
namespace {

using lambda::LambdaError;

LambdaError invalid(std::string message) {
  return lambda::make_error(lambda::error_type::kInvalidParameterValue, 400, std::move(message));
}

// The actions a poller performs on each kind of source; the stream message names them.
constexpr std::array<std::string_view, 4> kKinesisRead = {"kinesis:GetRecords", "kinesis:GetShardIterator",
                                                          "kinesis:DescribeStream", "kinesis:ListStreams"};
constexpr std::array<std::string_view, 4> kDynamoDbRead = {"dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                                           "dynamodb:DescribeStream", "dynamodb:ListStreams"};
constexpr std::array<std::string_view, 3> kSqsRead = {"sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                      "sqs:GetQueueAttributes"};
// What Lambda does in a VPC with the role's credentials (lambda-api 9 step 10).
constexpr std::array<std::string_view, 3> kNetworkInterfaces = {
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"};

// Lambda's refusal naming the action without its service prefix ("SendMessage on SQS").
LambdaError role_cannot_call(std::string_view action, std::string_view service_label) {
  return invalid("The provided execution role does not have permissions to call " +
                 std::string(action.substr(action.find(':') + 1)) + " on " + std::string(service_label));
}

// The role's first refusal among `actions` on `resource`, if any.
policy::Result<std::optional<authz::RoleDenial>, LambdaError> first_refusal(const store::Store& store,
                                                                            const Call& call,
                                                                            std::string_view role_arn,
                                                                            std::span<const std::string_view> actions,
                                                                            std::string_view resource) {
  std::vector<authz::RoleAction> wanted;
  wanted.reserve(actions.size());
  for (std::string_view action : actions) wanted.push_back({action, resource});
  const std::string function_arn = call.function->unqualified_arn();
  const authz::RoleUse use{role_arn, function_arn, call.function->name, call.region};
  auto refused = authz::authorize_role(call.pipeline, store, use, wanted);
  if (!refused) return to_lambda_error(refused.error());
  return std::move(refused).value();
}

// DeadLetterConfig.TargetArn: the role must be able to send to it.
policy::Result<void, LambdaError> check_dead_letter_role(const store::Store& store, const Call& call,
                                                         std::string_view role_arn, std::string_view target) {
  if (target.empty()) return policy::success();  // "" clears the target (lambda-api 4.2)
  const auto arn = policy::parse_arn(target);
  const std::string_view service = arn ? arn->service : std::string_view();
  if (service != "sqs" && service != "sns") {
    return invalid("The provided DeadLetterConfig target is neither an SQS queue nor an SNS topic: " +
                   std::string(target));
  }
  const bool queue = service == "sqs";
  const std::array<std::string_view, 1> action = {queue ? "sqs:SendMessage" : "sns:Publish"};
  auto refused = first_refusal(store, call, role_arn, action, target);
  if (!refused) return refused.error();
  if (!refused.value()) return policy::success();
  return role_cannot_call(action[0], queue ? "SQS" : "SNS");
}

}  // namespace

policy::Result<void, LambdaError> check_configuration_role(const store::Store& store, const Call& call,
                                                           std::string_view role_arn,
                                                           const store::FunctionConfigUpdate& update) {
  if (update.dead_letter_target) {
    if (auto ok = check_dead_letter_role(store, call, role_arn, *update.dead_letter_target); !ok) return ok;
  }
  // Empty lists take the function out of the VPC: no network interfaces, nothing to check.
  if (update.vpc && (!update.vpc->subnet_ids.empty() || !update.vpc->security_group_ids.empty())) {
    auto refused = first_refusal(store, call, role_arn, kNetworkInterfaces, "*");
    if (!refused) return refused.error();
    if (refused.value()) return role_cannot_call(refused.value()->action.action, "EC2");
  }
  return policy::success();
}

policy::Result<void, LambdaError> check_event_source_role(const store::Store& store, const Call& call,
                                                          std::string_view source_arn, bool has_starting_position) {
  const auto arn = policy::parse_arn(source_arn);
  const std::string_view service = arn ? arn->service : std::string_view();
  const bool stream = service == "kinesis" || service == "dynamodb";
  // Sources the store refuses on their own (unknown kind, a stream without a starting
  // position) and sources without a poller role (Kafka) are not checked here.
  if (!(stream && has_starting_position) && service != "sqs") return policy::success();
  // The role of exactly what the mapping invokes: $LATEST, the version, the alias's version.
  auto view = store.read([&](const store::Snapshot& s) { return s.get_function(call.function_ref(), call.qualifier()); });
  if (!view) {
    if (view.error().http_status >= 500) return to_lambda_error(view.error());
    return policy::success();  // the store answers "Function does not exist"
  }
  using Actions = std::span<const std::string_view>;
  const Actions actions = service == "kinesis"    ? Actions(kKinesisRead)
                          : service == "dynamodb" ? Actions(kDynamoDbRead)
                                                  : Actions(kSqsRead);
  auto refused = first_refusal(store, call, view.value().config.role, actions, source_arn);
  if (!refused) return refused.error();
  if (!refused.value()) return policy::success();
  if (!stream) {
    return role_cannot_call(refused.value()->action.action, "SQS");
  }
  return invalid("Cannot access stream " + std::string(source_arn) +
                 ". Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and "
                 "ListStreams Actions on your stream in IAM.");
}

}  // namespace gatehouse::server::control
