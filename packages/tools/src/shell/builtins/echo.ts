import type { Command } from "../types.js";

function unescape(s: string): [string, boolean] {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
    }
    const d = s[++i]!;
    if (d === "c") return [out, true];
    out += ({ n: "\n", t: "\t", r: "\r", "\\": "\\", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", "0": "\0" } as Record<string, string>)[d] ?? `\\${d}`;
  }
  return [out, false];
}

/** echo [-neE] [ARG...]: one write, so `echo 1 > /sys/...` is one store. */
export const echo: Command = {
  name: "echo",
  summary: "write arguments to standard output",
  run(argv, ctx) {
    let i = 1;
    let newline = true;
    let escapes = false;
    for (; i < argv.length; i++) {
      const a = argv[i]!;
      if (!/^-[neE]+$/.test(a)) break;
      for (const f of a.slice(1)) {
        if (f === "n") newline = false;
        else if (f === "e") escapes = true;
        else escapes = false;
      }
    }
    let text = argv.slice(i).join(" ");
    if (escapes) {
      const [s, stop] = unescape(text);
      text = s;
      if (stop) newline = false;
    }
    ctx.out(newline ? text + "\n" : text);
    return 0;
  },
};
