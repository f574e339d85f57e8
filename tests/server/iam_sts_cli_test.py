#!/usr/bin/env python3
"""The IAM and STS query API end to end against the real `gatehouse serve`: a world built
entirely with the AWS CLI (Debian's awscli) and boto3 from two bare accounts — users, groups,
roles, keys, inline and managed policies with versions, boundaries, tags, simulation — each
operation with its errors and pagination, then an assumed-role chain (a user of account A
assumes a role in A, which assumes a role in B) whose calls to the Lambda API are allowed and
denied as the policies say. Loopback only; bounded in time."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from lambda_boto3_harness import check, error_of, package, start, stop, summary

import boto3
import botocore.config

A, B = "111111111111", "222222222222"
ROOT_A = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ROOT_B = ("AKIAEXAMPLEROOT22222", "rootSecretEXAMPLErootSecretEXAMPLEroot22")
WORLD = {
    "region": "us-east-1",
    "accounts": [
        {"id": A, "rootAccessKeys": [{"accessKeyId": ROOT_A[0], "secretAccessKey": ROOT_A[1]}]},
        {"id": B, "rootAccessKeys": [{"accessKeyId": ROOT_B[0], "secretAccessKey": ROOT_B[1]}]},
    ],
}

LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def aws_cli():
    """Debian's awscli (what `make deps` installs) when present, else the one on PATH."""
    if os.path.exists("/usr/bin/aws"):
        return "/usr/bin/aws"
    found = shutil.which("aws")
    if not found:
        print("the AWS CLI is missing (make deps installs awscli)")
        print("0 passed, 1 failed")
        sys.exit(1)
    return found


class Cli:
    """`aws` with one identity: the result as JSON, or (code, message) of the error it printed."""

    def __init__(self, base, keys, token=None, region="us-east-1"):
        self.base = base
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
                    "AWS_ACCESS_KEY_ID": keys[0], "AWS_SECRET_ACCESS_KEY": keys[1],
                    "AWS_DEFAULT_REGION": region, "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
                    "AWS_EC2_METADATA_DISABLED": "true"}
        if token:
            self.env["AWS_SESSION_TOKEN"] = token

    def __call__(self, service, operation, *args):
        command = [aws_cli(), service, operation, "--endpoint-url", self.base, "--output", "json"] + list(args)
        done = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=60)
        if done.returncode == 0:
            return json.loads(done.stdout) if done.stdout.strip() else {}
        match = re.search(r"An error occurred \(([^)]+)\) when calling the \w+ operation(?: \([^)]*\))?: (.*)",
                          done.stderr)
        if match:
            return CliError(match.group(1), match.group(2).strip())
        return CliError("cli-failure", done.stderr.strip())


class CliError:
    def __init__(self, code, message):
        self.code, self.message = code, message

    def __repr__(self):
        return "CliError(%s, %s)" % (self.code, self.message)


def failed(result, code, message=None):
    return isinstance(result, CliError) and result.code == code and (message is None or result.message == message)


def ok(result):
    return not isinstance(result, CliError)


def boto(base, service, keys, token=None):
    return boto3.client(service, endpoint_url=base, region_name="us-east-1", aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], aws_session_token=token,
                        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                      connect_timeout=5, read_timeout=20))


