// The AWS SDK for JavaScript v3 (Lambda, IAM and STS clients) against the real
// `gatehouse serve` on a loopback port: a world made through IAM, a role assumed through STS,
// Lambda calls allowed and denied, the SDK's error classes and AWS's messages.
// Usage: node sdk_test.mjs path/to/gatehouse
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { crc32 } from "node:zlib";

let LambdaClient, IAMClient, STSClient, lambda, iam, sts;
try {
  ({ LambdaClient } = await import("@aws-sdk/client-lambda"));
  lambda = await import("@aws-sdk/client-lambda");
  ({ IAMClient } = await import("@aws-sdk/client-iam"));
  iam = await import("@aws-sdk/client-iam");
  ({ STSClient } = await import("@aws-sdk/client-sts"));
  sts = await import("@aws-sdk/client-sts");
} catch (e) {
  console.log("the AWS SDK for JavaScript is missing (make test runs npm ci in tests/js): " + e.message);
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const A = "111111111111";
const ROOT = { accessKeyId: "AKIAEXAMPLEROOT11111", secretAccessKey: "rootSecretEXAMPLErootSecretEXAMPLEroot00" };
const WORLD = {
  region: "us-east-1",
  accounts: [{ id: A, rootAccessKeys: [ROOT] }],
};
let passed = 0;
let failed = 0;

function check(name, condition, detail = "") {
  if (condition) {
    passed += 1;
  } else {
    failed += 1;
    console.log(`FAIL ${name} ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
  }
}

// The SDK error of `promise`: {name, message, status}; null when it succeeds.
async function errorOf(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
}

// A one-file zip archive (stored, no compression): what CreateFunction uploads.
function zipOf(name, text) {
  const data = Buffer.from(text);
  const file = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + file.length, 12);
  end.writeUInt32LE(local.length + file.length + data.length, 16);
  return new Uint8Array(Buffer.concat([local, file, data, central, file, end]));
}

function start(binary, dir) {
  const world = join(dir, "world.json");
  writeFileSync(world, JSON.stringify(WORLD));
  const server = spawn(binary, ["serve", "--listen", "127.0.0.1:0", "--data", join(dir, "data"), "--bootstrap", world],
    { stdio: ["ignore", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start")), 15000);
    createInterface({ input: server.stdout }).once("line", (line) => {
      clearTimeout(timer);
      const prefix = "gatehouse: listening on ";
      if (!line.startsWith(prefix)) reject(new Error("unexpected first line: " + line));
      resolve({ server, base: "http://" + line.slice(prefix.length) });
    });
  });
}

function clients(base, credentials) {
  const config = { endpoint: base, region: "us-east-1", credentials, maxAttempts: 1 };
  return { lambda: new LambdaClient(config), iam: new IAMClient(config), sts: new STSClient(config) };
}

const doc = (statements) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

async function run(base) {
  const root = clients(base, ROOT);
  const me = await root.sts.send(new sts.GetCallerIdentityCommand({}));
  check("root identity", me.Arn === `arn:aws:iam::${A}:root` && me.Account === A, me);

  // IAM: a user with keys and an inline policy; the document comes back URL-encoded.
  const user = await root.iam.send(new iam.CreateUserCommand({ UserName: "alice", Tags: [{ Key: "team", Value: "red" }] }));
  check("create user", user.User.Arn === `arn:aws:iam::${A}:user/alice` && user.User.UserId.startsWith("AIDA"), user.User);
  const key = (await root.iam.send(new iam.CreateAccessKeyCommand({ UserName: "alice" }))).AccessKey;
  check("create access key", key.AccessKeyId.startsWith("AKIA") && key.SecretAccessKey.length === 40, key);
  const readPolicy = doc([{ Effect: "Allow", Action: ["lambda:Get*", "lambda:List*"], Resource: "*" },
    { Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${A}:role/deployer` }]);
  await root.iam.send(new iam.PutUserPolicyCommand({ UserName: "alice", PolicyName: "read", PolicyDocument: readPolicy }));
  const back = await root.iam.send(new iam.GetUserPolicyCommand({ UserName: "alice", PolicyName: "read" }));
  check("policy document URL-encoded", decodeURIComponent(back.PolicyDocument) === readPolicy, back.PolicyDocument);
  const missing = await errorOf(root.iam.send(new iam.GetUserCommand({ UserName: "nobody" })));
  check("NoSuchEntityException", missing?.name === "NoSuchEntityException" &&
    missing.message === "The user with name nobody cannot be found." && missing.status === 404, missing);
  const twice = await errorOf(root.iam.send(new iam.CreateUserCommand({ UserName: "ALICE" })));
  check("EntityAlreadyExistsException", twice?.name === "EntityAlreadyExistsException" && twice.status === 409, twice);

  // Roles: an execution role for Lambda, and a role alice may assume.
  await root.iam.send(new iam.CreateRoleCommand({ RoleName: "exec", AssumeRolePolicyDocument: doc([
    { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }]) }));
  const role = await root.iam.send(new iam.CreateRoleCommand({ RoleName: "deployer", AssumeRolePolicyDocument: doc([
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: "sts:AssumeRole" }]) }));
  check("create role", role.Role.RoleId.startsWith("AROA"), role.Role);
  await root.iam.send(new iam.PutRolePolicyCommand({ RoleName: "deployer", PolicyName: "deploy",
    PolicyDocument: doc([{ Effect: "Allow", Action: "lambda:*", Resource: "*" }]) }));

  // Lambda as the root.
  const created = await root.lambda.send(new lambda.CreateFunctionCommand({
    FunctionName: "hello", Runtime: "python3.12", Handler: "app.handler", Role: `arn:aws:iam::${A}:role/exec`,
    Code: { ZipFile: zipOf("app.py", "def handler(event, context):\n    return event\n") } }));
  check("create function", created.FunctionArn === `arn:aws:lambda:us-east-1:${A}:function:hello` &&
    created.$metadata.httpStatusCode === 201, created.FunctionArn);

  // alice reads but may not delete; the message carries the reason.
  const alice = clients(base, { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
  const config = await alice.lambda.send(new lambda.GetFunctionConfigurationCommand({ FunctionName: "hello" }));
  check("alice reads", config.FunctionName === "hello" && config.State === "Active", config.State);
  const listed = await alice.lambda.send(new lambda.ListFunctionsCommand({}));
  check("alice lists", listed.Functions.map((f) => f.FunctionName).join() === "hello", listed.Functions);
  const denied = await errorOf(alice.lambda.send(new lambda.DeleteFunctionCommand({ FunctionName: "hello" })));
  check("alice may not delete", denied?.name === "AccessDeniedException" && denied.status === 403 &&
    denied.message === `User: arn:aws:iam::${A}:user/alice is not authorized to perform: lambda:DeleteFunction on ` +
      `resource: arn:aws:lambda:us-east-1:${A}:function:hello because no identity-based policy allows the ` +
      "lambda:DeleteFunction action", denied);
  const iamDenied = await errorOf(alice.iam.send(new iam.CreateUserCommand({ UserName: "mallory" })));
  check("alice may not create users", iamDenied?.name === "AccessDenied" || iamDenied?.name === "AccessDeniedException",
    iamDenied);

  // alice assumes deployer; the session may delete.
  const assumed = await alice.sts.send(new sts.AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${A}:role/deployer`, RoleSessionName: "js-session", DurationSeconds: 900 }));
  check("assume role", assumed.Credentials.AccessKeyId.startsWith("ASIA") &&
    assumed.AssumedRoleUser.Arn === `arn:aws:sts::${A}:assumed-role/deployer/js-session` &&
    assumed.Credentials.Expiration instanceof Date, assumed.AssumedRoleUser);
  const session = clients(base, { accessKeyId: assumed.Credentials.AccessKeyId,
    secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken });
  const who = await session.sts.send(new sts.GetCallerIdentityCommand({}));
  check("session identity", who.Arn === `arn:aws:sts::${A}:assumed-role/deployer/js-session` &&
    who.UserId.endsWith(":js-session"), who);
  const dry = await session.lambda.send(new lambda.InvokeCommand({ FunctionName: "hello", InvocationType: "DryRun" }));
  check("session dry-run invoke", dry.StatusCode === 204, dry.StatusCode);
  const permission = await session.lambda.send(new lambda.AddPermissionCommand({
    FunctionName: "hello", StatementId: "s3", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com",
    SourceArn: "arn:aws:s3:::bucket", SourceAccount: A }));
  check("add permission", JSON.parse(permission.Statement).Sid === "s3", permission.Statement);
  const policy = JSON.parse((await session.lambda.send(new lambda.GetPolicyCommand({ FunctionName: "hello" }))).Policy);
  check("get policy", policy.Statement[0].Condition.ArnLike["AWS:SourceArn"] === "arn:aws:s3:::bucket", policy);
  await session.lambda.send(new lambda.DeleteFunctionCommand({ FunctionName: "hello" }));
  const gone = await errorOf(session.lambda.send(new lambda.GetFunctionCommand({ FunctionName: "hello" })));
  check("deleted", gone?.name === "ResourceNotFoundException" && gone.status === 404, gone);

  await everyLambdaOperation(root);

  const rootAssume = await errorOf(root.sts.send(new sts.AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${A}:role/deployer`, RoleSessionName: "root" })));
  check("root may not assume", rootAssume?.name === "AccessDenied" &&
    rootAssume.message === "Roles may not be assumed by root accounts.", rootAssume);
}

