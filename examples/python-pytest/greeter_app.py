"""A small application: the code whose permissions the tests check. It takes its boto3 clients
as arguments, so the tests hand it clients signed as the principal they are about."""
import json

READ_ONLY_LAMBDA = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["lambda:GetFunction", "lambda:ListFunctions"], "Resource": "*"}],
})


def greet(lambda_client, name):
    """Invokes the greeter function; its greeting."""
    answer = lambda_client.invoke(FunctionName="greeter", Payload=json.dumps({"name": name}).encode())
    return json.loads(answer["Payload"].read())["greeting"]


def describe(lambda_client, function="greeter"):
    """The function's configuration."""
    return lambda_client.get_function(FunctionName=function)["Configuration"]


def retire(lambda_client, function="greeter"):
    """Deletes the function."""
    lambda_client.delete_function(FunctionName=function)


def onboard(iam_client, user_name):
    """A new user who may read the functions; the user's ARN."""
    user = iam_client.create_user(UserName=user_name)["User"]
    iam_client.put_user_policy(UserName=user_name, PolicyName="read-only-lambda", PolicyDocument=READ_ONLY_LAMBDA)
    return user["Arn"]