def doc(statements):
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def users_groups_keys(cli, base):
    """Users, keys, groups, inline and attached policies, tags and boundaries with the CLI."""
    alice = cli("iam", "create-user", "--user-name", "alice", "--path", "/dev/", "--tags", "Key=team,Value=red")
    check("create-user", ok(alice) and alice["User"]["Arn"] == "arn:aws:iam::%s:user/dev/alice" % A and
          alice["User"]["UserId"].startswith("AIDA") and alice["User"]["Tags"] == [{"Key": "team", "Value": "red"}],
          alice)
    check("create-user twice (any case)", failed(cli("iam", "create-user", "--user-name", "ALICE"),
                                                 "EntityAlreadyExists", "User with name ALICE already exists."))
    check("create-user bad name", failed(cli("iam", "create-user", "--user-name", "a:b"), "ValidationError"))
    got = cli("iam", "get-user", "--user-name", "alice")
    check("get-user", ok(got) and got["User"]["Path"] == "/dev/", got)
    check("get-user missing", failed(cli("iam", "get-user", "--user-name", "nobody"), "NoSuchEntity",
                                     "The user with name nobody cannot be found."))
    for n in range(5):
        cli("iam", "create-user", "--user-name", "bulk%d" % n)
    page = cli("iam", "list-users", "--max-items", "2")
    check("list-users paginates", ok(page) and len(page["Users"]) == 2 and "NextToken" in page, page)
    every = cli("iam", "list-users", "--page-size", "2")
    check("list-users follows markers", ok(every) and sorted(u["UserName"] for u in every["Users"]) ==
          ["alice"] + ["bulk%d" % n for n in range(5)], every)

    key = cli("iam", "create-access-key", "--user-name", "alice")
    check("create-access-key", ok(key) and key["AccessKey"]["AccessKeyId"].startswith("AKIA") and
          len(key["AccessKey"]["SecretAccessKey"]) == 40, key)
    cli("iam", "create-access-key", "--user-name", "alice")
    check("third key refused", failed(cli("iam", "create-access-key", "--user-name", "alice"), "LimitExceeded",
                                      "Cannot exceed quota for AccessKeysPerUser: 2"))
    keys = cli("iam", "list-access-keys", "--user-name", "alice")
    check("list-access-keys", ok(keys) and len(keys["AccessKeyMetadata"]) == 2, keys)
    second = [k["AccessKeyId"] for k in keys["AccessKeyMetadata"] if k["AccessKeyId"] != key["AccessKey"]["AccessKeyId"]]
    check("delete-access-key", ok(cli("iam", "delete-access-key", "--user-name", "alice", "--access-key-id", second[0])))
    check("delete-access-key missing", failed(cli("iam", "delete-access-key", "--user-name", "alice",
                                                  "--access-key-id", second[0]), "NoSuchEntity"))
    alice_keys = (key["AccessKey"]["AccessKeyId"], key["AccessKey"]["SecretAccessKey"])

    check("tag-user", ok(cli("iam", "tag-user", "--user-name", "alice", "--tags", "Key=cost,Value=42")))
    check("create-group", ok(cli("iam", "create-group", "--group-name", "readers")))
    check("add-user-to-group", ok(cli("iam", "add-user-to-group", "--group-name", "readers", "--user-name", "alice")))
    check("put-group-policy", ok(cli("iam", "put-group-policy", "--group-name", "readers", "--policy-name", "read",
                                     "--policy-document", doc([{"Effect": "Allow", "Action": "iam:Get*",
                                                                "Resource": "*"}]))))
    check("delete user in a group", failed(cli("iam", "delete-user", "--user-name", "alice"), "DeleteConflict"))

    # Inline policy documents come back as the text given (the CLI decodes IAM's URL encoding).
    text = doc([{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "arn:aws:iam::%s:role/hop-a" % A}])
    check("put-user-policy", ok(cli("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "hop",
                                    "--policy-document", text)))
    back = cli("iam", "get-user-policy", "--user-name", "alice", "--policy-name", "hop")
    check("get-user-policy decodes", ok(back) and back["PolicyDocument"] == json.loads(text), back)
    check("malformed policy", failed(cli("iam", "put-user-policy", "--user-name", "alice", "--policy-name", "bad",
                                         "--policy-document", "{not json"), "MalformedPolicyDocument",
                                     "Syntax errors in policy."))
    check("principal in identity policy", failed(cli("iam", "put-user-policy", "--user-name", "alice",
                                                     "--policy-name", "bad", "--policy-document",
                                                     doc([{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                                           "Resource": "*"}])),
                                                 "MalformedPolicyDocument",
                                                 "Policy document should not specify a principal."))
    check("get-user-policy missing", failed(cli("iam", "get-user-policy", "--user-name", "alice", "--policy-name",
                                                 "nope"), "NoSuchEntity",
                                            "The user policy with name nope cannot be found."))
    return alice_keys


