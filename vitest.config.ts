import { defineConfig } from "vitest/config";

// One test run over every package and app. Tests import sibling packages through
// their package.json "exports", so `pnpm test` builds first (see package.json).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
