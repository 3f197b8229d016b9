import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.base.ts";

// Two entries, the platform-neutral driver and the node:dgram transport, sharing one copy of the
// driver's modules (splitting), so both see the same classes and the same per-kernel clocks.
export default defineConfig({ ...packageConfig({ index: "src/index.ts", node: "src/node.ts" }), splitting: true });
