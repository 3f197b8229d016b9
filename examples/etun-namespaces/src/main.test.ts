import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { scenario } from "./scenario.js";

it("prints what its README promises", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const expected = /Expected output:\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
  const { text, status } = await scenario();
  expect(text).toBe(expected);
  expect(status).toBe(0);
});
