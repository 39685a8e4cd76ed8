/** The watch page's entry: bundled by scripts/build-page.ts into dist/page/app.js. */
import { runPage } from "./app.js";
import { openVerifiedSource } from "./source.js";

void runPage(openVerifiedSource);
