import { describe, expect, it } from "vitest";
import { parsePageConfig, WebPeerError } from "../src/index.js";

const KEY = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
const A = `ecmoq://${"a".repeat(64)}@127.0.0.1:4443`;
const B = `ecmoq://${"b".repeat(64)}@127.0.0.1:4444`;
const file = { streamId: "wcbd-hd", manifestPeer: A, objectPeers: [A, B], trustedKeys: [KEY] };

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WebPeerError);
    return (e as WebPeerError).code + ": " + (e as Error).message;
  }
  return undefined;
}

describe("parsePageConfig", () => {
  it("config.json alone", () => {
    expect(parsePageConfig(file, new URLSearchParams())).toEqual({ ...file, allowInsecure: false });
  });
  it("query alone, repeated and comma lists", () => {
    const q = new URLSearchParams(`streamId=x&manifestPeer=${encodeURIComponent(A)}&objectPeer=${encodeURIComponent(B)},${encodeURIComponent(A)}&trustedKey=${KEY.toUpperCase()}&streamSecret=s3&allowInsecure=1`);
    expect(parsePageConfig(undefined, q)).toEqual({ streamId: "x", manifestPeer: A, objectPeers: [B, A], trustedKeys: [KEY], streamSecret: "s3", allowInsecure: true });
  });
  it("query fields override the file's, lists as a whole", () => {
    const q = new URLSearchParams(`objectPeer=${encodeURIComponent(B)}&streamId=other`);
    expect(parsePageConfig({ ...file, streamSecret: "f", allowInsecure: true }, q)).toEqual({ ...file, streamId: "other", objectPeers: [B], streamSecret: "f", allowInsecure: true });
  });
  it("no trusted key is allowed (the page then says nothing plays and why)", () => {
    expect(parsePageConfig({ ...file, trustedKeys: [] }, new URLSearchParams()).trustedKeys).toEqual([]);
  });
  it("each missing or malformed field: bad-config naming it", () => {
    const q = new URLSearchParams();
    expect(code(() => parsePageConfig([], q))).toMatch(/^bad-config: config\.json must hold a JSON object/);
    expect(code(() => parsePageConfig({ ...file, streamId: "" }, q))).toMatch(/^bad-config: no stream id/);
    expect(code(() => parsePageConfig({ ...file, streamId: 5 }, q))).toMatch(/^bad-config: streamId must be a string/);
    expect(code(() => parsePageConfig({ ...file, manifestPeer: undefined }, q))).toMatch(/^bad-config: no manifest peer/);
    expect(code(() => parsePageConfig({ ...file, objectPeers: [] }, q))).toMatch(/^bad-config: no object peer/);
    expect(code(() => parsePageConfig({ ...file, objectPeers: A }, q))).toMatch(/^bad-config: objectPeers must be a list of strings/);
    expect(code(() => parsePageConfig({ ...file, trustedKeys: ["abc"] }, q))).toMatch(/^bad-config: trusted key "abc" is not/);
    expect(code(() => parsePageConfig({ ...file, allowInsecure: "yes" }, q))).toMatch(/^bad-config: allowInsecure must be true or false/);
  });
});
