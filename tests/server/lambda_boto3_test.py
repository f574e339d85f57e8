#!/usr/bin/env python3
"""The Lambda API end to end with boto3 against the real `gatehouse serve`: a bootstrap
world, calls allowed and denied by identity and function policies, a cross-account invoke
through AddPermission, the execution-role checks, and a restart that keeps everything.
Loopback only; bounded in time."""
import json
import os
import sys
import tempfile

from lambda_boto3_harness import check, client, error_of, package, start, stop, summary

ROOT_A = ("AKIAEXAMPLEROOT11111", "rootSecretEXAMPLErootSecretEXAMPLEroot00")
ALICE = ("AKIAALICEEXAMPLE0001", "aliceSecretEXAMPLEaliceSecretEXAMPLE0000")
BOB = ("AKIABOBEXAMPLE000001", "bobSecretEXAMPLEbobSecretEXAMPLEbob00000")
CAROL = ("AKIACAROLEXAMPLE0001", "carolSecretEXAMPLEcarolSecretEXAMPLE0000")
EXEC_ROLE = "arn:aws:iam::111111111111:role/lambda-exec"
EC2_ROLE = "arn:aws:iam::111111111111:role/ec2-only"
F = "arn:aws:lambda:us-east-1:111111111111:function:hello"

WORLD = {
    "region": "us-east-1",
    "accounts": [
        {"id": "111111111111",
         "rootAccessKeys": [{"accessKeyId": ROOT_A[0], "secretAccessKey": ROOT_A[1]}],
         "users": [{"name": "alice",
                    "accessKeys": [{"accessKeyId": ALICE[0], "secretAccessKey": ALICE[1]}],
                    "inlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": ["lambda:List*", "lambda:Get*",
                                                       "lambda:UpdateFunctionConfiguration"], "Resource": "*"}]}}}],
         "roles": [
             {"name": "lambda-exec", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
             {"name": "ec2-only", "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
                 {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}]},
        {"id": "222222222222",
         "rootAccessKeys": [],
         "users": [{"name": "bob",
                    "accessKeys": [{"accessKeyId": BOB[0], "secretAccessKey": BOB[1]}],
                    "inlinePolicies": {"invoke": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": F}]}}},
                   {"name": "carol",
                    "accessKeys": [{"accessKeyId": CAROL[0], "secretAccessKey": CAROL[1]}]}]},
    ],
}

def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        world = os.path.join(tmp, "world.json")
        with open(world, "w") as f:
            json.dump(WORLD, f)
        data = os.path.join(tmp, "data")
        process, base = start(binary, data, world)
        try:
            root, alice, bob, carol = (client(base, k) for k in (ROOT_A, ALICE, BOB, CAROL))
            created = root.create_function(FunctionName="hello", Runtime="python3.11", Handler="app.handler",
                                           Role=EXEC_ROLE, Code={"ZipFile": package()})
            check("create-function", created["FunctionArn"] == F and created["ResponseMetadata"]["HTTPStatusCode"] == 201,
                  created)
            names = [f["FunctionName"] for f in alice.list_functions()["Functions"]]
            check("alice lists", names == ["hello"], names)
            check("alice reads", alice.get_function_configuration(FunctionName="hello")["State"] == "Active")
            denied = error_of(lambda: alice.delete_function(FunctionName="hello"))
            check("alice may not delete", denied == (
                "AccessDeniedException",
                "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: lambda:DeleteFunction on "
                "resource: " + F + " because no identity-based policy allows the lambda:DeleteFunction action", 403),
                denied)
            dry = root.invoke(FunctionName="hello", InvocationType="DryRun")
            check("dry run", dry["StatusCode"] == 204, dry["StatusCode"])

            # Cross account: bob's identity policy alone is not enough.
            before = error_of(lambda: bob.invoke(FunctionName=F, InvocationType="DryRun"))
            check("bob before the permission", before is not None and before[0] == "AccessDeniedException" and
                  "because no resource-based policy allows the lambda:InvokeFunction action" in before[1], before)
            root.add_permission(FunctionName="hello", StatementId="account-b", Action="lambda:InvokeFunction",
                                Principal="222222222222")
            policy = json.loads(root.get_policy(FunctionName="hello")["Policy"])
            check("get-policy", policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::222222222222:root"},
                  policy)
            check("bob after the permission",
                  bob.invoke(FunctionName=F, InvocationType="DryRun")["StatusCode"] == 204)
            carol_denied = error_of(lambda: carol.invoke(FunctionName=F, InvocationType="DryRun"))
            check("carol has no identity policy", carol_denied is not None and
                  "because no identity-based policy allows the lambda:InvokeFunction action" in carol_denied[1],
                  carol_denied)
            # The permission covers the unqualified ARN only.
            root.publish_version(FunctionName="hello")
            qualified = error_of(lambda: bob.invoke(FunctionName=F + ":1", InvocationType="DryRun"))
            check("version 1 is another ARN", qualified is not None and qualified[0] == "AccessDeniedException",
                  qualified)

            untrusted = error_of(lambda: root.create_function(
                FunctionName="other", Runtime="python3.11", Handler="app.handler", Role=EC2_ROLE,
                Code={"ZipFile": package()}))
            check("role Lambda cannot assume", untrusted == (
                "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.",
                400), untrusted)
            # alice may update the configuration but may not pass a role: refused on iam:PassRole, and
            # the function keeps its role.
            pass_role = error_of(lambda: alice.update_function_configuration(FunctionName="hello", Role=EC2_ROLE))
            check("alice lacks iam:PassRole", pass_role is not None and pass_role[0] == "AccessDeniedException" and
                  "iam:PassRole on resource: " + EC2_ROLE in pass_role[1] and pass_role[2] == 403, pass_role)
            kept = alice.get_function_configuration(FunctionName="hello")["Role"]
            check("the refused role was not set", kept != EC2_ROLE, kept)
        finally:
            check("SIGTERM exits 0", stop(process) == 0)

        # Everything survives a restart on the same data directory.
        process, base = start(binary, data, world)
        try:
            root = client(base, ROOT_A)
            versions = [v["Version"] for v in root.list_versions_by_function(FunctionName="hello")["Versions"]]
            check("restart keeps versions", versions == ["$LATEST", "1"], versions)
            policy = json.loads(root.get_policy(FunctionName="hello")["Policy"])
            check("restart keeps the function policy", policy["Statement"][0]["Sid"] == "account-b", policy)
        finally:
            stop(process)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