def managed_policies(cli):
    created = cli("iam", "create-policy", "--policy-name", "lambda-read", "--policy-document",
                  doc([{"Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*"], "Resource": "*"}]))
    check("create-policy", ok(created) and created["Policy"]["DefaultVersionId"] == "v1" and
          created["Policy"]["PolicyId"].startswith("ANPA"), created)
    arn = created["Policy"]["Arn"] if ok(created) else ""
    check("create-policy twice", failed(cli("iam", "create-policy", "--policy-name", "lambda-read",
                                            "--policy-document", doc([{"Effect": "Allow", "Action": "s3:*",
                                                                       "Resource": "*"}])),
                                        "EntityAlreadyExists",
                                        "A policy called lambda-read already exists. Duplicate names are not allowed."))
    v2 = cli("iam", "create-policy-version", "--policy-arn", arn, "--set-as-default", "--policy-document",
             doc([{"Effect": "Allow", "Action": ["lambda:Get*", "lambda:List*", "lambda:Invoke*"], "Resource": "*"}]))
    check("create-policy-version", ok(v2) and v2["PolicyVersion"]["VersionId"] == "v2" and
          v2["PolicyVersion"]["IsDefaultVersion"], v2)
    version = cli("iam", "get-policy-version", "--policy-arn", arn, "--version-id", "v2")
    check("get-policy-version decodes", ok(version) and
          "lambda:Invoke*" in version["PolicyVersion"]["Document"]["Statement"][0]["Action"], version)
    for n in range(3, 6):
        cli("iam", "create-policy-version", "--policy-arn", arn, "--policy-document",
            doc([{"Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"}]))
    check("sixth version refused", failed(cli("iam", "create-policy-version", "--policy-arn", arn,
                                              "--policy-document", doc([{"Effect": "Allow", "Action": "s3:*",
                                                                         "Resource": "*"}])), "LimitExceeded"))
    got = cli("iam", "get-policy", "--policy-arn", arn)
    check("get-policy", ok(got) and got["Policy"]["DefaultVersionId"] == "v2", got)
    aws = cli("iam", "get-policy", "--policy-arn", "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    check("aws managed policy readable", ok(aws) and aws["Policy"]["Path"] == "/service-role/", aws)
    check("get-policy missing", failed(cli("iam", "get-policy", "--policy-arn",
                                           "arn:aws:iam::%s:policy/nothing" % A), "NoSuchEntity",
                                       "Policy arn:aws:iam::%s:policy/nothing was not found." % A))
    local = cli("iam", "list-policies", "--scope", "Local")
    check("list-policies Local", ok(local) and [p["PolicyName"] for p in local["Policies"]] == ["lambda-read"], local)
    return arn


def roles(cli, arn):
    trust = doc([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/dev/alice" % A},
                  "Action": "sts:AssumeRole"}])
    role = cli("iam", "create-role", "--role-name", "hop-a", "--assume-role-policy-document", trust,
               "--max-session-duration", "7200")
    check("create-role", ok(role) and role["Role"]["RoleId"].startswith("AROA") and
          role["Role"]["AssumeRolePolicyDocument"] == json.loads(trust), role)
    check("trust policy with Resource", failed(cli("iam", "create-role", "--role-name", "bad",
                                                   "--assume-role-policy-document",
                                                   doc([{"Effect": "Allow", "Principal": {"Service":
                                                                                          "ec2.amazonaws.com"},
                                                         "Action": "sts:AssumeRole", "Resource": "*"}])),
                                               "MalformedPolicyDocument", "Has prohibited field Resource."))
    check("trust policy not JSON", failed(cli("iam", "create-role", "--role-name", "bad",
                                              "--assume-role-policy-document", "{not json"),
                                          "MalformedPolicyDocument", "This policy contains invalid Json"))
    check("attach-role-policy", ok(cli("iam", "attach-role-policy", "--role-name", "hop-a", "--policy-arn", arn)))
    attached = cli("iam", "list-attached-role-policies", "--role-name", "hop-a")
    check("list-attached-role-policies", ok(attached) and attached["AttachedPolicies"] ==
          [{"PolicyName": "lambda-read", "PolicyArn": arn}], attached)
    check("delete attached policy", failed(cli("iam", "delete-policy", "--policy-arn", arn), "DeleteConflict"))
    check("role may hop to B", ok(cli("iam", "put-role-policy", "--role-name", "hop-a", "--policy-name", "hop",
                                      "--policy-document",
                                      doc([{"Effect": "Allow", "Action": "sts:AssumeRole",
                                            "Resource": "arn:aws:iam::%s:role/reader-b" % B}]))))
    got = cli("iam", "get-role", "--role-name", "hop-a")
    check("get-role", ok(got) and got["Role"]["MaxSessionDuration"] == 7200, got)
    check("get-role missing", failed(cli("iam", "get-role", "--role-name", "nope"), "NoSuchEntity",
                                     "The role with name nope cannot be found."))
    check("delete role with policies", failed(cli("iam", "delete-role", "--role-name", "hop-a"), "DeleteConflict"))
    check("tag-role", ok(cli("iam", "tag-role", "--role-name", "hop-a", "--tags", "Key=tier,Value=1")))


