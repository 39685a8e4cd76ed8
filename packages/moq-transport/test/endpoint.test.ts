import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatEndpointAddr, generateNodeIdentity, parseAdvertiseAddr, parseEndpointAddr, parseListenAddr, TransportError } from "../src/index.js";

const key = generateNodeIdentity().publicKey;
const hex = Buffer.from(key).toString("hex");

function badEndpoint(text: string, opts?: { allowInsecure?: boolean }): TransportError {
  try {
    parseEndpointAddr(text, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("bad-endpoint");
    expect((err as Error).message).not.toContain("\n");
    return err as TransportError;
  }
  throw new Error(`accepted ${text}`);
}

describe("EndpointAddr", () => {
  it("round-trips secure addresses (IPv4, IPv6, hostname)", () => {
    for (const host of ["127.0.0.1", "::1", "node-1.example.org"]) {
      const text = formatEndpointAddr({ host, port: 4443, publicKey: key, insecure: false });
      const a = parseEndpointAddr(text);
      expect(a).toEqual({ host, port: 4443, publicKey: key, insecure: false });
      expect(formatEndpointAddr(a)).toBe(text);
    }
    expect(formatEndpointAddr({ host: "::1", port: 1, publicKey: key, insecure: false })).toBe(`ecmoq://${hex}@[::1]:1`);
  });

  it("round-trips TLS addresses (ecmoqs://), and a plain address has no tls field", () => {
    for (const host of ["127.0.0.1", "::1", "node-1.example.org"]) {
      const text = formatEndpointAddr({ host, port: 443, publicKey: key, insecure: false, tls: true });
      expect(text.startsWith("ecmoqs://")).toBe(true);
      const a = parseEndpointAddr(text);
      expect(a).toStrictEqual({ host, port: 443, publicKey: key, insecure: false, tls: true });
      expect(formatEndpointAddr(a)).toBe(text);
    }
    expect(formatEndpointAddr({ host: "::1", port: 1, publicKey: key, insecure: false, tls: true })).toBe(`ecmoqs://${hex}@[::1]:1`);
    expect("tls" in parseEndpointAddr(`ecmoq://${hex}@127.0.0.1:1`)).toBe(false);
    // TLS needs an identity: there is no bare form, and the formatter refuses to invent one.
    expect(() => formatEndpointAddr({ host: "127.0.0.1", port: 1, insecure: true, tls: true })).toThrow(expect.objectContaining({ code: "bad-endpoint" }));
  });

  it("accepts a bare host:port only when insecure is allowed explicitly", () => {
    expect(badEndpoint("127.0.0.1:4443").message).toMatch(/no identity key/);
    expect(parseEndpointAddr("127.0.0.1:4443", { allowInsecure: true })).toEqual({ host: "127.0.0.1", port: 4443, insecure: true });
    expect(formatEndpointAddr({ host: "127.0.0.1", port: 4443, insecure: true })).toBe("127.0.0.1:4443");
  });

  it("names the problem for each malformed form", () => {
    const cases: Array<[string, RegExp]> = [
      ["", /empty/],
      [`ecmoq://${hex}@127.0.0.1`, /missing :port/],
      [`ecmoq://${hex.toUpperCase()}@127.0.0.1:1`, /64 lowercase hex/],
      [`ecmoq://${hex.slice(2)}@127.0.0.1:1`, /64 lowercase hex/],
      [`ecmoq://${"f".repeat(64)}@127.0.0.1:1`, /not a valid Ed25519 point/],
      [`ecmoq://127.0.0.1:1`, /missing "<public key>@"/],
      [`http://${hex}@127.0.0.1:1`, /unknown scheme/],
      [`wss://${hex}@127.0.0.1:1`, /unknown scheme \(expected ecmoq:\/\/ or ecmoqs:\/\/\)/],
      [`ECMOQS://${hex}@127.0.0.1:1`, /unknown scheme/],
      [`ecmoqs://127.0.0.1:1`, /missing "<public key>@" after ecmoqs:\/\//],
      [`ecmoqs://${hex.toUpperCase()}@127.0.0.1:1`, /64 lowercase hex/],
      [`ecmoqs://${"f".repeat(64)}@127.0.0.1:1`, /not a valid Ed25519 point/],
      [`ecmoqs://${hex}@127.0.0.1:0`, /out of range/],
      [`ecmoqs://${hex}@[::1:1`, /unterminated/],
      [`ecmoqss://${hex}@127.0.0.1:1`, /unknown scheme/],
      [`${hex}@127.0.0.1:1`, /needs the ecmoq:\/\/ scheme/],
      [`ecmoq://${hex}@127.0.0.1:0`, /out of range/],
      [`ecmoq://${hex}@127.0.0.1:65536`, /out of range/],
      [`ecmoq://${hex}@127.0.0.1:0443`, /leading zeros/],
      [`ecmoq://${hex}@127.0.0.1:-1`, /decimal/],
      [`ecmoq://${hex}@300.0.0.1:1`, /IPv4/],
      [`ecmoq://${hex}@::1:1`, /brackets/],
      [`ecmoq://${hex}@[::1:1`, /unterminated/],
      [`ecmoq://${hex}@[nope]:1`, /IPv6/],
      [`ecmoq://${hex}@bad_host:1`, /hostname/],
      [`ecmoq://${hex}@127.0.0.1:1 `, /whitespace/],
      ["x".repeat(1000), /longer than/],
    ];
    for (const [text, re] of cases) expect(badEndpoint(text, { allowInsecure: true }).message, text).toMatch(re);
  });

  it("never throws anything but a bad-endpoint TransportError on random input", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.boolean(), (text, allowInsecure) => {
        try {
          const a = parseEndpointAddr(text, { allowInsecure });
          // Whatever parses, formats back to the same canonical text.
          expect(formatEndpointAddr(a)).toBe(text);
        } catch (err) {
          expect(err).toBeInstanceOf(TransportError);
          expect((err as TransportError).code).toBe("bad-endpoint");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws anything but bad-endpoint on random text after an ecmoqs:// prefix", () => {
    fc.assert(
      fc.property(fc.constantFrom("ecmoqs://", `ecmoqs://${hex}@`, `ecmoqs://${hex}@[`), fc.string({ maxLength: 60 }), (prefix, tail) => {
        try {
          const a = parseEndpointAddr(prefix + tail);
          expect(a.tls).toBe(true);
          expect(formatEndpointAddr(a)).toBe(prefix + tail);
        } catch (err) {
          expect(err).toBeInstanceOf(TransportError);
          expect((err as TransportError).code).toBe("bad-endpoint");
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("parses listen addresses, port 0 included", () => {
    expect(parseListenAddr("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0 });
    expect(parseListenAddr("[::]:4443")).toEqual({ host: "::", port: 4443 });
    expect(() => parseListenAddr("4443")).toThrow(TransportError);
  });

  it("parses an advertise address: a dialable host:port, never a wildcard, a key or port 0", () => {
    expect(parseAdvertiseAddr("relay.example.org:4443")).toEqual({ host: "relay.example.org", port: 4443 });
    expect(parseAdvertiseAddr("[2001:db8::1]:443")).toEqual({ host: "2001:db8::1", port: 443 });
    for (const bad of ["0.0.0.0:4443", "[::]:4443", "relay.example.org:0", "relay.example.org", `ecmoq://${hex}@h:1`, "", "a b:1"]) {
      let err: unknown;
      try {
        parseAdvertiseAddr(bad);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe("bad-endpoint");
    }
  });
});
