// AWS SDK v3 clients bound to a gatehouse: endpoint, region, a principal's credentials, and
// signing at the server's clock (so that moving the server's clock does not make every request
// a time-skew refusal). The SDK packages are optional peer dependencies, loaded once here.
const sdk = {};
for (const name of ["@aws-sdk/client-lambda", "@aws-sdk/client-iam", "@aws-sdk/client-sts"]) {
  try {
    sdk[name] = await import(name);
  } catch {
    sdk[name] = null;
  }
}

/**
 * @param {string|Function} moduleOrClass an SDK package name, or a client class
 * @param {string|null} className the class of that package
 * @param {import("./server.js").Gatehouse} gatehouse
 * @param {string|undefined} principal
 * @param {object} options more client options (they win)
 */
export function makeClient(moduleOrClass, className, gatehouse, principal, options) {
  let ClientClass = moduleOrClass;
  if (typeof moduleOrClass === "string") {
    const module = sdk[moduleOrClass];
    if (!module) {
      throw new Error(`${moduleOrClass} is not installed next to @gatehouse/testing: npm install ${moduleOrClass} ` +
        "(and install @gatehouse/testing from a path with --install-links), or pass the class: gatehouse.client(Class, principal)");
    }
    ClientClass = module[className];
  }
  const { gatehouse: tag, ...config } = gatehouse.clientConfig(principal);
  const client = new ClientClass({ ...config, ...options });
  // The signer reads config.systemClockOffset at every request and writes it from responses'
  // Date headers: it follows the server's clock instead.
  Object.defineProperty(client.config, "systemClockOffset", {
    get: () => gatehouse._offsetMs ?? 0,
    set: () => {},
    configurable: true,
    enumerable: true,
  });
  Object.defineProperty(client, "gatehouse", { value: tag, enumerable: false });
  return client;
}
