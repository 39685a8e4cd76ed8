import { packageBuild } from "../../tsup.shared.js";

// `psi` is a second, Node-free entry (PAT/PMT readers) for browser consumers.
export default packageBuild(["src/index.ts", "src/psi.ts"]);
