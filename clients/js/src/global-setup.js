// Jest `globalSetup` / Vitest `globalSetup`: starts one gatehouse for the whole run and exports
// GATEHOUSE_ENDPOINT, GATEHOUSE_REGION, GATEHOUSE_ACCOUNTS, GATEHOUSE_CONTROL_TOKEN to the test workers, where
// `gatehouse()`, `lambdaClient()` ... of @gatehouse/testing find it. Configured by environment:
// GATEHOUSE_BIN (else `gatehouse` on PATH), GATEHOUSE_WORLD (a world file), GATEHOUSE_CLOCK (ISO 8601).
import { startGatehouse } from "./server.js";

const KEY = Symbol.for("@gatehouse/testing/server");

export async function setup() {
  const server = await startGatehouse({
    bin: process.env.GATEHOUSE_BIN || undefined,
    world: process.env.GATEHOUSE_WORLD || undefined,
    clock: process.env.GATEHOUSE_CLOCK || undefined,
  });
  globalThis[KEY] = server;
  Object.assign(process.env, server.env());
  return teardown; // Vitest calls what setup returns at the end
}

export async function teardown() {
  const server = globalThis[KEY];
  delete globalThis[KEY];
  if (server) await server.stop();
}

export default setup;
