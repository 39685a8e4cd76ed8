import { packageBuild } from "../../tsup.shared.js";

export default packageBuild(["src/cli.ts", "src/index.ts"], { format: ["esm"] });
