import { packageBuild } from "../../tsup.shared.js";

// `order` is the node-free entry (SegmentOrderer, chooseStart) a browser bundles.
export default packageBuild(["src/index.ts", "src/order.ts"]);
