import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseWatchListen, isLoopbackHost, formatHttpUrl } from "../src/http/listen.js";
import { hostAllowed, hostHeaderName } from "../src/http/host-check.js";
import { WatchServerError } from "../src/http/errors.js";

describe("parseWatchListen", () => {
  it("binds loopback unless a host is named", () => {
    expect(parseWatchListen("8080")).toEqual({ host: "127.0.0.1", port: 8080, loopback: true });
    expect(parseWatchListen(":8080")).toEqual({ host: "127.0.0.1", port: 8080, loopback: true });
    expect(parseWatchListen("0")).toEqual({ host: "127.0.0.1", port: 0, loopback: true });
    expect(parseWatchListen("127.0.0.1:0")).toEqual({ host: "127.0.0.1", port: 0, loopback: true });
    expect(parseWatchListen("localhost:80")).toEqual({ host: "localhost", port: 80, loopback: true });
    expect(parseWatchListen("[::1]:8080")).toEqual({ host: "::1", port: 8080, loopback: true });
    // Other interfaces only when named.
    expect(parseWatchListen("0.0.0.0:8080")).toEqual({ host: "0.0.0.0", port: 8080, loopback: false });
    expect(parseWatchListen("[::]:8080")).toEqual({ host: "::", port: 8080, loopback: false });
    expect(parseWatchListen("192.168.1.5:65535")).toEqual({ host: "192.168.1.5", port: 65535, loopback: false });
    expect(parseWatchListen("watch.example:443")).toEqual({ host: "watch.example", port: 443, loopback: false });
  });

  it("refuses bad addresses with a typed one-line error", () => {
    for (const bad of [
      "",
      "host",
      "127.0.0.1",
      "127.0.0.1:",
      "127.0.0.1:65536",
      "127.0.0.1:080",
      "127.0.0.1:-1",
      "127.0.0.1:8080x",
      "1.2.3:80",
      "999.1.1.1:80",
      "::1:80",
      "[::1:80",
      "[::1]80",
      "[nope]:80",
      "a b:80",
      "http://127.0.0.1:8080",
      "127.0.0.1:8080/",
      "-bad-.example:80",
      "ex_ample:80",
      "\u00e9:80",
      "x".repeat(400),
    ]) {
      let caught: unknown;
      try {
        parseWatchListen(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(WatchServerError);
      expect((caught as WatchServerError).code).toBe("bad-listen");
      expect((caught as Error).message).not.toContain("\n");
      expect((caught as Error).message.length).toBeLessThan(200);
    }
  });

  it("property: any string parses or throws WatchServerError bad-listen, nothing else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 500, unit: "binary" }), fc.stringMatching(/^[\[\]0-9a-z.:]{0,30}$/)), (s) => {
        try {
          const r = parseWatchListen(s);
          expect(r.port).toBeGreaterThanOrEqual(0);
          expect(r.port).toBeLessThanOrEqual(65535);
          expect(r.loopback).toBe(isLoopbackHost(r.host));
        } catch (err) {
          expect(err).toBeInstanceOf(WatchServerError);
          expect((err as WatchServerError).code).toBe("bad-listen");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("knows loopback from the rest", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "app.localhost", "::1", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.example", "example.com", "::2"]) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("formats URLs with IPv6 in brackets", () => {
    expect(formatHttpUrl("127.0.0.1", 8080)).toBe("http://127.0.0.1:8080/");
    expect(formatHttpUrl("::1", 8080)).toBe("http://[::1]:8080/");
  });
});

describe("Host header check (DNS rebinding)", () => {
  it("parses host names out of Host headers", () => {
    expect(hostHeaderName("127.0.0.1:8080")).toBe("127.0.0.1");
    expect(hostHeaderName("LocalHost")).toBe("localhost");
    expect(hostHeaderName("[::1]:8080")).toBe("::1");
    expect(hostHeaderName("[::1]")).toBe("::1");
    expect(hostHeaderName("[::1]x")).toBeUndefined();
    expect(hostHeaderName("a:b:c")).toBeUndefined();
    expect(hostHeaderName("host:port")).toBeUndefined();
    expect(hostHeaderName("")).toBeUndefined();
  });

  it("a loopback server answers only loopback names; others answer any", () => {
    expect(hostAllowed("127.0.0.1:8080", true)).toBe(true);
    expect(hostAllowed("localhost:8080", true)).toBe(true);
    expect(hostAllowed("[::1]:8080", true)).toBe(true);
    expect(hostAllowed(undefined, true)).toBe(true);
    expect(hostAllowed("evil.example:8080", true)).toBe(false);
    expect(hostAllowed("127.0.0.1.evil.example", true)).toBe(false);
    expect(hostAllowed("localhost.evil.example:8080", true)).toBe(false);
    expect(hostAllowed("10.0.0.5:8080", true)).toBe(false);
    expect(hostAllowed("", true)).toBe(false);
    expect(hostAllowed("evil.example", false)).toBe(true);
  });
});
