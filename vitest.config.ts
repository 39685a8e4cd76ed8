import { defineConfig } from "vitest/config";

// One test run over every package and app. Tests import sibling packages through
// their package.json "exports", so `pnpm test` builds first (see package.json).
// Under CI a JSON report is written too, from which .ci/run prints a plain summary line.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]] : ["default"],
  },
});
