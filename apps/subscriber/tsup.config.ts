import { packageBuild } from "../../tsup.shared.js";

// `http` is the watch server, a separate entry so `runSubscriber` users do not load it.
export default packageBuild({ index: "src/index.ts", http: "src/http/index.ts" }, { format: ["esm"] });
