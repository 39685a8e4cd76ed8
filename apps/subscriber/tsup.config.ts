import { defineConfig } from "tsup";

export default defineConfig({
  // `http` is the watch server, a separate entry so `runSubscriber` users do not load it.
  entry: { index: "src/index.ts", http: "src/http/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
});
