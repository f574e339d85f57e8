// The greeter app's permissions with node:test, against a real, enforcing gatehouse: one server
// for this file, the world reset before each test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GetUserCommand, IAMClient } from "@aws-sdk/client-iam";
import { UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { useGatehouse } from "@gatehouse/testing/node-test";
import * as greeter from "../src/greeter.js";

// The binary: $GATEHOUSE_BIN (or `bin:`), else `gatehouse` on PATH.
const gatehouse = useGatehouse({ world: new URL("../world.json", import.meta.url), clock: "2026-01-01T00:00:00Z" });

const DEV = "arn:aws:iam::111111111111:user/dev";
const ONCALL = "arn:aws:iam::111111111111:user/oncall";
const ADMIN = "arn:aws:iam::111111111111:user/admin";
const GREETER = "arn:aws:lambda:us-east-1:111111111111:function:greeter";

test("clients are signed as their principal", async () => {
  const identity = await gatehouse.stsClient(DEV).send(new GetCallerIdentityCommand({}));
  assert.equal(identity.Arn, DEV);
  assert.deepEqual(gatehouse.accounts, ["111111111111"]);
});

test("dev reads and invokes the greeter", async () => {
  const lambda = gatehouse.lambdaClient(DEV);
  const configuration = await gatehouse.assertAllowed(greeter.describe(lambda));
  assert.equal(configuration.FunctionName, "greeter");
  assert.equal(await greeter.greet(lambda, "ada"), "hello ada");
});

test("dev may not delete or reconfigure it", async () => {
  const lambda = gatehouse.lambdaClient(DEV);
  await gatehouse.assertDenied(greeter.retire(lambda), { reason: "explicitDeny", statement: "NoDelete" });
  await gatehouse.assertDenied(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "greeter", Timeout: 9 })),
    { reason: "implicitDeny" });
  assert.equal((await greeter.describe(lambda)).FunctionName, "greeter");
});

test("the same questions asked of explain", async () => {
  await gatehouse.assertAllowed({ principal: DEV, action: "lambda:InvokeFunction", resource: GREETER }, { statement: "ReadAndInvoke" });
  await gatehouse.assertDenied({ principal: DEV, action: "lambda:DeleteFunction", resource: GREETER },
    { reason: "explicitDeny", statement: "NoDelete" });
});

let onboarded = null;

test("the admin onboards a user", async () => {
  onboarded = await greeter.onboard(gatehouse.iamClient(ADMIN), "carol");
  assert.equal(onboarded, "arn:aws:iam::111111111111:user/carol");
  const carol = gatehouse.lambdaClient(onboarded);
  await gatehouse.assertAllowed(greeter.describe(carol));
  await gatehouse.assertDenied(greeter.greet(carol, "carol"), { reason: "implicitDeny" });
});

test("the next test starts from the world file again", async (t) => {
  if (!onboarded) return t.skip("shows the reset after the onboarding test");
  const iam = gatehouse.client(IAMClient, ADMIN);
  await assert.rejects(iam.send(new GetUserCommand({ UserName: "carol" })), { name: "NoSuchEntityException" });
});

test("on-call may invoke until the end of 2026", async () => {
  const lambda = gatehouse.lambdaClient(ONCALL);
  assert.ok((await gatehouse.clock.now()) < new Date("2026-01-02T00:00:00Z"));
  assert.equal(await greeter.greet(lambda, "night"), "hello night");
  await gatehouse.clock.set("2027-01-01T00:00:00Z");
  await gatehouse.assertDenied(greeter.greet(lambda, "late"), { reason: "implicitDeny" });
  await gatehouse.clock.advance(-3600);
  await gatehouse.assertAllowed(greeter.greet(lambda, "just in time"));
});
