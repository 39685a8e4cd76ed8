/**
 * A track the node does not serve is refused before SUBSCRIBE_OK (issue 14 item 8). Refused after
 * the OK, a plain @moq/lite 0.2.2 client saw the reset only when it arrived in the same read as the
 * OK and otherwise waited for ever (4-10 of 10 tries): its subscriber stops reading the stream once
 * the OK is in. Several fresh clients per transport, each must end with an error, none may hang.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ResetCode } from "../src/errors.js";
import { ensureBuilt, Procs } from "./helpers.js";

const procs = new Procs();
beforeAll(() => ensureBuilt());
afterEach(() => procs.killAll());

const STREAM = "unserved";
const TRIES = 8;

describe("a track the node does not serve", () => {
  it.each(["qmux", "legacy"])("is refused to a plain @moq/lite client (%s), every time, and the client sees it", async (mode) => {
    // Serves chunks only: a relay. Manifests and unknown names are not served.
    const pub = procs.spawn("publisher.mjs", { streamId: STREAM, serve: { manifests: false, chunks: true }, publish: ["chunks"], intervalMs: 50, size: 1024 });
    const { endpoint } = await pub.ready();
    const port = /:(\d+)$/.exec(endpoint)![1];
    for (let i = 0; i < TRIES; i++) {
      const track = i % 2 === 0 ? "manifests" : "no-such-track";
      const c = procs.spawn("plain-client.mjs", { url: `http://127.0.0.1:${port}/moq`, streamId: STREAM, track, mode, count: 1 });
      const end = await c.waitFor((l) => l.type === "error" || l.type === "item" || l.type === "done" || l.type === "exited");
      expect(end.type, `try ${i} (${track}): ${JSON.stringify(end)} ${c.stderr.join("")}`).toBe("error");
      // qmux 0.3 gives the reset code as a field; the legacy qmux 0.0.6 only in its message.
      expect(end.code ?? Number(/RESET_STREAM: (\d+)/.exec(end.message)?.[1]), JSON.stringify(end)).toBe(ResetCode.notServed);
      await c.kill();
    }
    const { stats } = await pub.stats();
    expect(stats.refused["not-served"]).toBe(TRIES);
    // The served track still works for the same kind of client.
    const ok = procs.spawn("plain-client.mjs", { url: `http://127.0.0.1:${port}/moq`, streamId: STREAM, track: "chunks", mode, count: 2 });
    expect((await ok.waitFor((l) => l.type === "done" || l.type === "exited")).type).toBe("done");
  }, 120_000);
});
