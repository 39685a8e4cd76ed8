import { packageBuild } from "../../tsup.shared.js";

// `orderer` is a second, Node-free entry (SegmentOrderer, chooseStart) for browser consumers.
export default packageBuild(["src/index.ts", "src/orderer.ts"]);
