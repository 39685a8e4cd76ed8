// The same from a CommonJS TypeScript file: resolves the `require` condition's .d.cts.
import { ManifestVerifier } from "@ec/manifest";
import { MoqNode } from "@ec/moq-transport";
import { fixturePath } from "@ec/fixtures";
import { HlsSink } from "@ec/hls-sink";
const v: ManifestVerifier = new ManifestVerifier({ streamId: "s", trustedKeys: [], trustOnFirstUse: true });
const p: string = fixturePath("mpeg2-ac3.ts");
export = { v, p, MoqNode, HlsSink };
