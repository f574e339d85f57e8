// A `gatehouse serve --ephemeral` process: started from its binary, ready when it prints its JSON
// line, stopped with SIGTERM; and the handle a test uses on it (control calls, SDK clients).
import { spawn, execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { assertAllowed, assertDenied, setDefaultGatehouse } from "./assertions.js";
import { makeClient } from "./clients.js";

/**
 * @typedef {{AccessKeyId: string, SecretAccessKey: string, SessionToken?: string, Expiration?: string}} Credentials
 * @typedef {{policy: string, sid?: string}} MatchedStatement
 * @typedef {{decision: "allowed"|"explicitDeny"|"implicitDeny", matchedStatements: MatchedStatement[],
 *            missingContextValues: string[], principal?: string, action?: string, resource?: string}} Explanation
 * @typedef {{principal: string, action: string, resource?: string, context?: Record<string, unknown>}} Question
 * @typedef {{endpoint: string, grpc?: string|null, region: string, accounts: string[],
 *            controlToken?: string|null}} ReadyLine
 */

/** The header that carries the ready line's controlToken on each /_gatehouse/ call. */
export const CONTROL_TOKEN_HEADER = "x-gatehouse-control-token";

/** The gatehouse binary: `bin`, else $GATEHOUSE_BIN, else `gatehouse` on PATH. */
export function findBinary(bin) {
  const candidate = bin ?? process.env.GATEHOUSE_BIN;
  if (candidate) return candidate instanceof URL ? fileURLToPath(candidate) : String(candidate);
  try {
    return execFileSync("sh", ["-c", "command -v gatehouse"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no gatehouse binary: pass bin, set GATEHOUSE_BIN, or put gatehouse on PATH");
  }
}

function pathOf(file) {
  return file instanceof URL ? fileURLToPath(file) : resolve(String(file));
}

function isoOf(when) {
  return when instanceof Date ? when.toISOString().replace(/\.\d{3}Z$/, "Z") : String(when);
}

/** A handle on a running gatehouse: what tests use. */
export class Gatehouse {
  /** @param {ReadyLine} ready */
  constructor(ready) {
    /** The server's base URL, e.g. http://127.0.0.1:PORT */
    this.endpoint = ready.endpoint.replace(/\/$/, "");
    /** The gRPC port's host:port, when it was opened. */
    this.grpc = ready.grpc ?? null;
    this.region = ready.region ?? "us-east-1";
    /** @type {string[]} */
    this.accounts = [...(ready.accounts ?? [])];
    /** The ready line's controlToken: every /_gatehouse/ call carries it. @type {string|null} */
    this.controlToken = ready.controlToken ?? null;
    /** Server time minus this machine's time, in ms; null until first read. @type {number|null} */
    this._offsetMs = null;
    const self = this;
    /** The server's clock: what aws:CurrentTime, session expiry and the SigV4 time check see. */
    this.clock = {
      /** @returns {Promise<Date>} */
      now: async () => self._setOffset(await self._control("GET", "/_gatehouse/clock")),
      /** @param {Date|string} when @returns {Promise<Date>} */
      set: async (when) => self._setOffset(await self._control("POST", "/_gatehouse/clock", { set: isoOf(when) })),
      /** @param {number} seconds (may be negative) @returns {Promise<Date>} */
      advance: async (seconds) =>
        self._setOffset(await self._control("POST", "/_gatehouse/clock", { advanceSeconds: Math.trunc(seconds) })),
    };
  }

  /** The handle of a server started elsewhere (a global setup): from $GATEHOUSE_ENDPOINT etc. */
  static fromEnv(env = process.env) {
    if (!env.GATEHOUSE_ENDPOINT) {
      throw new Error("GATEHOUSE_ENDPOINT is not set: is @gatehouse/testing/global-setup the globalSetup?");
    }
    return new Gatehouse({
      endpoint: env.GATEHOUSE_ENDPOINT,
      grpc: env.GATEHOUSE_GRPC || null,
      region: env.GATEHOUSE_REGION || "us-east-1",
      accounts: (env.GATEHOUSE_ACCOUNTS || "").split(",").filter(Boolean),
      controlToken: env.GATEHOUSE_CONTROL_TOKEN || null,
    });
  }

  /** Environment variables that let another process (a test worker) reach this server. */
  env() {
    return {
      GATEHOUSE_ENDPOINT: this.endpoint,
      GATEHOUSE_REGION: this.region,
      GATEHOUSE_ACCOUNTS: this.accounts.join(","),
      ...(this.controlToken ? { GATEHOUSE_CONTROL_TOKEN: this.controlToken } : {}),
      ...(this.grpc ? { GATEHOUSE_GRPC: this.grpc } : {}),
    };
  }

  async _control(method, path, body) {
    const response = await fetch(this.endpoint + path, {
      method,
      headers: {
        [CONTROL_TOKEN_HEADER]: this.controlToken ?? "",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
    return text.trim() ? JSON.parse(text) : null;
  }

  _setOffset(answer) {
    const now = new Date(answer.now);
    this._offsetMs = now.getTime() - Date.now();
    return now;
  }

  /** A full ARN: an ARN as is; `user/NAME`, `role/NAME` or `root` in the first account; none is its root. */
  principalArn(principal) {
    const p = principal ?? "root";
    if (p.startsWith("arn:")) return p;
    if (this.accounts.length === 0) throw new Error("the world has no accounts; name the principal by ARN");
    return p === "root" ? `arn:aws:iam::${this.accounts[0]}:root` : `arn:aws:iam::${this.accounts[0]}:${p}`;
  }

  /** The world back to what the world file declared. */
  async reset() {
    await this._control("POST", "/_gatehouse/reset");
    await this.clock.now();
  }

  /**
   * Credentials of a user, a role (a fresh session) or an account root.
   * @param {string} [principal] @returns {Promise<Credentials>}
   */
  credentials(principal) {
    return this._control("POST", "/_gatehouse/credentials", { principal: this.principalArn(principal) });
  }

  /**
   * The decision the server makes, and why.
   * @param {Question} question @returns {Promise<Explanation>}
   */
  async explain({ principal, action, resource = "*", context = {} }) {
    const arn = this.principalArn(principal);
    const answer = await this._control("POST", "/_gatehouse/explain", { principal: arn, action, resource, context });
    return { principal: arn, action, resource, ...answer };
  }

  /**
   * The options of an AWS SDK v3 client signed as `principal` against this server: endpoint,
   * region, credentials fetched on first use, signing at the server's clock, one attempt.
   * @param {string} [principal]
   */
  clientConfig(principal) {
    const arn = this.principalArn(principal);
    let cached = null;
    const self = this;
    return {
      endpoint: this.endpoint,
      region: this.region,
      maxAttempts: 1,
      credentials: async () => {
        if (self._offsetMs === null) await self.clock.now();
        if (!cached) {
          const c = await self.credentials(arn);
          cached = {
            accessKeyId: c.AccessKeyId,
            secretAccessKey: c.SecretAccessKey,
            // No expiration: it is in the server's time, and the SDK would compare it with this
            // machine's; a session the server's clock has expired is what a test wants to see.
            ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          };
        }
        return cached;
      },
      gatehouse: { handle: this, principal: arn },
    };
  }

  /**
   * A client of any AWS SDK v3 service signed as `principal`: `gatehouse.client(LambdaClient, DEV)`.
   * @template T @param {new (config: object) => T} ClientClass @param {string} [principal]
   * @param {object} [options] more client options @returns {T}
   */
  client(ClientClass, principal, options = {}) {
    return makeClient(ClientClass, null, this, principal, options);
  }

  /** A LambdaClient (@aws-sdk/client-lambda) signed as `principal`. */
  lambdaClient(principal, options = {}) {
    return makeClient("@aws-sdk/client-lambda", "LambdaClient", this, principal, options);
  }

  /** An IAMClient (@aws-sdk/client-iam) signed as `principal`. */
  iamClient(principal, options = {}) {
    return makeClient("@aws-sdk/client-iam", "IAMClient", this, principal, options);
  }

  /** An STSClient (@aws-sdk/client-sts) signed as `principal`. */
  stsClient(principal, options = {}) {
    return makeClient("@aws-sdk/client-sts", "STSClient", this, principal, options);
  }

  /**
   * Resolves when `target` (a promise, a function returning one, or a Question for explain) is
   * allowed; rejects with an AssertionError saying why not.
   * @param {Promise<unknown>|(() => Promise<unknown>)|Question} target
   * @param {{statement?: string, policy?: string}} [expect]
   */
  assertAllowed(target, expect = {}) {
    return assertAllowed(target, { ...expect, gatehouse: this });
  }

  /**
   * Resolves with the error when `target` is refused by policy.
   * @param {Promise<unknown>|(() => Promise<unknown>)|Question} target
   * @param {{reason?: "explicitDeny"|"implicitDeny", statement?: string, policy?: string}} [expect]
   */
  assertDenied(target, expect = {}) {
    return assertDenied(target, { ...expect, gatehouse: this });
  }
}

/** A running server: a Gatehouse handle that can be stopped. */
export class GatehouseServer extends Gatehouse {
  constructor(ready, child, stderrTail) {
    super(ready);
    this.process = child;
    this.stderrTail = stderrTail;
  }

  /** SIGTERM (SIGKILL after 5 s); the server removes everything it made. */
  async stop() {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((done) => child.once("exit", done));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Starts `gatehouse serve --ephemeral` on loopback ports and waits for its ready line.
 * @param {{bin?: string|URL, world?: string|URL, clock?: Date|string, args?: string[],
 *          startupTimeoutMs?: number}} [options]
 * @returns {Promise<GatehouseServer>}
 */
export async function startGatehouse(options = {}) {
  const bin = findBinary(options.bin);
  const args = ["serve", "--ephemeral", "--listen", "127.0.0.1:0"];
  if (options.world) args.push("--world", pathOf(options.world));
  if (options.clock) args.push("--clock", isoOf(options.clock));
  args.push(...(options.args ?? []));
  // The server gets no control token of another server (a worker's environment may hold one).
  const { GATEHOUSE_CONTROL_TOKEN: _unused, ...env } = process.env;
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"], env });
  // A test process that ends without stop() does not leave its server behind.
  const killOnExit = () => child.kill("SIGTERM");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  const stderrTail = [];
  createInterface({ input: child.stderr }).on("line", (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 200) stderrTail.shift();
  });
  const lines = createInterface({ input: child.stdout });
  const timeoutMs = options.startupTimeoutMs ?? 10000;
  let timer;
  const failure = (why) => new Error(`gatehouse did not start (${why}): ${bin} ${args.join(" ")}\n${stderrTail.join("\n")}`);
  try {
    const ready = await new Promise((done, fail) => {
      timer = setTimeout(() => fail(failure(`no ready line in ${timeoutMs} ms`)), timeoutMs);
      child.once("error", (e) => fail(failure(e.message)));
      child.once("exit", (code, signal) => setTimeout(() => fail(failure(`exit ${code ?? signal}`)), 50));
      lines.once("line", (line) => {
        try {
          const parsed = JSON.parse(line);
          if (parsed && typeof parsed.endpoint === "string") done(parsed);
          else fail(failure(`ready line ${line}`));
        } catch {
          fail(failure(`ready line ${line}`));
        }
      });
    });
    const server = new GatehouseServer(ready, child, stderrTail);
    await server.clock.now();
    return server;
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    throw e;
  } finally {
    clearTimeout(timer);
    child.stdout.resume();
  }
}

// The module-level assertAllowed/assertDenied explain with the server a global setup started.
setDefaultGatehouse(() => (process.env.GATEHOUSE_ENDPOINT ? Gatehouse.fromEnv() : null));
