/**
 * ip.ts replaces `net.isIP` so the browser entry needs no Node built-in: it must agree with Node on
 * every input, valid and malformed.
 */
import { describe, expect, it } from "vitest";
import { isIP } from "node:net";
import { ipVersion } from "../src/ip.js";

const CASES = [
  "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "1..3.4", "a.b.c.d",
  "::", "::1", "1::", "fe80::1", "fe80::1%eth0", "fe80::1%", "2001:db8::ff00:42:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:1.2.3.4",
  "::ffff:256.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "1::2::3", ":::", "12345::", "g::1", "[::1]", "1:2:3:4:5:6:1.2.3.4",
  "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4", "", "localhost", "0:0:0:0:0:0:0:0", "ABCD::EF", "1:2:3:4:5::1.2.3.4",
];

function randomText(rand: () => number): string {
  const alphabet = "0123456789abcdefABCDEF:.%g[] ";
  let s = "";
  const n = Math.floor(rand() * 24);
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

describe("ipVersion", () => {
  it("agrees with net.isIP on the listed cases", () => {
    for (const c of CASES) expect([c, ipVersion(c)]).toEqual([c, isIP(c)]);
  });

  it("agrees with net.isIP on 20000 random strings over the address alphabet", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const s = randomText(rand);
      const v = isIP(s);
      if (v) valid++;
      expect([s, ipVersion(s)]).toEqual([s, v]);
    }
    // Mutations of valid addresses, so the valid side is exercised too.
    for (const base of CASES.filter((c) => isIP(c))) {
      for (let i = 0; i < base.length; i++) {
        for (const ch of ["", ":", ".", "0", "f", "%"]) {
          const s = base.slice(0, i) + ch + base.slice(i + 1);
          if (isIP(s)) valid++;
          expect([s, ipVersion(s)]).toEqual([s, isIP(s)]);
        }
      }
    }
    expect(valid).toBeGreaterThan(100);
  });
});
