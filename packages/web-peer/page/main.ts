/** The watch page's entry: bundled by scripts/build-page.ts into dist/page/app.js. */
import { openVerifiedSource } from "../src/index.js";
import { runPage } from "./app.js";

void runPage(openVerifiedSource);
