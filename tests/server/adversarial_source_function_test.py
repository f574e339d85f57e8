"""An adversarial review's finding: requests made by function code with its execution role's
credentials carry no lambda:SourceFunctionArn. AWS injects it into the request context of every
API request that comes from the execution environment ("Using source function ARN to control
function access behavior", Lambda developer guide), so identity policies and SCPs can tell two
functions sharing a role apart. Here the role denies lambda:GetFunctionConfiguration to the code
of function `untrusted` (ArnEquals lambda:SourceFunctionArn); without the key the deny never
matches and the code does what the policy forbids. (Allows conditioned on the key never match
either.)

usage: adversarial_source_function_test.py GATEHOUSE_BINARY"""
import json
import sys
import tempfile

from lambda_boto3_harness import REGION, check, client, package, start_world, stop, summary

ROOT = ("AKIAROOTAEXAMPLE0001", "rootASecretEXAMPLErootASecretEXAMPLE0000")
ACCOUNT = "111111111111"
UNTRUSTED = "arn:aws:lambda:%s:%s:function:untrusted" % (REGION, ACCOUNT)
WORLD = {
    "region": REGION,
    "accounts": [{
        "id": ACCOUNT,
        "rootAccessKeys": [{"accessKeyId": ROOT[0], "secretAccessKey": ROOT[1]}],
        "roles": [{
            "name": "shared",
            "assumeRolePolicy": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "inlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "lambda:GetFunctionConfiguration", "Resource": "*"},
                {"Effect": "Deny", "Action": "lambda:GetFunctionConfiguration", "Resource": "*",
                 "Condition": {"ArnEquals": {"lambda:SourceFunctionArn": UNTRUSTED}}}]}}}],
    }],
}
CODE = """
import os, boto3
def handler(event, context):
    lam = boto3.client("lambda", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    try:
        return lam.get_function_configuration(FunctionName="untrusted")["FunctionName"]
    except Exception as error:
        return "refused: " + str(error)[:300]
"""


def main():
    with tempfile.TemporaryDirectory() as tmp:
        process, base, _ = start_world(sys.argv[1], tmp, WORLD)
        try:
            root = client(base, ROOT)
            root.create_function(FunctionName="untrusted", Runtime="python3.12", Handler="app.handler",
                                 Role="arn:aws:iam::%s:role/shared" % ACCOUNT, Code={"ZipFile": package(CODE)},
                                 Timeout=20)
            answer = json.loads(root.invoke(FunctionName="untrusted")["Payload"].read())
            check("the code of `untrusted` is refused by the deny on its lambda:SourceFunctionArn",
                  isinstance(answer, str) and answer.startswith("refused:") and "AccessDenied" in answer, answer)
        finally:
            stop(process)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