def simulation(cli):
    result = cli("iam", "simulate-custom-policy", "--policy-input-list",
                 doc([{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*",
                       "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]),
                 "--action-names", "lambda:InvokeFunction", "lambda:DeleteFunction",
                 "--context-entries", "ContextKeyName=aws:SourceIp,ContextKeyValues=203.0.113.7,ContextKeyType=ip")
    decisions = [r["EvalDecision"] for r in result["EvaluationResults"]] if ok(result) else result
    check("simulate-custom-policy", decisions == ["allowed", "implicitDeny"], decisions)
    keys = cli("iam", "get-context-keys-for-custom-policy", "--policy-input-list",
               doc([{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                     "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}]))
    check("get-context-keys-for-custom-policy", ok(keys) and keys["ContextKeyNames"] == ["aws:RequestedRegion"], keys)
    principal = cli("iam", "simulate-principal-policy", "--policy-source-arn", "arn:aws:iam::%s:role/hop-a" % A,
                    "--action-names", "lambda:GetFunction", "lambda:DeleteFunction")
    decisions = [r["EvalDecision"] for r in principal["EvaluationResults"]] if ok(principal) else principal
    check("simulate-principal-policy", decisions == ["allowed", "implicitDeny"], decisions)


def chain(base, cli_a, cli_b, alice_keys):
    """alice (user of A) -> hop-a (role of A) -> reader-b (role of B) -> the Lambda API of B."""
    trust_b = doc([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:role/hop-a" % A},
                    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "chain-42"}}}])
    check("create role in B", ok(cli_b("iam", "create-role", "--role-name", "reader-b",
                                       "--assume-role-policy-document", trust_b)))
    check("reader-b reads lambda", ok(cli_b("iam", "put-role-policy", "--role-name", "reader-b", "--policy-name",
                                            "read", "--policy-document",
                                            doc([{"Effect": "Allow", "Action": "lambda:GetFunctionConfiguration",
                                                  "Resource": "*"}]))))
    check("exec role in B", ok(cli_b("iam", "create-role", "--role-name", "exec", "--assume-role-policy-document",
                                     json.dumps(LAMBDA_TRUST))))
    lambda_root_b = boto(base, "lambda", ROOT_B)
    lambda_root_b.create_function(FunctionName="target", Runtime="python3.11", Handler="app.handler",
                                  Role="arn:aws:iam::%s:role/exec" % B, Code={"ZipFile": package()})

    alice = Cli(base, alice_keys)
    me = alice("sts", "get-caller-identity")
    check("alice get-caller-identity", ok(me) and me["Arn"] == "arn:aws:iam::%s:user/dev/alice" % A and
          me["Account"] == A, me)
    hop = alice("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/hop-a" % A, "--role-session-name", "one")
    check("alice assumes hop-a", ok(hop) and hop["Credentials"]["AccessKeyId"].startswith("ASIA") and
          hop["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/hop-a/one" % A, hop)
    if not ok(hop):
        return
    c = hop["Credentials"]
    hop_cli = Cli(base, (c["AccessKeyId"], c["SecretAccessKey"]), c["SessionToken"])
    me = hop_cli("sts", "get-caller-identity")
    check("session identity", ok(me) and me["UserId"].endswith(":one") and me["UserId"].startswith("AROA"), me)
    check("chained duration capped", failed(hop_cli("sts", "assume-role", "--role-arn",
                                                    "arn:aws:iam::%s:role/reader-b" % B, "--role-session-name", "two",
                                                    "--external-id", "chain-42", "--duration-seconds", "7200"),
                                            "ValidationError",
                                            "The requested DurationSeconds exceeds the 1 hour session limit for "
                                            "roles assumed by role chaining."))
    check("external id required", failed(hop_cli("sts", "assume-role", "--role-arn",
                                                  "arn:aws:iam::%s:role/reader-b" % B, "--role-session-name", "two"),
                                          "AccessDenied"))
    reader = hop_cli("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/reader-b" % B,
                     "--role-session-name", "two", "--external-id", "chain-42")
    check("hop-a assumes reader-b in B", ok(reader) and
          reader["AssumedRoleUser"]["Arn"] == "arn:aws:sts::%s:assumed-role/reader-b/two" % B, reader)
    if not ok(reader):
        return
    c = reader["Credentials"]
    lambda_b = boto(base, "lambda", (c["AccessKeyId"], c["SecretAccessKey"]), c["SessionToken"])
    config = lambda_b.get_function_configuration(FunctionName="target")
    check("reader-b reads the function", config["FunctionName"] == "target", config)
    denied = error_of(lambda: lambda_b.delete_function(FunctionName="target"))
    check("reader-b may not delete", denied == (
        "AccessDeniedException",
        "User: arn:aws:sts::%s:assumed-role/reader-b/two is not authorized to perform: lambda:DeleteFunction on "
        "resource: arn:aws:lambda:us-east-1:%s:function:target because no identity-based policy allows the "
        "lambda:DeleteFunction action" % (B, B), 403), denied)
    # hop-a's own session reads functions of A through its managed policy, and cannot in B.
    lambda_hop = boto(base, "lambda", (hop["Credentials"]["AccessKeyId"], hop["Credentials"]["SecretAccessKey"]),
                      hop["Credentials"]["SessionToken"])
    cross = error_of(lambda: lambda_hop.get_function_configuration(
        FunctionName="arn:aws:lambda:us-east-1:%s:function:target" % B))
    check("hop-a has no way into B's function", cross is not None and cross[0] == "AccessDeniedException", cross)


def sts_errors(base, cli_a):
    root_assume = cli_a("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/hop-a" % A,
                        "--role-session-name", "root")
    check("root cannot assume", failed(root_assume, "AccessDenied", "Roles may not be assumed by root accounts."),
          root_assume)
    bad_name = Cli(base, ROOT_A)("sts", "assume-role", "--role-arn", "arn:aws:iam::%s:role/hop-a" % A,
                                 "--role-session-name", "a:b")
    check("bad session name", failed(bad_name, "ValidationError",
                                     "1 validation error detected: Value 'a:b' at 'roleSessionName' failed to "
                                     "satisfy constraint: Member must satisfy regular expression pattern: "
                                     "[\\w+=,.@-]*"), bad_name)
    token = cli_a("sts", "get-session-token")
    check("root get-session-token", ok(token) and token["Credentials"]["AccessKeyId"].startswith("ASIA"), token)
    if ok(token):
        c = token["Credentials"]
        session = Cli(base, (c["AccessKeyId"], c["SecretAccessKey"]), c["SessionToken"])
        again = session("sts", "get-session-token")
        check("no session from a session", failed(again, "AccessDenied",
                                                  "Cannot call GetSessionToken with session credentials"), again)
        me = session("sts", "get-caller-identity")
        check("session acts as the root", ok(me) and me["Arn"] == "arn:aws:iam::%s:root" % A, me)


def boto3_world(base):
    """The same API through boto3: the XML parser, URL-encoded documents and error classes."""
    iam = boto(base, "iam", ROOT_B)
    created = iam.create_user(UserName="dave", Tags=[{"Key": "k", "Value": "v"}])
    check("boto3 create_user", created["User"]["UserName"] == "dave", created)
    try:
        iam.get_user(UserName="nobody")
        check("boto3 NoSuchEntityException", False)
    except iam.exceptions.NoSuchEntityException as e:
        check("boto3 NoSuchEntityException", e.response["Error"]["Message"] ==
              "The user with name nobody cannot be found.")
    iam.put_user_policy(UserName="dave", PolicyName="p", PolicyDocument=doc([{"Effect": "Allow",
                                                                             "Action": "s3:GetObject",
                                                                             "Resource": "arn:aws:s3:::b/*"}]))
    got = iam.get_user_policy(UserName="dave", PolicyName="p")
    check("boto3 decodes the document", got["PolicyDocument"]["Statement"][0]["Resource"] == "arn:aws:s3:::b/*", got)
    sts = boto(base, "sts", ROOT_B)
    me = sts.get_caller_identity()
    check("boto3 get_caller_identity", me["Arn"] == "arn:aws:iam::%s:root" % B and me["Account"] == B, me)
    # A user of B without policies is refused IAM calls with AWS's message.
    key = iam.create_access_key(UserName="dave")["AccessKey"]
    dave = boto(base, "iam", (key["AccessKeyId"], key["SecretAccessKey"]))
    denied = error_of(lambda: dave.list_users())
    check("dave may not list users", denied == (
        "AccessDenied", "User: arn:aws:iam::%s:user/dave is not authorized to perform: iam:ListUsers on resource: "
        "arn:aws:iam::%s:user/ because no identity-based policy allows the iam:ListUsers action" % (B, B), 403)
          or (denied is not None and denied[0] == "AccessDenied" and "iam:ListUsers" in denied[1]), denied)
    # The root of B has no say in A.
    cross = error_of(lambda: iam.get_role(RoleName="hop-a"))
    check("B's root sees only B", cross is not None and cross[0] == "NoSuchEntity", cross)


def boto3_every_operation(base):
    """The operations the CLI part does not call, each through boto3's parser, in account B:
    a whole life cycle from creation to deletion, the order AWS requires included."""
    iam = boto(base, "iam", ROOT_B)
    read = doc([{"Effect": "Allow", "Action": "lambda:Get*", "Resource": "*"}])
    trust = doc([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}])
    iam.create_user(UserName="erin")
    key = iam.create_access_key(UserName="erin")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="erin", AccessKeyId=key, Status="Inactive")
    status = iam.list_access_keys(UserName="erin")["AccessKeyMetadata"][0]["Status"]
    check("update_access_key", status == "Inactive", status)
    iam.tag_user(UserName="erin", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    iam.untag_user(UserName="erin", TagKeys=["a"])
    tags = iam.list_user_tags(UserName="erin")["Tags"]
    check("untag_user / list_user_tags", tags == [{"Key": "b", "Value": "2"}], tags)
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=read)["Policy"]["Arn"]
    iam.put_user_permissions_boundary(UserName="erin", PermissionsBoundary=boundary)
    got = iam.get_user(UserName="erin")["User"]
    check("put_user_permissions_boundary", got.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") == boundary,
          got)
    iam.delete_user_permissions_boundary(UserName="erin")
    check("delete_user_permissions_boundary", "PermissionsBoundary" not in iam.get_user(UserName="erin")["User"])

    iam.create_group(GroupName="ops", Path="/teams/")
    iam.add_user_to_group(GroupName="ops", UserName="erin")
    group = iam.get_group(GroupName="ops")
    check("get_group", group["Group"]["Arn"] == "arn:aws:iam::%s:group/teams/ops" % B and
          [u["UserName"] for u in group["Users"]] == ["erin"], group)
    check("list_groups", [g["GroupName"] for g in iam.list_groups()["Groups"]] == ["ops"])
    check("list_groups_for_user", [g["GroupName"] for g in iam.list_groups_for_user(UserName="erin")["Groups"]] ==
          ["ops"])
    for kind, name in (("user", "erin"), ("group", "ops")):
        getattr(iam, "put_%s_policy" % kind)(**{kind.capitalize() + "Name": name, "PolicyName": "inline",
                                                  "PolicyDocument": read})
        names = getattr(iam, "list_%s_policies" % kind)(**{kind.capitalize() + "Name": name})["PolicyNames"]
        check("list_%s_policies" % kind, names == ["inline"], names)
        getattr(iam, "attach_%s_policy" % kind)(**{kind.capitalize() + "Name": name, "PolicyArn": boundary})
        attached = getattr(iam, "list_attached_%s_policies" % kind)(**{kind.capitalize() + "Name": name})
        check("list_attached_%s_policies" % kind, [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [boundary],
              attached)
    got = iam.get_group_policy(GroupName="ops", PolicyName="inline")
    check("get_group_policy", got["PolicyDocument"] == json.loads(read), got)

    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust, Description="first")
    iam.put_role_policy(RoleName="worker", PolicyName="inline", PolicyDocument=read)
    check("get_role_policy", iam.get_role_policy(RoleName="worker", PolicyName="inline")["PolicyDocument"] ==
          json.loads(read))
    check("list_role_policies", iam.list_role_policies(RoleName="worker")["PolicyNames"] == ["inline"])
    iam.attach_role_policy(RoleName="worker", PolicyArn=boundary)
    iam.update_role(RoleName="worker", MaxSessionDuration=7200)
    iam.update_role_description(RoleName="worker", Description="second")
    role = iam.get_role(RoleName="worker")["Role"]
    check("update_role / update_role_description", role["MaxSessionDuration"] == 7200 and
          role["Description"] == "second", role)
    new_trust = doc([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % A}, "Action": "sts:AssumeRole"}])
    iam.update_assume_role_policy(RoleName="worker", PolicyDocument=new_trust)
    role = iam.get_role(RoleName="worker")["Role"]
    check("update_assume_role_policy", role["AssumeRolePolicyDocument"] == json.loads(new_trust), role)
    check("list_roles", "worker" in [r["RoleName"] for r in iam.list_roles()["Roles"]])
    check("list_instance_profiles_for_role",
          iam.list_instance_profiles_for_role(RoleName="worker")["InstanceProfiles"] == [])
    iam.tag_role(RoleName="worker", Tags=[{"Key": "x", "Value": "y"}])
    iam.untag_role(RoleName="worker", TagKeys=["x"])
    check("untag_role / list_role_tags", iam.list_role_tags(RoleName="worker")["Tags"] == [])
    iam.put_role_permissions_boundary(RoleName="worker", PermissionsBoundary=boundary)
    iam.delete_role_permissions_boundary(RoleName="worker")
    check("delete_role_permissions_boundary", "PermissionsBoundary" not in iam.get_role(RoleName="worker")["Role"])
    keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn="arn:aws:iam::%s:role/worker" % B,
        PolicyInputList=[doc([{"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                               "Condition": {"Bool": {"aws:SecureTransport": "true"}}}])])
    check("get_context_keys_for_principal_policy", keys["ContextKeyNames"] == ["aws:SecureTransport"], keys)

    entities = iam.list_entities_for_policy(PolicyArn=boundary)
    check("list_entities_for_policy", [u["UserName"] for u in entities["PolicyUsers"]] == ["erin"] and
          [g["GroupName"] for g in entities["PolicyGroups"]] == ["ops"] and
          [r["RoleName"] for r in entities["PolicyRoles"]] == ["worker"], entities)
    iam.create_policy_version(PolicyArn=boundary, PolicyDocument=read)
    iam.set_default_policy_version(PolicyArn=boundary, VersionId="v2")
    versions = iam.list_policy_versions(PolicyArn=boundary)["Versions"]
    check("set_default_policy_version / list_policy_versions",
          sorted((v["VersionId"], v["IsDefaultVersion"]) for v in versions) == [("v1", False), ("v2", True)], versions)
    iam.delete_policy_version(PolicyArn=boundary, VersionId="v1")
    check("delete_policy_version", [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=boundary)["Versions"]] ==
          ["v2"])

    # Tear down in the order AWS requires; each refusal first where one applies.
    conflict = error_of(lambda: iam.delete_group(GroupName="ops"))
    check("delete_group with members", conflict is not None and conflict[0] == "DeleteConflict", conflict)
    iam.remove_user_from_group(GroupName="ops", UserName="erin")
    iam.delete_group_policy(GroupName="ops", PolicyName="inline")
    iam.detach_group_policy(GroupName="ops", PolicyArn=boundary)
    check("list_attached_group_policies after detach",
          iam.list_attached_group_policies(GroupName="ops")["AttachedPolicies"] == [])
    iam.delete_group(GroupName="ops")
    iam.delete_user_policy(UserName="erin", PolicyName="inline")
    iam.detach_user_policy(UserName="erin", PolicyArn=boundary)
    iam.delete_access_key(UserName="erin", AccessKeyId=key)
    iam.delete_user(UserName="erin")
    iam.delete_role_policy(RoleName="worker", PolicyName="inline")
    iam.detach_role_policy(RoleName="worker", PolicyArn=boundary)
    iam.delete_role(RoleName="worker")
    iam.delete_policy(PolicyArn=boundary)
    gone = error_of(lambda: iam.get_policy(PolicyArn=boundary))
    check("everything deleted", gone is not None and gone[0] == "NoSuchEntity" and
          "erin" not in [u["UserName"] for u in iam.list_users()["Users"]] and
          "worker" not in [r["RoleName"] for r in iam.list_roles()["Roles"]], gone)


def section(name, run):
    """Runs one part; an exception fails it without hiding the parts after it."""
    try:
        return run()
    except Exception as e:  # noqa: BLE001 - any failure of a part is a test failure
        check("section " + name, False, "%s: %s" % (type(e).__name__, e))
        return None


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        world = os.path.join(tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        process, base = start(binary, os.path.join(tmp, "data"), world)
        try:
            cli_a, cli_b = Cli(base, ROOT_A), Cli(base, ROOT_B)
            alice_keys = section("users", lambda: users_groups_keys(cli_a, base))
            arn = section("managed policies", lambda: managed_policies(cli_a))
            section("roles", lambda: roles(cli_a, arn))
            section("simulation", lambda: simulation(cli_a))
            section("chain", lambda: chain(base, cli_a, cli_b, alice_keys))
            section("sts errors", lambda: sts_errors(base, cli_a))
            section("boto3", lambda: boto3_world(base))
            section("boto3, every other operation", lambda: boto3_every_operation(base))
        finally:
            check("SIGTERM exits 0", stop(process) == 0)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
