// The demo's HLS as a player would read it: a finished playlist whose every segment exists and is MPEG-TS.
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const fail = (m) => { console.error(`pack-check: ${dir}: ${m}`); process.exit(1); };
let text;
try { text = readFileSync(join(dir, "index.m3u8"), "utf8"); } catch (e) { fail(`no playlist (${e.code})`); }
const lines = text.split("\n");
if (lines[0] !== "#EXTM3U") fail("playlist does not start with #EXTM3U");
if (!lines.includes("#EXT-X-ENDLIST")) fail("playlist has no #EXT-X-ENDLIST");
const segs = lines.filter((l) => l && !l.startsWith("#"));
const durs = lines.filter((l) => l.startsWith("#EXTINF:")).map((l) => parseFloat(l.slice(8)));
if (segs.length === 0 || segs.length !== durs.length) fail(`${segs.length} segments, ${durs.length} #EXTINF`);
for (const s of segs) {
  const b = readFileSync(join(dir, s));
  if (b.length === 0 || b.length % 188 !== 0 || b[0] !== 0x47) fail(`${s} is not MPEG-TS (${b.length} bytes)`);
}
const total = durs.reduce((a, b) => a + b, 0);
if (total < 6) fail(`${total.toFixed(1)} s of media, want >= 6 s`);
console.log(`pack-check: HLS ok: ${segs.length} segments, ${total.toFixed(1)} s, ${segs.reduce((a, s) => a + statSync(join(dir, s)).size, 0)} bytes`);
