#!/usr/bin/env python3
"""Each of the 25 Lambda operations through boto3 against the real `gatehouse serve`, once
allowed and once denied (AccessDeniedException with the spec's action, resource and reason
clause, taken from policy/data/lambda-actions.json), then the seed's function-policy examples end to
end: S3 with SourceArn/SourceAccount and API Gateway (the stored statement, evaluated as the
service principal by `gatehouse simulate`), cross-account Invoke only through the function
policy, and the qualifier rules (a permission on an alias, a version, the unqualified ARN).
Loopback only, ephemeral port, bounded in time.

usage: lambda_boto3_actions_test.py GATEHOUSE_BINARY LAMBDA_ACTIONS_JSON"""
import json
import os
import subprocess
import sys
import tempfile

from lambda_boto3_harness import REGION, check, client, error_of, package, start, stop, summary

A, B = "111111111111", "222222222222"
ADMIN = ("AKIAADMINEXAMPLE0001", "adminSecretEXAMPLEadminSecretEXAMPLE0000")
DAVE = ("AKIADAVEEXAMPLE00001", "daveSecretEXAMPLEdaveSecretEXAMPLEdave00")
BOB = ("AKIABOBEXAMPLE000001", "bobSecretEXAMPLEbobSecretEXAMPLEbob00000")
EXEC_ROLE = "arn:aws:iam::%s:role/service/lambda-exec" % A
QUEUE = "arn:aws:sqs:%s:%s:jobs" % (REGION, A)
DLQ = "arn:aws:sqs:%s:%s:dlq" % (REGION, A)
STREAM = "arn:aws:kinesis:%s:%s:stream/orders" % (REGION, A)
FN = "fn"
FN_ARN = "arn:aws:lambda:%s:%s:function:%s" % (REGION, A, FN)
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}

