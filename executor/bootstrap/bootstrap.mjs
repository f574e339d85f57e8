// gatehouse's Node.js runtime: a Lambda Runtime API client (spec/executor.md sections 2 and 4).
// It runs inside the sandbox as /var/runtime/bootstrap.mjs; the handler's file is loaded from
// /var/task once, then each event from /next is handed to it.
import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import util from "node:util";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PREFIX = "/2018-06-01/runtime";

function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: PREFIX + route, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

function versionNote() {
  const identifier = (process.env.AWS_EXECUTION_ENV || "").replace("AWS_Lambda_", "");
  const major = process.versions.node.split(".")[0];
  if (identifier.startsWith("nodejs") && identifier !== `nodejs${major}.x`) {
    process.stdout.write(`gatehouse: runtime ${identifier} served by Node.js ${process.versions.node}\n`);
  }
}

let currentRequestId = "";
// console.* as Lambda writes them: <ISO time>\t<request id>\t<LEVEL>\t<message>
for (const [name, level] of [["log", "INFO"], ["info", "INFO"], ["warn", "WARN"], ["error", "ERROR"], ["debug", "DEBUG"]]) {
  console[name] = (...args) => {
    const text = util.format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}\n`);
  };
}

function errorBody(error) {
  if (error instanceof Error) {
    return { errorType: error.name, errorMessage: error.message, trace: String(error.stack || "").split("\n") };
  }
  return { errorType: "string", errorMessage: String(error), trace: [] };
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot <= 0 || dot === spec.length - 1) {
    return { error: { errorType: "Runtime.MalformedHandlerName", errorMessage: `Bad handler ${spec}`, trace: [] } };
  }
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || "/var/task";
  let module;
  try {
    const candidates = [".js", ".mjs", ".cjs"].map((ext) => path.resolve(root, file + ext));
    const found = candidates.find((p) => fs.existsSync(p));
    if (!found) {
      const require = createRequire(path.join(root, "index.js"));
      module = require(file);  // a package in node_modules, or the runtime's own message
    } else if (found.endsWith(".cjs") || (found.endsWith(".js") && !isModulePackage(root))) {
      module = createRequire(found)(found);
    } else {
      module = await import(pathToFileURL(found).href);
    }
  } catch (e) {
    if (e && (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND")) {
      return { error: { errorType: "Runtime.ImportModuleError", errorMessage: `Error: Cannot find module '${file}'`,
                        trace: String(e.stack || "").split("\n") } };
    }
    if (e instanceof SyntaxError) {
      return { error: { errorType: "Runtime.UserCodeSyntaxError", errorMessage: `${e.name}: ${e.message}`,
                        trace: String(e.stack || "").split("\n") } };
    }
    return { error: errorBody(e) };
  }
  const handler = module[name] ?? (module.default && module.default[name]);
  if (typeof handler !== "function") {
    return { error: { errorType: "Runtime.HandlerNotFound", errorMessage: `${file}.${name} is undefined or not exported`,
                      trace: [] } };
  }
  return { handler };
}

function isModulePackage(root) {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).type === "module";
  } catch {
    return false;
  }
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    try {
      const out = handler(event, context, callback);
      if (out && typeof out.then === "function") out.then((r) => callback(null, r), (e) => callback(e ?? new Error("null")));
      else if (handler.length < 3) callback(null, out);
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  versionNote();
  const { handler, error: initError } = await loadHandler();
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const h = next.headers;
    const id = h["lambda-runtime-aws-request-id"] || "";
    currentRequestId = id;
    if (initError) {
      await call("POST", `/invocation/${id}/error`, JSON.stringify(initError),
                 { "Lambda-Runtime-Function-Error-Type": initError.errorType, "Content-Type": "application/json" });
      continue;
    }
    const deadline = Number(h["lambda-runtime-deadline-ms"] || 0);
    const context = {
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      awsRequestId: id,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
      identity: h["lambda-runtime-cognito-identity"] ? JSON.parse(h["lambda-runtime-cognito-identity"]) : undefined,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    };
    let result;
    try {
      const event = next.body ? JSON.parse(next.body) : undefined;
      result = await runHandler(handler, event, context);
    } catch (e) {
      const body = errorBody(e);
      // Logged as AWS's runtime interface client logs it (the stack under "stack").
      const { trace, ...rest } = body;
      console.error(`Invoke Error \t${JSON.stringify({ ...rest, stack: trace })}`);
      await call("POST", `/invocation/${id}/error`, JSON.stringify(body),
                 { "Lambda-Runtime-Function-Error-Type": "Runtime.Unhandled", "Content-Type": "application/json" });
      continue;
    }
    const text = result === undefined ? "null" : JSON.stringify(result);
    await call("POST", `/invocation/${id}/response`, text, { "Content-Type": "application/json" });
  }
}

main().catch((e) => {
  process.stderr.write(`gatehouse runtime: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
