import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { lan } from "./lan.js";

it("prints what its README promises", async () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const expected = /Expected output:\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
  expect((await lan()).join("\n") + "\n").toBe(expected);
});
