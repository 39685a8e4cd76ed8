import { packageBuild } from "../../tsup.shared.js";

// The test vectors ship in the tarball as `@ec/moq-transport/vectors/<file>`.
export default packageBuild(["src/index.ts"], { vectors: ["test/vectors/transport-v1.json"] });
