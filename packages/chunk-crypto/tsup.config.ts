import { packageBuild } from "../../tsup.shared.js";

// The test vectors ship in the tarball as `@ec/chunk-crypto/vectors/<file>`.
export default packageBuild(["src/index.ts"], { vectors: ["test/vectors/chunk-crypto-v1.json"] });
