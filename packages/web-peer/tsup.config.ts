import { packageBuild } from "../../tsup.shared.js";

// The library (browser-only: MSE). The watch page is bundled separately by scripts/build-page.ts.
export default packageBuild(["src/index.ts"]);