// The 25 Lambda operations through the JavaScript SDK's own serializers and parsers.
async function everyLambdaOperation(root) {
  const L = lambda;
  const name = "js-all";
  const role = `arn:aws:iam::${A}:role/exec`;
  const created = await root.lambda.send(new L.CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs20.x", Handler: "index.handler", Role: role, Timeout: 5,
    Environment: { Variables: { MODE: "test" } }, Tags: { team: "js" },
    Code: { ZipFile: zipOf("index.js", "exports.handler = async (e) => e;\n") } }));
  check("CreateFunction", created.Runtime === "nodejs20.x" && created.State === "Active" &&
    created.Environment.Variables.MODE === "test", created);
  const fn = await root.lambda.send(new L.GetFunctionCommand({ FunctionName: name }));
  check("GetFunction", fn.Configuration.FunctionName === name && fn.Tags.team === "js", fn.Tags);
  const updated = await root.lambda.send(new L.UpdateFunctionConfigurationCommand({
    FunctionName: name, MemorySize: 256, Description: "from js" }));
  check("UpdateFunctionConfiguration", updated.MemorySize === 256 && updated.Description === "from js", updated);
  const code = await root.lambda.send(new L.UpdateFunctionCodeCommand({
    FunctionName: name, ZipFile: zipOf("index.js", "exports.handler = async () => 2;\n") }));
  check("UpdateFunctionCode", code.CodeSha256 !== created.CodeSha256, code.CodeSha256);
  const v1 = await root.lambda.send(new L.PublishVersionCommand({ FunctionName: name }));
  check("PublishVersion", v1.Version === "1", v1.Version);
  const versions = await root.lambda.send(new L.ListVersionsByFunctionCommand({ FunctionName: name }));
  check("ListVersionsByFunction", versions.Versions.map((v) => v.Version).join() === "$LATEST,1", versions.Versions);
  const alias = await root.lambda.send(new L.CreateAliasCommand({ FunctionName: name, Name: "live",
    FunctionVersion: "1" }));
  check("CreateAlias", alias.AliasArn.endsWith(`:function:${name}:live`), alias);
  const got = await root.lambda.send(new L.GetAliasCommand({ FunctionName: name, Name: "live" }));
  check("GetAlias", got.FunctionVersion === "1", got);
  const renamed = await root.lambda.send(new L.UpdateAliasCommand({ FunctionName: name, Name: "live",
    Description: "current" }));
  check("UpdateAlias", renamed.Description === "current", renamed);
  const aliases = await root.lambda.send(new L.ListAliasesCommand({ FunctionName: name }));
  check("ListAliases", aliases.Aliases.map((a) => a.Name).join() === "live", aliases.Aliases);
  const cfg = await root.lambda.send(new L.GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: "live" }));
  check("GetFunctionConfiguration (alias)", cfg.Version === "1", cfg.Version);
  await root.lambda.send(new L.AddPermissionCommand({ FunctionName: name, Qualifier: "live", StatementId: "apigw",
    Action: "lambda:InvokeFunction", Principal: "apigateway.amazonaws.com" }));
  const policy = JSON.parse((await root.lambda.send(new L.GetPolicyCommand({ FunctionName: name,
    Qualifier: "live" }))).Policy);
  check("GetPolicy (alias)", policy.Statement.length === 1 && policy.Statement[0].Sid === "apigw", policy);
  await root.lambda.send(new L.RemovePermissionCommand({ FunctionName: name, Qualifier: "live", StatementId: "apigw" }));
  const noPolicy = await errorOf(root.lambda.send(new L.GetPolicyCommand({ FunctionName: name, Qualifier: "live" })));
  check("RemovePermission", noPolicy?.name === "ResourceNotFoundException", noPolicy);
  const dry = await root.lambda.send(new L.InvokeCommand({ FunctionName: name, Qualifier: "live",
    InvocationType: "DryRun", Payload: new TextEncoder().encode("{}") }));
  check("Invoke DryRun", dry.StatusCode === 204, dry.StatusCode);
  const queued = await errorOf(root.lambda.send(new L.InvokeAsyncCommand({ FunctionName: name,
    InvokeArgs: new TextEncoder().encode("{}") })));
  check("InvokeAsync (authorized, queued)", queued === null, queued);
  const settings = await root.lambda.send(new L.GetAccountSettingsCommand({}));
  check("GetAccountSettings", settings.AccountLimit.CodeSizeZipped > 0 && settings.AccountUsage.FunctionCount >= 1,
    settings);
  await root.lambda.send(new L.CreateFunctionCommand({ FunctionName: "js-two", Runtime: "nodejs20.x",
    Handler: "index.handler", Role: role, Code: { ZipFile: zipOf("index.js", "exports.handler = async () => 1;\n") } }));
  const first = await root.lambda.send(new L.ListFunctionsCommand({ MaxItems: 1 }));
  const second = first.NextMarker
    ? await root.lambda.send(new L.ListFunctionsCommand({ MaxItems: 1, Marker: first.NextMarker })) : { Functions: [] };
  check("ListFunctions pages", [...first.Functions, ...second.Functions].map((f) => f.FunctionName).sort().join() ===
    "js-all,js-two" && !second.NextMarker, [first, second]);
  await root.lambda.send(new L.DeleteFunctionCommand({ FunctionName: "js-two" }));

  const queue = `arn:aws:sqs:us-east-1:${A}:js-queue`;
  await root.iam.send(new iam.PutRolePolicyCommand({ RoleName: "exec", PolicyName: "queue", PolicyDocument: doc([
    { Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], Resource: queue }]) }));
  const mapping = await root.lambda.send(new L.CreateEventSourceMappingCommand({ FunctionName: name,
    EventSourceArn: queue, BatchSize: 5 }));
  check("CreateEventSourceMapping", mapping.UUID && mapping.BatchSize === 5, mapping);
  const fetched = await root.lambda.send(new L.GetEventSourceMappingCommand({ UUID: mapping.UUID }));
  check("GetEventSourceMapping", fetched.EventSourceArn === queue, fetched);
  const changed = await root.lambda.send(new L.UpdateEventSourceMappingCommand({ UUID: mapping.UUID, BatchSize: 7 }));
  check("UpdateEventSourceMapping", changed.BatchSize === 7, changed);
  const mappings = await root.lambda.send(new L.ListEventSourceMappingsCommand({ FunctionName: name }));
  check("ListEventSourceMappings", mappings.EventSourceMappings.length === 1, mappings.EventSourceMappings);
  const deleted = await root.lambda.send(new L.DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
  check("DeleteEventSourceMapping", deleted.State === "Deleting", deleted.State);
  await root.lambda.send(new L.DeleteAliasCommand({ FunctionName: name, Name: "live" }));
  const aliasGone = await errorOf(root.lambda.send(new L.GetAliasCommand({ FunctionName: name, Name: "live" })));
  check("DeleteAlias", aliasGone?.name === "ResourceNotFoundException", aliasGone);
  await root.lambda.send(new L.DeleteFunctionCommand({ FunctionName: name }));
  const gone = await errorOf(root.lambda.send(new L.GetFunctionCommand({ FunctionName: name })));
  check("DeleteFunction", gone?.name === "ResourceNotFoundException", gone);
}

const binary = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), "gatehouse-js-"));
let server;
const deadline = setTimeout(() => {
  console.log("timed out");
  server?.kill("SIGKILL");
  process.exit(1);
}, 90000);
try {
  let base;
  ({ server, base } = await start(binary, dir));
  await run(base);
} catch (e) {
  check("run", false, `${e.name}: ${e.message}`);
} finally {
  if (server) {
    const exited = new Promise((resolve) => server.once("exit", (code) => resolve(code)));
    server.kill("SIGTERM");
    check("SIGTERM exits 0", (await exited) === 0);
  }
  rmSync(dir, { recursive: true, force: true });
  clearTimeout(deadline);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
