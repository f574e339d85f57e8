#!/usr/bin/env python3
"""The permission fixtures replayed as real signed requests through `gatehouse serve`.

`gatehouse test` and the simulator decide each fixture case from the fixture's policies alone.
This test builds the case's world in a real server instead — the caller as an IAM user, a role
session or the account root with the case's identity policies and boundary, the function it names with its
versions and aliases, the function policy added through AddPermission — sends the Lambda call
the case's action stands for with boto3, and requires the fixture's decision (and, where the
case states it, the exact AccessDenied message). So the HTTP front end, SigV4, the request
context the server builds, the policies it gathers from the store and the evaluation must agree
with the spec-derived expectation that the simulator is held to.

Cases the server cannot reproduce faithfully are skipped, and counted: conditions (the server
derives its own aws:CurrentTime, aws:SourceIp, aws:SecureTransport..., which the fixture gives by
hand), a context that renames the caller, SCPs/RCPs, actions whose
call needs more than one permission, function policies AddPermission cannot build. The test
fails if fewer cases than a floor are replayed, so a change that makes everything skip fails.

usage: fixture_replay_test.py GATEHOUSE
"""

import glob
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lambda_boto3_harness as h  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIN_REPLAYED = 110

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FN_ARN = re.compile(r"^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([A-Za-z0-9_$-]+))?$")
USER_ARN = re.compile(r"^arn:aws:iam::(\d{12}):user(/(?:[^/]+/)*)?([^/]+)$")
ROOT_ARN = re.compile(r"^(?:arn:aws:iam::)?(\d{12})(?::root)?$")
SESSION_ARN = re.compile(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/([^/]+)$")


def key_of(kind, n):
    """A 20-character access key id unique to (kind, n)."""
    return ("AKIA" + kind + "%012d" % n)[:20].ljust(20, "X")


def call_for(action, fn, qualifier):
    """The boto3 call that is authorized as `action` on the resource, or None when the call needs
    more than that one permission (CreateFunction also needs iam:PassRole, ...)."""
    q = {"Qualifier": qualifier} if qualifier else {}
    table = {
        "lambda:GetFunction": lambda c: c.get_function(FunctionName=fn, **q),
        "lambda:GetFunctionConfiguration": lambda c: c.get_function_configuration(FunctionName=fn, **q),
        "lambda:InvokeFunction": lambda c: c.invoke(FunctionName=fn, InvocationType="DryRun", **q),
        "lambda:GetPolicy": lambda c: c.get_policy(FunctionName=fn, **q),
        "lambda:DeleteFunction": lambda c: c.delete_function(FunctionName=fn, **q),
        "lambda:ListFunctions": lambda c: c.list_functions(),
        "lambda:ListEventSourceMappings": lambda c: c.list_event_source_mappings(),
    }
    if not qualifier:
        table.update({
            "lambda:ListVersionsByFunction": lambda c: c.list_versions_by_function(FunctionName=fn),
            "lambda:ListAliases": lambda c: c.list_aliases(FunctionName=fn),
            "lambda:UpdateFunctionCode": lambda c: c.update_function_code(FunctionName=fn, ZipFile=h.package()),
            "lambda:AddPermission": lambda c: c.add_permission(FunctionName=fn, StatementId="replay", Action="lambda:GetFunction",
                                                               Principal="333333333333"),
        })
    return table.get(action)


def permission_of(statement, resource):
    """AddPermission's parameters that build `statement` on `resource`, or None."""
    if statement.get("Effect") != "Allow" or "Sid" not in statement or statement.get("Resource") != resource:
        return None
    if set(statement) - {"Sid", "Effect", "Principal", "Action", "Resource", "Condition"}:
        return None
    action = statement.get("Action")
    if not isinstance(action, str):
        return None
    principal = statement.get("Principal")
    if principal == "*":
        who = "*"
    elif isinstance(principal, dict) and len(principal) == 1 and isinstance(next(iter(principal.values())), str):
        kind, value = next(iter(principal.items()))
        if kind == "Service":
            who = value
        elif kind == "AWS":
            m = re.fullmatch(r"arn:aws:iam::(\d{12}):root", value)
            who = m.group(1) if m else value
        else:
            return None
    else:
        return None
    params = {"StatementId": statement["Sid"], "Action": action, "Principal": who}
    for operator, pairs in statement.get("Condition", {}).items():
        for key, value in pairs.items():
            if operator == "ArnLike" and key == "AWS:SourceArn" and isinstance(value, str):
                params["SourceArn"] = value
            elif operator == "StringEquals" and key == "AWS:SourceAccount" and isinstance(value, str):
                params["SourceAccount"] = value
            else:
                return None
    return params


def normalized(statement):
    return json.dumps(statement, sort_keys=True)


class Skip(Exception):
    pass


def document_of(fixture, name):
    policy = fixture["policies"][name]
    if "document" not in policy:
        raise Skip("policy given as text")
    text = json.dumps(policy["document"])
    if "Condition" in text:
        raise Skip("conditions (the server fills keys the fixture does not model)")
    if re.search(r"\$\{(?!aws:username\})", text):
        raise Skip("variables other than aws:username")
    return policy["document"]


def build(fixture, case):
    """(world, caller, function, qualifier, setup) for a case the server can reproduce; raises Skip."""
    if "action" not in case:
        raise Skip("validation case")
    if case.get("session") or case.get("actionOutsideCatalog"):
        raise Skip("session policies or an action outside the catalog")
    # The context of a case only matters through conditions and variables, which are skipped
    # below, except for keys that name the caller: those would contradict the caller replayed.
    context = dict(fixture.get("context", {}), **case.get("context", {}))
    if any(k.lower().startswith(("aws:username", "aws:userid", "aws:principal")) for k in context):
        raise Skip("a context that renames the caller")
    principal = fixture["principals"][case["principal"]]
    if principal.get("scpLevels"):
        raise Skip("organization layer")
    if principal.get("session"):
        raise Skip("session policies")
    identity = case.get("identity", principal.get("identity", []))
    boundary = case["boundary"] if "boundary" in case else principal.get("boundary")
    arn = principal["arn"]
    user, session, root = USER_ARN.match(arn), SESSION_ARN.match(arn), ROOT_ARN.match(arn)
    if not (user or session or root):
        raise Skip("caller is a service principal or anonymous")
    if root and (identity or boundary):
        raise Skip("policies attached to a root caller")
    caller_account = (user or session or root).group(1)

    resource = case["resource"]
    if resource == "*":
        region, fn_account, fn_name, qualifier = "us-east-1", caller_account, None, None
    else:
        m = FN_ARN.match(resource)
        if not m:
            raise Skip("resource is not a function")
        region, fn_account, fn_name, qualifier = m.groups()
    call = call_for(case["action"], resource if fn_name else None, qualifier)
    if call is None:
        raise Skip("the call needs more than one permission")

    resources = fixture.get("resources", {})
    declared = resources.get(resource, {})
    rp_name = case["resourcePolicy"] if "resourcePolicy" in case else declared.get("policy")
    if declared.get("rcpLevels"):
        raise Skip("resource control policies")
    rp = document_of(fixture, rp_name) if rp_name else None
    if rp is not None and (case.get("resourceKind", declared.get("kind", "function")) != "function"):
        raise Skip("not a function policy")
    permissions = []
    if rp is not None:
        statements = rp["Statement"] if isinstance(rp["Statement"], list) else [rp["Statement"]]
        for st in statements:
            p = permission_of(st, resource)
            if p is None:
                raise Skip("a function policy AddPermission cannot build")
            permissions.append(p)

    accounts = {}

    def account(acct):
        return accounts.setdefault(acct, {"id": acct, "rootAccessKeys": [
            {"accessKeyId": key_of("ROOT", int(acct) % 10 ** 9), "secretAccessKey": SECRET}],
            "policies": [], "users": [], "roles": []})

    account(caller_account)
    if fn_name:
        fa = account(fn_account)
        fa["roles"].append({"name": "replay-fn-role", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}})
    ca = account(caller_account)
    inline = {"p%d-%s" % (i, re.sub(r"[^A-Za-z0-9+=,.@_-]", "_", name))[:128]: document_of(fixture, name)
              for i, name in enumerate(identity)}
    boundary_arn = None
    if boundary:
        ca["policies"].append({"name": "replay-boundary", "document": document_of(fixture, boundary)})
        boundary_arn = "arn:aws:iam::%s:policy/replay-boundary" % caller_account
    if root:
        caller = {"keys": (key_of("ROOT", int(caller_account) % 10 ** 9), SECRET)}
    elif user:
        path = user.group(2) or "/"
        entry = {"name": user.group(3), "path": path, "accessKeys": [
            {"accessKeyId": key_of("USER", 1), "secretAccessKey": SECRET}], "inlinePolicies": inline}
        if boundary_arn:
            entry["permissionsBoundary"] = boundary_arn
        if principal.get("tags"):
            entry["tags"] = principal["tags"]
        ca["users"].append(entry)
        caller = {"keys": (key_of("USER", 1), SECRET)}
    else:
        role, session_name = session.group(2), session.group(3)
        # A helper user who may assume the role; the session is what the case's caller is.
        ca["users"].append({"name": "replay-assumer", "accessKeys": [
            {"accessKeyId": key_of("ASMR", 1), "secretAccessKey": SECRET}], "inlinePolicies": {"assume": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}})
        entry = {"name": role, "path": principal.get("path", "/"), "inlinePolicies": inline, "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/replay-assumer" % caller_account},
             "Action": "sts:AssumeRole"}]}}
        if boundary_arn:
            entry["permissionsBoundary"] = boundary_arn
        if principal.get("tags"):
            entry["tags"] = principal["tags"]
        ca["roles"].append(entry)
        caller = {"assume": (key_of("ASMR", 1), SECRET,
                              "arn:aws:iam::%s:role%s%s" % (caller_account, entry["path"], role), session_name)}
    world = {"region": region, "accounts": list(accounts.values())}
    setup = {"fn_account": fn_account, "fn_name": fn_name, "qualifier": qualifier, "permissions": permissions,
             "policy": rp, "resource": resource}
    return world, caller, call, setup, region


