import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { hello } from "./topology.js";

it("prints what its README promises", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const expected = /Expected output:\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
  expect(hello().join("\n") + "\n").toBe(expected);
});
