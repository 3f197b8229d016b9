import { readdirSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

// Tests run on src/ through the private "@vnet/source" export condition: no build needed.
const conditions = ["@vnet/source"];

/** One vitest project per workspace package and example, sharing this config. */
function projects(dir: string): { extends: true; test: { name: string; root: string; include: string[]; exclude: string[] } }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${dir}/${d.name}/package.json`))
    .map((d) => ({
      extends: true as const,
      test: { name: `${dir}/${d.name}`, root: `${dir}/${d.name}`, include: ["**/*.test.ts"], exclude: ["**/node_modules/**", "**/dist/**"] },
    }));
}

const config: ViteUserConfig = defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    // The JSON report lets CI print a one-line summary.
    reporters: ["default", ["json", { outputFile: ".test-results.json" }]],
    projects: [...projects("packages"), ...projects("examples")],
    typecheck: { enabled: true, include: ["**/*.test-d.ts"], tsconfig: fileURLToPath(new URL("./tsconfig.json", import.meta.url)) },
  },
});

export default config;
