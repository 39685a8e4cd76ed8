import { describe, expect, expectTypeOf, it } from "vitest";
import fc from "fast-check";
import { defineFlags, parseDuration, parseFlags, UsageError } from "../src/flags.js";
import type { FlagTable } from "../src/flags.js";

const table: FlagTable = {
  name: { kind: "string", help: "", required: true },
  on: { kind: "boolean", help: "", default: true },
  n: { kind: "int", help: "", default: 3 },
  d: { kind: "duration", help: "" },
  ttl: { kind: "duration", help: "", default: "2m" },
  r: { kind: "string", help: "", repeatable: true },
};

describe("parseFlags", () => {
  it("takes both --flag value and --flag=value, and fills defaults", () => {
    expect(parseFlags(["--name", "a", "--n=7", "--r", "x", "--r=y"], table)).toEqual({ name: "a", on: true, n: 7, ttl: 120_000, r: ["x", "y"] });
  });
  it("takes booleans bare or as =true/=false", () => {
    expect(parseFlags(["--name=a", "--on=false"], table).on).toBe(false);
    expect(parseFlags(["--name=a", "--on"], table).on).toBe(true);
    expect(() => parseFlags(["--name=a", "--on=maybe"], table)).toThrow(/--on takes true or false/);
  });
  it("names the problem in one line", () => {
    expect(() => parseFlags(["--name=a", "--nope"], table)).toThrow("unknown flag --nope (see --help)");
    expect(() => parseFlags([], table)).toThrow("missing --name");
    expect(() => parseFlags(["--name"], table)).toThrow("--name needs a value");
    expect(() => parseFlags(["--name", "a", "--n", "x"], table)).toThrow("--n takes a whole number");
    expect(() => parseFlags(["--name", "a", "--name", "b"], table)).toThrow("--name given more than once");
    expect(() => parseFlags(["--name", "a", "stray"], table)).toThrow(/unexpected argument "stray"/);
    expect(() => parseFlags(["--name", "a", "--d", "soon"], table)).toThrow(/--d takes a duration/);
  });
  it("refuses a zero duration for every duration flag, whatever the spelling", () => {
    for (const zero of ["0", "0s", "0ms", "0m0s", "0.0001s", "0.4ms"]) {
      expect(() => parseFlags(["--name", "a", "--d", zero], table)).toThrow(/--d takes a duration above zero/);
      expect(() => parseFlags(["--name", "a", `--ttl=${zero}`], table)).toThrow(/--ttl takes a duration above zero/);
    }
    expect(parseFlags(["--name", "a", "--d", "1ms"], table).d).toBe(1);
  });
  it("reports --help without validating anything else", () => {
    expect(parseFlags(["--bogus", "--help"], table)).toEqual({ help: true });
  });
  it("types each parsed flag from its spec (a declared table needs no casts)", () => {
    const typed = defineFlags({
      listen: { kind: "string", help: "", default: "127.0.0.1:0" },
      id: { kind: "string", help: "", required: true },
      advertise: { kind: "string", help: "" },
      remote: { kind: "string", help: "", repeatable: true },
      on: { kind: "boolean", help: "", default: false },
      ttl: { kind: "duration", help: "", default: "2m" },
      n: { kind: "int", help: "" },
    });
    const parsed = parseFlags(["--id", "x", "--remote", "a", "--remote=b", "--on"], typed);
    if (parsed.help === true) throw new Error("not a help request");
    expectTypeOf(parsed.listen).toEqualTypeOf<string>();
    expectTypeOf(parsed.id).toEqualTypeOf<string>();
    expectTypeOf(parsed.advertise).toEqualTypeOf<string | undefined>();
    expectTypeOf(parsed.remote).toEqualTypeOf<string[]>();
    expectTypeOf(parsed.on).toEqualTypeOf<boolean>();
    expectTypeOf(parsed.ttl).toEqualTypeOf<number>();
    expectTypeOf(parsed.n).toEqualTypeOf<number | undefined>();
    expect(parsed).toEqual({ listen: "127.0.0.1:0", id: "x", remote: ["a", "b"], on: true, ttl: 120_000 });
    expect(parseFlags(["--id", "x"], typed)).toMatchObject({ remote: [] });
  });
  it("never throws anything but UsageError on arbitrary argv", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom("--name", "--on", "--n", "--d", "--r", "--on=false", "--n=1"))), (argv) => {
        try {
          parseFlags(argv, table);
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          expect((err as Error).message).not.toContain("\n");
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseDuration", () => {
  it("understands the units operators type", () => {
    expect(parseDuration("30s")).toBe(30_000);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1500ms")).toBe(1500);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration("12")).toBe(12_000);
    expect(parseDuration("0.5s")).toBe(500);
  });
  it("refuses what is not a duration", () => {
    for (const bad of ["", "s", "10x", "1m 30s", "-5s", "abc", "5s!"]) expect(() => parseDuration(bad)).toThrow(UsageError);
  });
});
