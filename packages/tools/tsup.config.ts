import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.base.ts";

// The CLI imports node: modules; the library entry stays platform-neutral in what it imports.
export default defineConfig({ ...packageConfig({ index: "src/index.ts", cli: "src/cli.ts" }), platform: "node" });
