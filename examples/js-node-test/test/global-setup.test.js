// How Jest and Vitest use @gatehouse/testing: their globalSetup starts one server for the run
// and exports its address to the test workers, where the module-level factories find it. Here
// node:test calls the same pair (jest.config.js: globalSetup "@gatehouse/testing/global-setup",
// globalTeardown "@gatehouse/testing/global-teardown").
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import setup from "@gatehouse/testing/global-setup";
import teardown from "@gatehouse/testing/global-teardown";
import { assertAllowed, assertDenied, gatehouse, lambdaClient } from "@gatehouse/testing";
import * as greeter from "../src/greeter.js";

const DEV = "arn:aws:iam::111111111111:user/dev";

process.env.GATEHOUSE_WORLD = fileURLToPath(new URL("../world.json", import.meta.url));
before(() => setup());
after(() => teardown());

test("the global setup's server is what the factories use", async () => {
  assert.match(process.env.GATEHOUSE_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(gatehouse().endpoint, process.env.GATEHOUSE_ENDPOINT);
  const lambda = lambdaClient(DEV);
  assert.equal((await assertAllowed(greeter.describe(lambda))).FunctionName, "greeter");
  // The deciding statement is asked of the global setup's server.
  await assertDenied(greeter.retire(lambda), { reason: "explicitDeny", statement: "NoDelete" });
});

test("a reset between tests is one call", async () => {
  await gatehouse().reset();
  assert.equal((await greeter.describe(lambdaClient(DEV))).FunctionName, "greeter");
});
