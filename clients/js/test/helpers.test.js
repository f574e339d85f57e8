// The package's own tests: what passes, what fails and what the failures say, against the real
// binary ($GATEHOUSE_BIN). The AWS SDK comes from the repository's tests/js (make js-deps).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { startGatehouse } from "../src/index.js";

const require = createRequire(new URL("../../../tests/js/package.json", import.meta.url));
const { LambdaClient, ListFunctionsCommand, DeleteFunctionCommand, GetFunctionCommand, UpdateFunctionConfigurationCommand } =
  require("@aws-sdk/client-lambda");
const { STSClient, GetCallerIdentityCommand } = require("@aws-sdk/client-sts");
const { IAMClient, CreateUserCommand, GetUserCommand } = require("@aws-sdk/client-iam");

const A = "111111111111";
const DEV = `arn:aws:iam::${A}:user/dev`;
const WORLD = {
  accounts: [{
    id: A,
    rootAccessKeys: [{ accessKeyId: "AKIAEXAMPLEROOT11111", secretAccessKey: "rootSecretEXAMPLErootSecretEXAMPLEroot00" }],
    users: [{
      name: "dev",
      inlinePolicies: {
        dev: {
          Version: "2012-10-17",
          Statement: [
            { Sid: "Read", Effect: "Allow", Action: ["lambda:List*", "lambda:Get*"], Resource: "*" },
            { Sid: "NoDelete", Effect: "Deny", Action: "lambda:DeleteFunction", Resource: "*" },
          ],
        },
      },
    }],
    roles: [{
      name: "deployer",
      assumeRolePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: "sts:AssumeRole" }] },
      inlinePolicies: { deploy: { Version: "2012-10-17", Statement: [{ Sid: "Deploy", Effect: "Allow", Action: "lambda:*", Resource: "*" }] } },
    }],
  }],
};

let gh;
before(async () => {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const file = join(mkdtempSync(join(tmpdir(), "gatehouse-js-")), "world.json");
  writeFileSync(file, JSON.stringify(WORLD));
  gh = await startGatehouse({ world: file });
});
after(async () => gh && gh.stop());

test("passing assertions", async () => {
  await gh.reset();
  const lambda = gh.client(LambdaClient, DEV);
  await gh.assertAllowed(lambda.send(new ListFunctionsCommand({})));
  const error = await gh.assertDenied(() => lambda.send(new DeleteFunctionCommand({ FunctionName: "f" })),
    { reason: "explicitDeny", statement: "NoDelete" });
  assert.equal(error.name, "AccessDeniedException");
  await gh.assertDenied(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: "f", Timeout: 3 })),
    { reason: "implicitDeny" });
  await gh.assertAllowed({ principal: DEV, action: "lambda:GetFunction", resource: "*" }, { statement: "Read" });
});

test("failures say what was decided and why", async () => {
  const lambda = gh.client(LambdaClient, DEV);
  const del = () => lambda.send(new DeleteFunctionCommand({ FunctionName: "f" }));
  await assert.rejects(gh.assertDenied(lambda.send(new ListFunctionsCommand({}))),
    { name: "AssertionError", message: /^expected AccessDenied, but the call succeeded/ });
  await assert.rejects(gh.assertAllowed(del()), (e) => {
    assert.equal(e.name, "AssertionError");
    assert.match(e.message, new RegExp(`^expected allowed, got AccessDeniedException: User: ${DEV} is not authorized to perform: lambda:DeleteFunction on resource: \\S+ with an explicit deny`));
    assert.match(e.message, /explain: .* explicitDeny by \S*NoDelete/);
    return true;
  });
  await assert.rejects(gh.assertDenied(del(), { reason: "implicitDeny" }), { message: /^expected implicitDeny, got explicitDeny/ });
  await assert.rejects(gh.assertDenied(del(), { statement: "Read" }), { message: /but not by statement Read/ });
  await assert.rejects(gh.assertDenied(lambda.send(new GetFunctionCommand({ FunctionName: "missing" }))),
    { message: /^expected AccessDenied, got ResourceNotFoundException/ });
  await assert.rejects(gh.assertAllowed({ principal: DEV, action: "lambda:DeleteFunction" }),
    { message: /^expected allowed, got explicitDeny.*NoDelete/s });
});

test("each reset brings the world file back", async () => {
  const iam = gh.client(IAMClient); // the first account's root
  await iam.send(new CreateUserCommand({ UserName: "temp" }));
  assert.equal((await iam.send(new GetUserCommand({ UserName: "temp" }))).User.UserName, "temp");
  await gh.reset();
  await assert.rejects(iam.send(new GetUserCommand({ UserName: "temp" })), { name: "NoSuchEntityException" });
});

test("a role is a session; requests are signed at the server's clock", async () => {
  await gh.reset();
  const arn = (await gh.client(STSClient, "role/deployer").send(new GetCallerIdentityCommand({}))).Arn;
  assert.match(arn, new RegExp(`^arn:aws:sts::${A}:assumed-role/deployer/`));
  const start = await gh.clock.set(new Date("2031-03-01T00:00:00Z"));
  assert.equal(start.toISOString(), "2031-03-01T00:00:00.000Z");
  const later = await gh.clock.advance(7200);
  assert.ok(later - start >= 7200e3 && later - start < 7260e3);
  const sts = gh.client(STSClient, DEV);
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, DEV);
});

test("a missing binary is a clear error", async () => {
  await assert.rejects(startGatehouse({ bin: "/nonexistent/gatehouse" }), { message: /gatehouse did not start \(spawn \/nonexistent\/gatehouse ENOENT\)/ });
});
