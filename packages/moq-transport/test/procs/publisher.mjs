// A publishing node. argv[2] is JSON:
// { listen?, secretHex?, streamId, serve: {manifests, chunks}, window?, publish: ["manifests"|"chunks"],
//   start=0, count=Infinity, intervalMs=20, size=1000, corrupt=false, limits? }
// Prints {"type":"ready", endpoint, publicKey}; answers "stats" on stdin.
import { MoqNode, nodeIdentityFromSecretKey, generateNodeIdentity } from "../../dist/index.js";
import { emit, payloadFor, serveStats } from "./payload.mjs";

const o = JSON.parse(process.argv[2]);
const identity = o.secretHex ? nodeIdentityFromSecretKey(Uint8Array.from(Buffer.from(o.secretHex, "hex"))) : generateNodeIdentity();
const node = await MoqNode.listen({ listen: o.listen, identity, limits: o.limits });
const server = node.serve(o.streamId, { ...o.serve, window: o.window });
let seq = o.start ?? 0;
const end = (o.start ?? 0) + (o.count ?? Infinity);
let published = -1;
const tick = () => {
  if (seq >= end) return;
  for (const t of o.publish) server.publish(t, seq, payloadFor(t, seq, o.size ?? 1000, o.corrupt && t === "chunks"));
  published = seq++;
};
// Pre-fill: groups before `live` are published at once so late joiners find a window.
for (let i = 0; i < (o.prefill ?? 0); i++) tick();
setInterval(tick, o.intervalMs ?? 20);
serveStats(() => ({ stats: node.stats, published }));
emit({ type: "ready", endpoint: node.endpoint, secretHex: Buffer.from(identity.secretKey).toString("hex"), port: node.addr.port });
