// @gatehouse/testing: a real, enforcing gatehouse for your tests.
export { startGatehouse, Gatehouse, GatehouseServer, findBinary } from "./server.js";
export { assertAllowed, assertDenied, denialOf, DENIAL_CODES } from "./assertions.js";
import { Gatehouse } from "./server.js";

let shared = null;

/**
 * The server a global setup (Jest, Vitest) started, from the environment it exported to the
 * test workers. The same handle every time.
 * @returns {Gatehouse}
 */
export function gatehouse() {
  shared ??= Gatehouse.fromEnv();
  return shared;
}

/** A LambdaClient signed as `principal`, against the global setup's server. */
export const lambdaClient = (principal, options) => gatehouse().lambdaClient(principal, options);
/** An IAMClient signed as `principal`, against the global setup's server. */
export const iamClient = (principal, options) => gatehouse().iamClient(principal, options);
/** An STSClient signed as `principal`, against the global setup's server. */
export const stsClient = (principal, options) => gatehouse().stsClient(principal, options);