def client_for(service, base, region, keys, token=None):
    return boto3.client(service, endpoint_url=base, region_name=region, aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], aws_session_token=token,
                        config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"},
                                                      connect_timeout=5, read_timeout=10))


def prepare(base, region, setup):
    """The function, its versions or alias and its policy, made by the owner's root."""
    if not setup["fn_name"]:
        return
    acct = setup["fn_account"]
    root = client_for("lambda", base, region, (key_of("ROOT", int(acct) % 10 ** 9), SECRET))
    name, qualifier = setup["fn_name"], setup["qualifier"]
    root.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler",
                         Role="arn:aws:iam::%s:role/replay-fn-role" % acct, Code={"ZipFile": h.package()})
    if qualifier == "$LATEST":
        pass
    elif qualifier and qualifier.isdigit():
        for n in range(1, int(qualifier) + 1):
            if n > 1:
                root.update_function_code(FunctionName=name, ZipFile=h.package("# v%d\n" % n))
            root.publish_version(FunctionName=name)
    elif qualifier:
        root.publish_version(FunctionName=name)
        root.create_alias(FunctionName=name, Name=qualifier, FunctionVersion="1")
    q = {"Qualifier": qualifier} if qualifier else {}
    for p in setup["permissions"]:
        try:
            root.add_permission(FunctionName=name, **q, **p)
        except botocore.exceptions.ClientError as e:
            print("note: AddPermission refuses %s: %s" % (json.dumps(p), e.response["Error"]["Message"]))
            raise Skip("a function policy AddPermission refuses")
    if setup["policy"] is not None:
        stored = json.loads(root.get_policy(FunctionName=name, **q)["Policy"])["Statement"]
        want = setup["policy"]["Statement"]
        want = want if isinstance(want, list) else [want]
        if sorted(map(normalized, stored)) != sorted(map(normalized, want)):
            raise Skip("AddPermission builds another function policy than the fixture's")