WORLD = {
    "region": REGION,
    "accounts": [
        {"id": A,
         "rootAccessKeys": [],
         "users": [
             {"name": "admin", "accessKeys": [{"accessKeyId": ADMIN[0], "secretAccessKey": ADMIN[1]}],
              "inlinePolicies": {"admin": {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
                  {"Effect": "Allow", "Action": "iam:PassRole", "Resource": EXEC_ROLE,
                   "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}]}}},
             {"name": "dave", "accessKeys": [{"accessKeyId": DAVE[0], "secretAccessKey": DAVE[1]}]}],
         "roles": [
             {"name": "lambda-exec", "path": "/service/", "assumeRolePolicy": LAMBDA_TRUST,
              "inlinePolicies": {"poller": {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                 "sqs:GetQueueAttributes"], "Resource": QUEUE},
                  {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": DLQ}]}}}]},
        {"id": B,
         "rootAccessKeys": [],
         "users": [
             {"name": "bob", "accessKeys": [{"accessKeyId": BOB[0], "secretAccessKey": BOB[1]}],
              "inlinePolicies": {"invoke": {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}}}]},
    ],
}

def status_of(response):
    return response["ResponseMetadata"]["HTTPStatusCode"]


def expected_denial(spec, operation, caller, function=FN, uuid=""):
    """The AccessDenied message policy-semantics 7.1 gives, for the operation's action and
    resource as lambda-actions.json lists them (unqualified calls)."""
    entry = spec[operation]
    resource = entry["resource"].format(region=REGION, account=A, function=function, uuid=uuid)
    action = entry["iamAction"]
    return ("User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows "
            "the %s action" % (caller, action, resource, action))


def run_actions(spec, admin, dave):
    """The 25 operations, each allowed for admin and denied for dave (no policies)."""
    dave_arn = "arn:aws:iam::%s:user/dave" % A
    covered = set()

    def denied(operation, call, **names):
        covered.add(operation)
        got = error_of(call)
        want = ("AccessDeniedException", expected_denial(spec, operation, dave_arn, **names), 403)
        check("%s denied" % operation, got == want, "%r != %r" % (got, want))

    def unchanged(operation, ok):
        check("%s refused: the target reads back unchanged" % operation, ok)

    def allowed(operation, ok, detail=""):
        covered.add(operation + "+")
        check("%s allowed" % operation, ok, detail)

    # Functions.
    denied("CreateFunction", lambda: dave.create_function(
        FunctionName=FN, Runtime="python3.12", Handler="app.handler", Role=EXEC_ROLE, Code={"ZipFile": package()}))
    # Every refused write is read back before the admin writes anything: the refusal left no trace.
    unchanged("CreateFunction", error_of(lambda: admin.get_function(FunctionName=FN)) is not None)
    created = admin.create_function(FunctionName=FN, Runtime="python3.12", Handler="app.handler", Role=EXEC_ROLE,
                                    Code={"ZipFile": package()})
    allowed("CreateFunction", status_of(created) == 201 and created["FunctionArn"] == FN_ARN, created)

    denied("GetFunction", lambda: dave.get_function(FunctionName=FN))
    got = admin.get_function(FunctionName=FN)
    allowed("GetFunction", got["Configuration"]["FunctionArn"] == FN_ARN, got)

    denied("GetFunctionConfiguration", lambda: dave.get_function_configuration(FunctionName=FN))
    got = admin.get_function_configuration(FunctionName=FN)
    allowed("GetFunctionConfiguration", got["State"] == "Active" and got["Runtime"] == "python3.12", got)

    denied("ListFunctions", lambda: dave.list_functions())
    names = [f["FunctionName"] for f in admin.list_functions()["Functions"]]
    allowed("ListFunctions", names == [FN], names)

    denied("GetAccountSettings", lambda: dave.get_account_settings())
    settings = admin.get_account_settings()
    allowed("GetAccountSettings", settings["AccountLimit"]["CodeSizeUnzipped"] == 262144000 and
            settings["AccountUsage"]["FunctionCount"] == 1, settings)

    denied("UpdateFunctionCode", lambda: dave.update_function_code(
        FunctionName=FN, ZipFile=package("def handler(e, c):\n    return 'refused'\n")))
    unchanged("UpdateFunctionCode",
              admin.get_function_configuration(FunctionName=FN)["CodeSha256"] == created["CodeSha256"])
    code = admin.update_function_code(FunctionName=FN, ZipFile=package("def handler(e, c):\n    return 1\n"))
    allowed("UpdateFunctionCode", code["CodeSha256"] != created["CodeSha256"], code)

    denied("UpdateFunctionConfiguration", lambda: dave.update_function_configuration(FunctionName=FN, Timeout=77))
    unchanged("UpdateFunctionConfiguration", admin.get_function_configuration(FunctionName=FN)["Timeout"] == 3)
    config = admin.update_function_configuration(FunctionName=FN, Timeout=10, DeadLetterConfig={"TargetArn": DLQ})
    allowed("UpdateFunctionConfiguration", config["Timeout"] == 10 and
            config["DeadLetterConfig"]["TargetArn"] == DLQ, config)

    # Versions and aliases.
    denied("PublishVersion", lambda: dave.publish_version(FunctionName=FN, Description="refused"))
    unchanged("PublishVersion", [v["Version"] for v in admin.list_versions_by_function(FunctionName=FN)["Versions"]]
              == ["$LATEST"])
    version = admin.publish_version(FunctionName=FN)
    allowed("PublishVersion", status_of(version) == 201 and version["Version"] == "1", version)

    denied("ListVersionsByFunction", lambda: dave.list_versions_by_function(FunctionName=FN))
    versions = [v["Version"] for v in admin.list_versions_by_function(FunctionName=FN)["Versions"]]
    allowed("ListVersionsByFunction", versions == ["$LATEST", "1"], versions)

    denied("CreateAlias", lambda: dave.create_alias(FunctionName=FN, Name="refused", FunctionVersion="1"))
    unchanged("CreateAlias", admin.list_aliases(FunctionName=FN)["Aliases"] == [])
    alias = admin.create_alias(FunctionName=FN, Name="live", FunctionVersion="1")
    allowed("CreateAlias", status_of(alias) == 201 and alias["AliasArn"] == FN_ARN + ":live", alias)

    denied("GetAlias", lambda: dave.get_alias(FunctionName=FN, Name="live"))
    allowed("GetAlias", admin.get_alias(FunctionName=FN, Name="live")["FunctionVersion"] == "1")

    denied("UpdateAlias", lambda: dave.update_alias(FunctionName=FN, Name="live", Description="refused"))
    unchanged("UpdateAlias", admin.get_alias(FunctionName=FN, Name="live").get("Description", "") == "")
    allowed("UpdateAlias", admin.update_alias(FunctionName=FN, Name="live", Description="d")["Description"] == "d")

    denied("ListAliases", lambda: dave.list_aliases(FunctionName=FN))
    aliases = [a["Name"] for a in admin.list_aliases(FunctionName=FN)["Aliases"]]
    allowed("ListAliases", aliases == ["live"], aliases)

    # Function policy.
    denied("AddPermission", lambda: dave.add_permission(FunctionName=FN, StatementId="refused",
                                                        Action="lambda:GetFunction", Principal=B))
    unchanged("AddPermission", error_of(lambda: admin.get_policy(FunctionName=FN)) is not None)
    added = admin.add_permission(FunctionName=FN, StatementId="s", Action="lambda:GetFunction", Principal=B)
    allowed("AddPermission", status_of(added) == 201 and json.loads(added["Statement"])["Sid"] == "s", added)

    denied("GetPolicy", lambda: dave.get_policy(FunctionName=FN))
    policy = json.loads(admin.get_policy(FunctionName=FN)["Policy"])
    allowed("GetPolicy", [s["Sid"] for s in policy["Statement"]] == ["s"], policy)

    denied("RemovePermission", lambda: dave.remove_permission(FunctionName=FN, StatementId="s"))
    unchanged("RemovePermission",
              [s["Sid"] for s in json.loads(admin.get_policy(FunctionName=FN)["Policy"])["Statement"]] == ["s"])
    removed = admin.remove_permission(FunctionName=FN, StatementId="s")
    allowed("RemovePermission", status_of(removed) == 204, removed)

    # Invocation: DryRun completes; InvokeAsync queues the event (tests/server/invoke_boto3_test.py runs them).
    denied("Invoke", lambda: dave.invoke(FunctionName=FN, InvocationType="DryRun"))
    allowed("Invoke", admin.invoke(FunctionName=FN, InvocationType="DryRun")["StatusCode"] == 204)

    denied("InvokeAsync", lambda: dave.invoke_async(FunctionName=FN, InvokeArgs=b"{}"))
    queued = admin.invoke_async(FunctionName=FN, InvokeArgs=b"{}")
    allowed("InvokeAsync", queued["Status"] == 202, queued)

    # Event-source mappings (the execution role may read the queue).
    denied("CreateEventSourceMapping", lambda: dave.create_event_source_mapping(EventSourceArn=QUEUE,
                                                                                FunctionName=FN))
    unchanged("CreateEventSourceMapping", admin.list_event_source_mappings()["EventSourceMappings"] == [])
    mapping = admin.create_event_source_mapping(EventSourceArn=QUEUE, FunctionName=FN)
    uuid = mapping["UUID"]
    allowed("CreateEventSourceMapping", status_of(mapping) == 202 and mapping["FunctionArn"] == FN_ARN, mapping)

    denied("GetEventSourceMapping", lambda: dave.get_event_source_mapping(UUID=uuid), uuid=uuid)
    allowed("GetEventSourceMapping", admin.get_event_source_mapping(UUID=uuid)["EventSourceArn"] == QUEUE)

    denied("UpdateEventSourceMapping", lambda: dave.update_event_source_mapping(UUID=uuid, BatchSize=7), uuid=uuid)
    unchanged("UpdateEventSourceMapping", admin.get_event_source_mapping(UUID=uuid)["BatchSize"] == 10)
    allowed("UpdateEventSourceMapping", admin.update_event_source_mapping(UUID=uuid, BatchSize=5)["BatchSize"] == 5)

    denied("ListEventSourceMappings", lambda: dave.list_event_source_mappings())
    listed = [m["UUID"] for m in admin.list_event_source_mappings()["EventSourceMappings"]]
    allowed("ListEventSourceMappings", listed == [uuid], listed)

    denied("DeleteEventSourceMapping", lambda: dave.delete_event_source_mapping(UUID=uuid), uuid=uuid)
    unchanged("DeleteEventSourceMapping", admin.get_event_source_mapping(UUID=uuid)["State"] == "Enabled")
    deleted = admin.delete_event_source_mapping(UUID=uuid)
    allowed("DeleteEventSourceMapping", status_of(deleted) == 202 and deleted["State"] == "Deleting", deleted)

    # The execution role's own permissions: it may read the queue but no stream, nor send to another queue.
    stream = error_of(lambda: admin.create_event_source_mapping(EventSourceArn=STREAM, FunctionName=FN,
                                                                StartingPosition="LATEST"))
    check("execution role cannot read the stream", stream == (
        "InvalidParameterValueException",
        "Cannot access stream %s. Please ensure the role can perform the GetRecords, GetShardIterator, "
        "DescribeStream, and ListStreams Actions on your stream in IAM." % STREAM, 400), stream)
    other_dlq = error_of(lambda: admin.update_function_configuration(
        FunctionName=FN, DeadLetterConfig={"TargetArn": "arn:aws:sqs:%s:%s:other" % (REGION, A)}))
    check("execution role cannot send to another queue", other_dlq == (
        "InvalidParameterValueException",
        "The provided execution role does not have permissions to call SendMessage on SQS", 400), other_dlq)
    runtime = error_of(lambda: admin.update_function_configuration(FunctionName=FN, Runtime="python2.7"))
    check("deprecated runtime", runtime is not None and runtime[0] == "InvalidParameterValueException" and
          runtime[1].startswith("The runtime parameter of python2.7 is no longer supported"), runtime)

    # Deletions last.
    denied("DeleteAlias", lambda: dave.delete_alias(FunctionName=FN, Name="live"))
    unchanged("DeleteAlias", admin.get_alias(FunctionName=FN, Name="live")["Name"] == "live")
    allowed("DeleteAlias", status_of(admin.delete_alias(FunctionName=FN, Name="live")) == 204)

    denied("DeleteFunction", lambda: dave.delete_function(FunctionName=FN))
    unchanged("DeleteFunction", admin.get_function(FunctionName=FN)["Configuration"]["FunctionArn"] == FN_ARN)
    allowed("DeleteFunction", status_of(admin.delete_function(FunctionName=FN)) == 204)
    gone = error_of(lambda: admin.get_function(FunctionName=FN))
    check("deleted", gone is not None and gone[0] == "ResourceNotFoundException", gone)

    missing = sorted(set(spec) - {c for c in covered if not c.endswith("+")})
    missing += sorted(set(spec) - {c[:-1] for c in covered if c.endswith("+")})
    check("all 25 operations allowed and denied", len(spec) == 25 and not missing, missing)


def simulate(binary, tmp, policy_text, caller, context):
    """The stored function policy evaluated for `caller` by `gatehouse simulate` (the same
    engine), as a service principal's request carries its context: the decision."""
    request = {
        # A service principal has no identity policies: the list is given, and empty.
        "PolicyInputList": [],
        "ActionNames": ["lambda:InvokeFunction"],
        "ResourceArns": [json.loads(policy_text)["Statement"][0]["Resource"]],
        "ResourcePolicy": policy_text,
        "CallerArn": caller,
        "ContextEntries": [{"ContextKeyName": k, "ContextKeyValues": [v], "ContextKeyType": "string"}
                           for k, v in context.items()],
    }
    path = os.path.join(tmp, "simulate.json")
    with open(path, "w") as f:
        json.dump(request, f)
    out = subprocess.run([binary, "simulate", "--cli-input-json", path], capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        return "error: " + out.stderr.strip()
    return json.loads(out.stdout)["EvaluationResults"][0]["EvalDecision"]


def run_function_policies(binary, tmp, admin, bob):
    """The seed's AddPermission examples and the qualifier rules of lambda-api 7.4."""
    name = "photos"
    arn = "arn:aws:lambda:%s:%s:function:%s" % (REGION, A, name)
    admin.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=EXEC_ROLE,
                          Code={"ZipFile": package()}, Publish=True)
    admin.create_alias(FunctionName=name, Name="PROD", FunctionVersion="1")

    # S3: the bucket and its owner account are conditions of the statement. (The simulator reads a
    # function policy by a function policy's rules, so AddPermission's ids with '-' are fine.)
    s3 = json.loads(admin.add_permission(
        FunctionName=name, StatementId="s3-invoke", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::examplebucket", SourceAccount=A)["Statement"])
    check("s3 statement", s3 == {
        "Sid": "s3-invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction", "Resource": arn,
        "Condition": {"StringEquals": {"AWS:SourceAccount": A},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::examplebucket"}}}, s3)
    # API Gateway: a wildcard execute-api ARN.
    api_arn = "arn:aws:execute-api:%s:%s:abc123/*/GET/photos" % (REGION, A)
    admin.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                         Principal="apigateway.amazonaws.com", SourceArn=api_arn)
    stored = admin.get_policy(FunctionName=name)["Policy"]
    decisions = {
        "s3 from the bucket": simulate(binary, tmp, stored, "s3.amazonaws.com",
                                       {"aws:SourceArn": "arn:aws:s3:::examplebucket", "aws:SourceAccount": A}),
        "s3 from another bucket": simulate(binary, tmp, stored, "s3.amazonaws.com",
                                           {"aws:SourceArn": "arn:aws:s3:::otherbucket", "aws:SourceAccount": A}),
        "s3 from another owner": simulate(binary, tmp, stored, "s3.amazonaws.com",
                                          {"aws:SourceArn": "arn:aws:s3:::examplebucket", "aws:SourceAccount": B}),
        "api gateway stage GET": simulate(binary, tmp, stored, "apigateway.amazonaws.com",
                                          {"aws:SourceArn": "arn:aws:execute-api:%s:%s:abc123/prod/GET/photos"
                                                            % (REGION, A)}),
        "api gateway POST": simulate(binary, tmp, stored, "apigateway.amazonaws.com",
                                     {"aws:SourceArn": "arn:aws:execute-api:%s:%s:abc123/prod/POST/photos"
                                                       % (REGION, A)}),
        "sns not named": simulate(binary, tmp, stored, "sns.amazonaws.com",
                                  {"aws:SourceArn": "arn:aws:sns:%s:%s:t" % (REGION, A)}),
    }
    check("service principals through the stored policy", decisions == {
        "s3 from the bucket": "allowed", "s3 from another bucket": "implicitDeny",
        "s3 from another owner": "implicitDeny", "api gateway stage GET": "allowed",
        "api gateway POST": "implicitDeny", "sns not named": "implicitDeny"}, decisions)

    # Cross account: bob's identity policy allows lambda:InvokeFunction on "*", which is not
    # enough without the owner's function policy naming his account.
    def bob_invoke(qualifier=None):
        target = arn if qualifier is None else arn + ":" + qualifier
        return error_of(lambda: bob.invoke(FunctionName=target, InvocationType="DryRun"))

    no_policy = "because no resource-based policy allows the lambda:InvokeFunction action"
    before = bob_invoke()
    check("cross-account without the function policy", before is not None and before[0] == "AccessDeniedException"
          and before[1] == "User: arn:aws:iam::%s:user/bob is not authorized to perform: lambda:InvokeFunction on "
          "resource: %s %s" % (B, arn, no_policy), before)

    # Qualifier rules: the permission covers exactly the ARN it was added on.
    admin.add_permission(FunctionName=name, Qualifier="PROD", StatementId="b-prod", Action="lambda:InvokeFunction",
                         Principal=B)
    check("alias permission: the alias", bob_invoke("PROD") is None, bob_invoke("PROD"))
    check("alias permission: not the version behind it", bob_invoke("1") is not None and no_policy in bob_invoke("1")[1],
          bob_invoke("1"))
    check("alias permission: not the unqualified function", bob_invoke() is not None)
    admin.add_permission(FunctionName=name, Qualifier="1", StatementId="b-1", Action="lambda:InvokeFunction",
                         Principal="arn:aws:iam::%s:root" % B)
    check("version permission: the version", bob_invoke("1") is None, bob_invoke("1"))
    check("version permission: not $LATEST", bob_invoke("$LATEST") is not None)
    admin.add_permission(FunctionName=name, StatementId="b-all", Action="lambda:InvokeFunction", Principal=B)
    check("unqualified permission: the unqualified function", bob_invoke() is None, bob_invoke())
    latest = error_of(lambda: admin.add_permission(FunctionName=name, Qualifier="$LATEST", StatementId="x",
                                                   Action="lambda:InvokeFunction", Principal=B))
    check("no permission on $LATEST", latest == (
        "InvalidParameterValueException", "We currently do not support adding policies for $LATEST.", 400), latest)
    # Removing the alias permission takes the access away again.
    admin.remove_permission(FunctionName=name, Qualifier="PROD", StatementId="b-prod")
    check("alias permission removed", bob_invoke("PROD") is not None and no_policy in bob_invoke("PROD")[1],
          bob_invoke("PROD"))
    # bob may invoke through the policy but do nothing else with the function.
    other = error_of(lambda: bob.get_function(FunctionName=arn))
    check("cross-account GetFunction", other is not None and other[0] == "AccessDeniedException", other)


def main():
    binary, actions_path = sys.argv[1], sys.argv[2]
    with open(actions_path) as f:
        spec = {entry["operation"]: entry for entry in json.load(f)}
    with tempfile.TemporaryDirectory() as tmp:
        world = os.path.join(tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        process, base = start(binary, os.path.join(tmp, "data"), world)
        try:
            admin, dave, bob = (client(base, k) for k in (ADMIN, DAVE, BOB))
            run_actions(spec, admin, dave)
            run_function_policies(binary, tmp, admin, bob)
        finally:
            check("SIGTERM exits 0", stop(process) == 0)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
