import { packageBuild } from "../../tsup.shared.js";

// Two entries: the Node entry (index) and the browser entry (browser: subscriber side only, no Node
// built-ins, no `ws`; see package.json `exports["./browser"]` and the `browser` condition on ".").
// The test vectors ship in the tarball as `@ec/moq-transport/vectors/<file>`.
export default packageBuild(["src/index.ts", "src/browser.ts"], { vectors: ["test/vectors/transport-v1.json"] });
