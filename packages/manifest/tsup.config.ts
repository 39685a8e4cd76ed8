import { packageBuild } from "../../tsup.shared.js";

// The test vectors ship in the tarball as `@ec/manifest/vectors/<file>`.
export default packageBuild(["src/index.ts"], { vectors: ["test/vectors/manifest-v1.json"] });
