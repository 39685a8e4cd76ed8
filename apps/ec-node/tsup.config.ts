import { cpSync, existsSync, rmSync } from "node:fs";
import { packageBuild } from "../../tsup.shared.js";

// The CLI is published alone: the private apps it runs (@ec/publisher, @ec/subscriber) are bundled
// in; the public @ec/* libraries stay dependencies. The watch page (the subscriber's web/) is copied
// beside dist/, where the bundled watch server looks for it (`../web/` from dist/*.js). The browser
// verifying peer (@ec/web-peer's built page) goes to web-peer/, where `--serve-web` looks for it.
const build = packageBuild(["src/cli.ts", "src/index.ts"], { format: ["esm"], noExternal: [/^@ec\/(publisher|subscriber)(\/|$)/] });
const base = build as Exclude<typeof build, unknown[] | ((...a: never[]) => unknown)>;
export default {
  ...base,
  onSuccess: async () => {
    await (base.onSuccess as () => Promise<void>)();
    rmSync("web", { recursive: true, force: true });
    cpSync("../subscriber/web", "web", { recursive: true, filter: (src) => !src.endsWith("README.md") });
    rmSync("web-peer", { recursive: true, force: true });
    if (existsSync("../../packages/web-peer/dist/page/index.html")) cpSync("../../packages/web-peer/dist/page", "web-peer", { recursive: true });
  },
};
