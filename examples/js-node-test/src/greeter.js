// A small application: the code whose permissions the tests check. It takes its AWS SDK clients
// as arguments, so the tests hand it clients signed as the principal they are about.
import { DeleteFunctionCommand, GetFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { CreateUserCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";

const READ_ONLY_LAMBDA = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["lambda:GetFunction"], Resource: "*" }],
});

/** Invokes the greeter; its greeting. */
export async function greet(lambda, name) {
  const answer = await lambda.send(new InvokeCommand({ FunctionName: "greeter", Payload: JSON.stringify({ name }) }));
  if (answer.FunctionError) throw new Error(`greeter failed: ${Buffer.from(answer.Payload).toString()}`);
  return JSON.parse(Buffer.from(answer.Payload).toString()).greeting;
}

/** The function's configuration. */
export async function describe(lambda, name = "greeter") {
  return (await lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration;
}

/** Deletes the function. */
export async function retire(lambda, name = "greeter") {
  await lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
}

/** A new user who may read the functions; the user's ARN. */
export async function onboard(iam, userName) {
  const { User } = await iam.send(new CreateUserCommand({ UserName: userName }));
  await iam.send(new PutUserPolicyCommand({ UserName: userName, PolicyName: "read-only-lambda", PolicyDocument: READ_ONLY_LAMBDA }));
  return User.Arn;
}
