import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { report, scenario } from "./scenario.js";

it("prints what its README promises", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const expected = /Expected output:\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
  expect(report(await scenario())).toBe(expected);
});
