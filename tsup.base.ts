import type { Options } from "tsup";

/** One build for every published package: ESM only, declarations, no bundling of dependencies. */
export function packageConfig(entry: Record<string, string> | string[] = ["src/index.ts"]): Options {
  return {
    entry,
    format: ["esm"],
    target: "node20",
    platform: "neutral",
    dts: true,
    sourcemap: true,
    clean: true,
    treeshake: true,
    splitting: false,
  };
}
