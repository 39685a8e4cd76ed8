/**
 * The help an operator reads: wrapped under 100 columns, a default said once, every duration flag
 * written `<dur>` (explained once), and reason counts printed one way.
 */
import { describe, expect, it } from "vitest";
import { formatCounts } from "../src/counts.js";
import { formatHelp, wrapText } from "../src/flags.js";
import { runCli } from "./cli-harness.js";

const COMMANDS = ["demo", "moq-publish", "moq-subscribe", "relay", "keygen", "hdhr-sim", "capture"];

describe("ec-node help", () => {
  it.each(["", ...COMMANDS])("%s --help fits 100 columns, says each default once, writes durations <dur>", async (cmd) => {
    const r = await runCli(cmd ? [cmd, "--help"] : ["--help"]);
    expect(r.code).toBe(0);
    for (const line of r.stdout.split("\n")) {
      expect(line.length, line).toBeLessThanOrEqual(100);
      expect(line.match(/\(default/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
      expect(line, line).not.toMatch(/--[a-z-]+[ =]<(s|seconds)>/); // a duration flag reads <dur>
    }
    if (/ <dur> /.test(r.stdout)) expect(r.stdout).toContain("<dur> is a duration such as");
  });

  it("shows a duration flag as <dur> whatever its table says, and no default false for a boolean", () => {
    const text = formatHelp("x", "y", {
      wait: { kind: "duration", value: "<s>", help: "how long" },
      quiet: { kind: "boolean", help: "say less (default: chatty)", default: false },
      on: { kind: "boolean", help: "switch", default: true },
    });
    expect(text).toContain("--wait <dur>");
    expect(text).toMatch(/say less \(default: chatty\)\n/);
    expect(text).toMatch(/switch \(default true\)\n/);
  });

  it("wraps text at the width with a hanging indent, keeping alignment spaces", () => {
    expect(wrapText("  a    b c d", 8, "  ")).toEqual(["  a    b", "  c d"]);
  });
});

describe("formatCounts", () => {
  it("prints reason counts most frequent first, or none", () => {
    expect(formatCounts({})).toBe("none");
    expect(formatCounts({ expired: 1, "unknown-signer": 3, replay: 0 })).toBe("3 unknown-signer, 1 expired");
  });
});
