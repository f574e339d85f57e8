// assertAllowed / assertDenied: on an SDK call (AccessDenied or success) or on an explain
// question ({principal, action, resource, context}: nothing is called). A failure says why the
// server decided as it did: the deciding statements, the missing context values.
import { AssertionError } from "node:assert";

/** The error names of an authorization refusal: IAM and STS AccessDenied, Lambda AccessDeniedException. */
export const DENIAL_CODES = new Set(["AccessDenied", "AccessDeniedException"]);
const REASONS = ["explicitDeny", "implicitDeny"];
let defaultGatehouse = () => null;

/** Where explain questions go when no `gatehouse` is given (server.js: the global setup's server). */
export function setDefaultGatehouse(find) {
  defaultGatehouse = find;
}

const MESSAGE = /User: (\S+) is not authorized to perform: (\S+?)(?: on resource: (\S+))?(?: (.*))?$/;

/**
 * {principal, action, resource, reason, message} of an AccessDenied error; null for other errors.
 * @param {any} error
 */
export function denialOf(error) {
  const code = error?.name ?? error?.Code;
  if (!DENIAL_CODES.has(code)) return null;
  const message = String(error.message ?? "");
  const match = MESSAGE.exec(message);
  if (!match) return { code, message };
  const clause = match[4] ?? "";
  const reason = clause.includes("explicit deny") ? "explicitDeny" : clause.startsWith("because no") ? "implicitDeny" : null;
  let principal = match[1];
  // An assumed-role session is explained as its role.
  const session = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal);
  if (session) principal = `arn:${session[1]}:iam::${session[2]}:role/${session[3]}`;
  return { code, message, principal, action: match[2], resource: match[3] ?? "*", reason };
}

/** One line: the decision, the deciding statements, the missing context keys. */
export function explainText(explanation) {
  if (!explanation) return "";
  if (explanation.error) return `\n  (explain failed: ${explanation.error})`;
  let text = `\n  explain: ${explanation.principal} ${explanation.action} on ${explanation.resource}: ${explanation.decision}`;
  const statements = (explanation.matchedStatements ?? []).map((m) => `${m.policy}/${m.sid || "(no Sid)"}`);
  if (statements.length) text += ` by ${statements.join(", ")}`;
  else if (explanation.decision === "implicitDeny") text += " (no statement allows it)";
  if (explanation.missingContextValues?.length) text += `; missing context values: ${explanation.missingContextValues.join(", ")}`;
  return text;
}

function matches(explanation, statement, policy) {
  return (explanation.matchedStatements ?? []).some((m) => {
    const p = String(m.policy ?? "");
    return (statement === undefined || m.sid === statement) &&
      (policy === undefined || p === policy || p.endsWith("/" + policy) || p.endsWith(":" + policy));
  });
}

function checkStatement(explanation, { statement, policy }, what) {
  if (statement === undefined && policy === undefined) return;
  if (!explanation || explanation.error) {
    throw new AssertionError({ message: `${what}, but the deciding statement cannot be checked without explain${explainText(explanation)}` });
  }
  if (!matches(explanation, statement, policy)) {
    const wanted = [policy, statement].filter(Boolean).join("/");
    throw new AssertionError({ message: `${what}, but not by statement ${wanted}${explainText(explanation)}` });
  }
}

async function tryExplain(gatehouse, question) {
  if (!gatehouse) return null;
  try {
    return await gatehouse.explain(question);
  } catch (e) {
    return { error: e.message };
  }
}

function isQuestion(target) {
  return target && typeof target === "object" && typeof target.then !== "function" && "action" in target;
}

async function run(target) {
  return typeof target === "function" ? target() : target;
}

/**
 * Resolves with the call's result (or the explanation) when allowed; otherwise rejects with an
 * AssertionError that says why not. Errors other than a refusal propagate.
 * @param {Promise<unknown>|(() => Promise<unknown>)|import("./server.js").Question} target
 * @param {{gatehouse?: import("./server.js").Gatehouse, statement?: string, policy?: string}} [expect]
 */
export async function assertAllowed(target, expect = {}) {
  const gatehouse = expect.gatehouse ?? defaultGatehouse();
  if (isQuestion(target)) {
    if (!gatehouse) throw new TypeError("an explain question needs a gatehouse: gatehouse.assertAllowed({...})");
    const explanation = await gatehouse.explain(target);
    if (explanation.decision !== "allowed") {
      throw new AssertionError({ message: `expected allowed, got ${explanation.decision}${explainText(explanation)}` });
    }
    checkStatement(explanation, expect, "allowed");
    return explanation;
  }
  try {
    return await run(target);
  } catch (error) {
    const denial = denialOf(error);
    if (!denial) throw error;
    const explanation = denial.action ? await tryExplain(gatehouse, denial) : null;
    throw new AssertionError({ message: `expected allowed, got ${denial.code}: ${denial.message}${explainText(explanation)}` });
  }
}

/**
 * Resolves with the SDK error (or the explanation) when the request is refused by policy;
 * otherwise rejects with an AssertionError.
 * @param {Promise<unknown>|(() => Promise<unknown>)|import("./server.js").Question} target
 * @param {{gatehouse?: import("./server.js").Gatehouse, reason?: "explicitDeny"|"implicitDeny", statement?: string, policy?: string}} [expect]
 */
export async function assertDenied(target, expect = {}) {
  const { reason } = expect;
  const gatehouse = expect.gatehouse ?? defaultGatehouse();
  if (reason !== undefined && !REASONS.includes(reason)) throw new TypeError(`reason must be one of ${REASONS.join(", ")}`);
  if (isQuestion(target)) {
    if (!gatehouse) throw new TypeError("an explain question needs a gatehouse: gatehouse.assertDenied({...})");
    const explanation = await gatehouse.explain(target);
    if (explanation.decision === "allowed") {
      throw new AssertionError({ message: `expected a denial, got allowed${explainText(explanation)}` });
    }
    if (reason !== undefined && explanation.decision !== reason) {
      throw new AssertionError({ message: `expected ${reason}, got ${explanation.decision}${explainText(explanation)}` });
    }
    checkStatement(explanation, expect, explanation.decision);
    return explanation;
  }
  let result;
  try {
    result = await run(target);
  } catch (error) {
    const denial = denialOf(error);
    if (!denial) {
      throw new AssertionError({ message: `expected AccessDenied, got ${error?.name}: ${error?.message}` });
    }
    const wantsExplain = reason !== undefined || expect.statement !== undefined || expect.policy !== undefined;
    const explanation = denial.action && wantsExplain ? await tryExplain(gatehouse, denial) : null;
    if (reason !== undefined) {
      const actual = denial.reason ?? (explanation && !explanation.error ? explanation.decision : null);
      if (actual !== reason) {
        throw new AssertionError({
          message: `expected ${reason}, got ${actual ?? "a refusal of unknown kind"}: ${denial.message}${explainText(explanation)}`,
        });
      }
    }
    checkStatement(explanation, expect, `denied (${denial.message})`);
    return error;
  }
  const shown = JSON.stringify(result, (k, v) => (k === "$metadata" ? undefined : v)) ?? String(result);
  throw new AssertionError({ message: `expected AccessDenied, but the call succeeded: ${shown.slice(0, 300)}` });
}
