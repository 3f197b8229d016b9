import { expect, it } from "vitest";
import { Kernel } from "@vnet/core";
import { Transcript } from "../index.js";

it("records commands after the prompt, keeps comments, and stops at a failing line unless marked with -", async () => {
  const t = new Transcript(new Kernel({ seed: 1 }));
  const ok = await t.run("# a comment\necho hi\n-false\necho after\n", "a.vnet");
  expect(ok).toBe(true);
  const failed = await t.run("false\necho never\n", "b.vnet");
  expect(failed).toBe(false);
  expect(t.status).toBe(1);
  const text = await t.finish();
  const prompt = t.shell.prompt();
  expect(text).toBe(`# a comment\n${prompt}echo hi\nhi\n${prompt}false\n${prompt}echo after\nafter\n${prompt}false\nb.vnet:1: \`false' failed with exit status 1\n`);
});
