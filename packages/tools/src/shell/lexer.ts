/**
 * The shell's grammar: a small, predictable subset of POSIX sh. A line is a list of simple
 * commands separated by `;` or `&` (background); each has words (with '...' and "..." quoting,
 * backslash escapes, `$?`), at most one `> FILE` or `>> FILE` redirection, and an optional
 * leading `-` meaning "allowed to fail" (make's convention). `#` at the start of a word starts a
 * comment.
 */

/** One simple command of a line. */
export interface SimpleCommand {
  /** The words after quote removal; words[0] is the command name. */
  readonly words: string[];
  /** Output redirection, if any. */
  readonly redirect: Redirect | null;
  /** Ended by `&`: run as a background job. */
  readonly background: boolean;
  /** Prefixed by `-`: a non-zero status does not stop a script. */
  readonly allowFail: boolean;
  /** The command's text as typed, for `jobs` and error messages. */
  readonly text: string;
}

export interface Redirect {
  readonly append: boolean;
  readonly path: string;
  /** 1 for stdout (`>`), 2 for stderr (`2>`). */
  readonly fd: 1 | 2;
}

/** A syntax error, worded as bash words it. */
export class ShellSyntaxError extends Error {
  override readonly name: string = "ShellSyntaxError";
}

/** Values the lexer substitutes: `$?` and `$NAME`. */
export interface Expansions {
  readonly status: number;
  readonly vars?: ReadonlyMap<string, string> | undefined;
}

type Token = { kind: "word"; value: string; quoted: boolean } | { kind: "op"; value: ";" | "&" | ">" | ">>" | "2>" | "2>>" };

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n";
}

function expandVar(line: string, i: number, exp: Expansions): [string, number] {
  const next = line[i + 1];
  if (next === "?") return [String(exp.status), i + 2];
  const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i + 1));
  if (m === null) return ["$", i + 1];
  return [exp.vars?.get(m[0]) ?? "", i + 1 + m[0].length];
}

/** Splits a line into words and operators. */
function tokenize(line: string, exp: Expansions): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === "#") break;
    if (c === ";" || c === "&") {
      tokens.push({ kind: "op", value: c });
      i++;
      continue;
    }
    if (c === ">" || (c === "2" && line[i + 1] === ">")) {
      const fd2 = c === "2";
      const at = fd2 ? i + 1 : i;
      const append = line[at + 1] === ">";
      tokens.push({ kind: "op", value: `${fd2 ? "2" : ""}${append ? ">>" : ">"}` as ">" | ">>" | "2>" | "2>>" });
      i = at + (append ? 2 : 1);
      continue;
    }
    let word = "";
    let quoted = false;
    while (i < line.length) {
      const d = line[i]!;
      if (isSpace(d) || d === ";" || d === "&" || d === ">") break;
      if (d === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new ShellSyntaxError("unexpected EOF while looking for matching `''");
        word += line.slice(i + 1, end);
        quoted = true;
        i = end + 1;
      } else if (d === '"') {
        quoted = true;
        i++;
        for (;;) {
          if (i >= line.length) throw new ShellSyntaxError("unexpected EOF while looking for matching `\"'");
          const e = line[i]!;
          if (e === '"') {
            i++;
            break;
          }
          if (e === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) {
            word += line[i + 1];
            i += 2;
          } else if (e === "$") {
            const [v, j] = expandVar(line, i, exp);
            word += v;
            i = j;
          } else {
            word += e;
            i++;
          }
        }
      } else if (d === "\\") {
        if (i + 1 < line.length) word += line[i + 1];
        quoted = true;
        i += 2;
      } else if (d === "$") {
        const [v, j] = expandVar(line, i, exp);
        word += v;
        i = j;
      } else {
        word += d;
        i++;
      }
    }
    tokens.push({ kind: "word", value: word, quoted });
  }
  return tokens;
}

/**
 * Parses one line into its simple commands. Throws ShellSyntaxError with bash's wording
 * (`syntax error near unexpected token `&'`).
 */
export function parseLine(line: string, exp: Expansions = { status: 0 }): SimpleCommand[] {
  const tokens = tokenize(line, exp);
  const out: SimpleCommand[] = [];
  let words: string[] = [];
  let texts: string[] = [];
  let redirect: Redirect | null = null;
  let allowFail = false;
  const flush = (background: boolean, op: string): void => {
    if (words.length === 0) {
      if (redirect !== null || allowFail) throw new ShellSyntaxError(`syntax error near unexpected token \`${op}'`);
      if (op !== "newline") throw new ShellSyntaxError(`syntax error near unexpected token \`${op}'`);
      return;
    }
    out.push({ words, redirect, background, allowFail, text: texts.join(" ") });
    words = [];
    texts = [];
    redirect = null;
    allowFail = false;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "word") {
      let value = t.value;
      // make's "-cmd": the dash belongs to the line, not to the command name.
      if (words.length === 0 && !allowFail && !t.quoted && value.startsWith("-") && value.length > 1 && redirect === null) {
        allowFail = true;
        value = value.slice(1);
      }
      words.push(value);
      texts.push(t.quoted ? quote(value) : value);
      continue;
    }
    if (t.value === ";" || t.value === "&") {
      flush(t.value === "&", t.value);
      continue;
    }
    const target = tokens[i + 1];
    if (target === undefined || target.kind !== "word") {
      throw new ShellSyntaxError(`syntax error near unexpected token \`${target === undefined ? "newline" : target.value}'`);
    }
    i++;
    redirect = { append: t.value.endsWith(">>"), path: target.value, fd: t.value.startsWith("2") ? 2 : 1 };
    texts.push(`${t.value} ${target.value}`);
  }
  flush(false, "newline");
  return out;
}

/** Quotes a word so that parseLine gives it back unchanged (for display and completion). */
export function quote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
