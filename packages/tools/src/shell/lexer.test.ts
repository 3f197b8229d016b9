import { describe, expect, it } from "vitest";
import { parseLine, quote, ShellSyntaxError } from "./lexer.js";

describe("parseLine", () => {
  it("splits words and honours quotes and escapes", () => {
    const [c] = parseLine(`ip link set "a b" alias 'x y' z\\ w`);
    expect(c!.words).toEqual(["ip", "link", "set", "a b", "alias", "x y", "z w"]);
  });

  it("drops comments and blank lines", () => {
    expect(parseLine("# nothing")).toEqual([]);
    expect(parseLine("   ")).toEqual([]);
    expect(parseLine("echo a # b")[0]!.words).toEqual(["echo", "a"]);
    expect(parseLine("echo a#b")[0]!.words).toEqual(["echo", "a#b"]);
  });

  it("parses background jobs and sequences", () => {
    const cmds = parseLine("tcpdump -i lo & sleep 1; jobs");
    expect(cmds.map((c) => [c.words[0], c.background])).toEqual([["tcpdump", true], ["sleep", false], ["jobs", false]]);
  });

  it("parses redirections", () => {
    const [c] = parseLine("echo 1 >> /sys/x");
    expect(c!.redirect).toEqual({ append: true, path: "/sys/x", fd: 1 });
    expect(parseLine("ip foo 2>/dev/null")[0]!.redirect).toEqual({ append: false, path: "/dev/null", fd: 2 });
    expect(parseLine("echo a>b")[0]!.redirect?.path).toBe("b");
  });

  it("marks a leading '-' as allowed to fail, not a quoted one", () => {
    const [c] = parseLine("-ip link del foo");
    expect(c!.allowFail).toBe(true);
    expect(c!.words[0]).toBe("ip");
    expect(parseLine("'-x'")[0]!.allowFail).toBe(false);
  });

  it("expands $? and variables", () => {
    expect(parseLine("echo $? \"$?\" '$?'", { status: 3 })[0]!.words).toEqual(["echo", "3", "3", "$?"]);
    expect(parseLine("echo $X", { status: 0, vars: new Map([["X", "y"]]) })[0]!.words).toEqual(["echo", "y"]);
  });

  it("reports bash's syntax errors", () => {
    expect(() => parseLine("echo 'a")).toThrow(ShellSyntaxError);
    expect(() => parseLine("echo >")).toThrow("syntax error near unexpected token `newline'");
    expect(() => parseLine("& echo")).toThrow("syntax error near unexpected token `&'");
    expect(() => parseLine('echo "a')).toThrow("unexpected EOF");
  });

  it("quotes what needs it", () => {
    expect(quote("eth0")).toBe("eth0");
    expect(quote("a b")).toBe("'a b'");
    expect(quote("it's")).toBe(`'it'\\''s'`);
    expect(parseLine(`echo ${quote("it's a b")}`)[0]!.words[1]).toBe("it's a b");
  });
});
