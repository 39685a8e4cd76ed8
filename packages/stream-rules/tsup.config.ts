import { packageBuild } from "../../tsup.shared.js";

// The test vectors ship in the tarball as `@ec/stream-rules/vectors/<file>`.
export default packageBuild(["src/index.ts"], { vectors: ["test/vectors/rules.json"] });
