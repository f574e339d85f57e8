// node:test: one gatehouse per test file, started in `before`, reset before each test, stopped
// in `after`.
//
//   import { useGatehouse } from "@gatehouse/testing/node-test";
//   const gatehouse = useGatehouse({ world: new URL("./world.json", import.meta.url) });
//   test("...", async () => { const lambda = gatehouse.lambdaClient("user/dev"); ... });
import { after, before, beforeEach } from "node:test";
import { startGatehouse } from "./server.js";

/**
 * @param {Parameters<typeof startGatehouse>[0] & {reset?: boolean}} [options] `reset: false`
 *   keeps the world between tests
 * @returns {import("./server.js").GatehouseServer} a stand-in that is the server once `before` ran
 */
export function useGatehouse(options = {}) {
  let server = null;
  before(async () => {
    server = await startGatehouse(options);
  });
  if (options.reset !== false) {
    beforeEach(async () => {
      if (server) await server.reset();
    });
  }
  after(async () => {
    if (server) await server.stop();
    server = null;
  });
  return new Proxy(/** @type {any} */ ({}), {
    get(_, name) {
      if (!server) throw new Error(`gatehouse.${String(name)}: the server starts in before(); use it inside a test`);
      const value = server[name];
      return typeof value === "function" ? value.bind(server) : value;
    },
  });
}