def caller_client(base, region, caller):
    if "keys" in caller:
        return client_for("lambda", base, region, caller["keys"])
    keys, role_arn, session_name = caller["assume"][:2], caller["assume"][2], caller["assume"][3]
    sts = client_for("sts", base, region, keys)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return client_for("lambda", base, region, (creds["AccessKeyId"], creds["SecretAccessKey"]), creds["SessionToken"])


def outcome(call, client):
    """'allowed' when authorization passed (success or an error after it), else the deny kind and message."""
    try:
        call(client)
    except botocore.exceptions.ClientError as e:
        code, message = e.response["Error"]["Code"], e.response["Error"]["Message"]
        if code == "AccessDeniedException":
            return ("explicitDeny" if "with an explicit deny" in message else "implicitDeny"), message
        if code == "ResourceNotFoundException":
            return "allowed", None
        return "error %s: %s" % (code, message), None
    return "allowed", None


def main():
    binary = sys.argv[1]
    replayed = skipped = 0
    reasons = {}
    files = sorted(glob.glob(os.path.join(ROOT, "fixtures", "seed", "*.json")) +
                   glob.glob(os.path.join(ROOT, "fixtures", "semantics", "*.json")))
    for path in files:
        fixture = json.load(open(path))
        for case in fixture["cases"]:
            label = "%s: %s" % (os.path.relpath(path, ROOT), case["name"])
            try:
                world, caller, call, setup, region = build(fixture, case)
            except Skip as why:
                skipped += 1
                reasons[str(why)] = reasons.get(str(why), 0) + 1
                continue
            tmp = tempfile.mkdtemp(prefix="gatehouse-replay-")
            process, base, _ = h.start_world(binary, tmp, world, ("--region", region))
            try:
                prepare(base, region, setup)
                got, message = outcome(call, caller_client(base, region, caller))
                want = case["expect"]["decision"]
                h.check(label, got == want, "decision: fixture %s, server %s" % (want, got))
                if "message" in case["expect"] and message is not None:
                    h.check(label + " (message)", message == case["expect"]["message"],
                            "\n  fixture: %s\n  server:  %s" % (case["expect"]["message"], message))
                replayed += 1
            except Skip as why:
                skipped += 1
                reasons[str(why)] = reasons.get(str(why), 0) + 1
            finally:
                h.stop(process)
                shutil.rmtree(tmp, ignore_errors=True)
    print("%d cases replayed through the server, %d skipped: %s" % (replayed, skipped, reasons))
    h.check("at least %d cases replayed" % MIN_REPLAYED, replayed >= MIN_REPLAYED, "only %d" % replayed)
    return h.summary()


if __name__ == "__main__":
    sys.exit(main())
