// Jest `globalTeardown`: stops the server global-setup.js started.
import { teardown } from "./global-setup.js";

export default teardown;
export { teardown };
