/**
 * fuzz: every text this package parses from peers or operators — EndpointAddr, listen addresses,
 * wire track names. Only the typed error (or `undefined` for track names), never a crash; whatever
 * is accepted round-trips exactly. `pnpm fuzz` scales the cases with EC_FUZZ_RUNS.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { formatEndpointAddr, generateNodeIdentity, parseEndpointAddr, parseListenAddr, parseWireTrackName, TransportError, wireTrackName } from "../src/index.js";

const runs = (base: number) => Math.max(base, Number(process.env.EC_FUZZ_RUNS ?? 0));
const good = `ecmoq://${Buffer.from(generateNodeIdentity().publicKey).toString("hex")}@127.0.0.1:4443`;
const alphabet = fc.constantFrom(..."ecmoq:/@[]0123456789abcdef.:-ABCxyz%? \t\n\u0000é".split(""));
const endpointish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.array(alphabet, { maxLength: 120 }).map((a) => a.join("")),
  fc.tuple(fc.nat(good.length), fc.string({ maxLength: 4 }), fc.nat(good.length)).map(([a, s, b]) => good.slice(0, a) + s + good.slice(Math.max(a, b))),
);

function typedOrRoundTrip(text: string, allowInsecure: boolean): void {
  let addr;
  try {
    addr = parseEndpointAddr(text, { allowInsecure });
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("bad-endpoint");
    expect((err as Error).message).not.toMatch(/\n/);
    return;
  }
  expect(formatEndpointAddr(addr)).toBe(text);
  expect(addr.port).toBeGreaterThanOrEqual(1);
  expect(addr.port).toBeLessThanOrEqual(65535);
}

describe("fuzz: EndpointAddr and listen addresses", () => {
  it("random and mutated addresses: bad-endpoint with a one-line message, or an exact round trip", () => {
    fc.assert(
      fc.property(endpointish, fc.boolean(), (text, insecure) => typedOrRoundTrip(text, insecure)),
      { numRuns: runs(2000) },
    );
  });

  it("listen addresses: bad-endpoint or a port in 0..65535", () => {
    fc.assert(
      fc.property(endpointish, (text) => {
        try {
          const { port } = parseListenAddr(text);
          expect(port).toBeGreaterThanOrEqual(0);
          expect(port).toBeLessThanOrEqual(65535);
        } catch (err) {
          expect(err).toBeInstanceOf(TransportError);
        }
      }),
      { numRuns: runs(1000) },
    );
  });

  it("huge input is refused by its length, not parsed", () => {
    expect(() => parseEndpointAddr(good + "0".repeat(1_000_000))).toThrow(/longer than/);
  });
});

describe("fuzz: wire track names", () => {
  it("anything a peer asks for is one of ours (and round-trips) or undefined", () => {
    const name = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.tuple(fc.constantFrom("chunks", "manifests", "chunk", ""), fc.constantFrom("?from=", "?", "?from", "?from=-", "?to="), fc.string({ maxLength: 20 })).map((p) => p.join("")),
      fc.tuple(fc.constantFrom("chunks", "manifests"), fc.bigInt({ min: 0n, max: 10n ** 20n })).map(([t, n]) => `${t}?from=${n}`),
    );
    fc.assert(
      fc.property(name, (n) => {
        const parsed = parseWireTrackName(n);
        if (parsed === undefined) return;
        expect(wireTrackName(parsed.track, parsed.fromSeq)).toBe(n);
        if (parsed.fromSeq !== undefined) expect(Number.isSafeInteger(parsed.fromSeq)).toBe(true);
      }),
      { numRuns: runs(2000) },
    );
  });
});
