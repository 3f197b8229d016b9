/**
 * The interactive shell on a terminal: node:readline with history and tab completion; Ctrl-C
 * interrupts the foreground job (a ping prints its statistics) or clears the line; Ctrl-D leaves.
 */
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { complete } from "../shell/complete.js";
import type { Shell } from "../shell/shell.js";
import { paint } from "./color.js";

const HISTORY_SIZE = 1000;

function historyFile(): string | null {
  const f = process.env["VNET_HISTFILE"];
  if (f !== undefined) return f === "" ? null : f;
  try {
    return join(homedir(), ".vnet_history");
  } catch {
    return null;
  }
}

function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    return readFileSync(file, "utf8").split("\n").filter((l) => l !== "").reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

/**
 * Runs the shell until `exit` or end of input; returns the status to exit with. `settle` (real
 * time) brings the kernel up to the wall clock before each line, and after Ctrl-C, so that the
 * wait for the interrupted job ends at once.
 */
export async function interactive(shell: Shell, settle: (() => void) | null): Promise<number> {
  const file = historyFile();
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: process.stdin.isTTY === true,
    history: loadHistory(file),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string): [string[], string] => {
      const word = line.split(/\s+/).pop() ?? "";
      const hits = complete(shell, line);
      // As bash does, a unique completion gets its space (a directory its slash, already there).
      if (hits.length === 1 && !hits[0]!.endsWith("/")) return [[hits[0]! + " "], word];
      return [hits, word];
    },
  });
  const terminal = process.stdin.isTTY === true;
  const prompt = (): void => {
    if (!terminal) return;
    rl.setPrompt(paint(process.stdout, shell.cred.uid === 0 ? "red" : "green", shell.prompt()));
    rl.prompt();
  };
  let busy = false;
  rl.on("SIGINT", () => {
    if (busy) {
      process.stdout.write("^C");
      if (shell.interrupt()) settle?.();
      return;
    }
    process.stdout.write("^C\n");
    rl.write(null, { ctrl: true, name: "u" });
    prompt();
  });
  prompt();
  try {
    for await (const line of rl) {
      busy = true;
      // Real time: the line runs at the time it was typed, not at the end of the last run.
      settle?.();
      await shell.run(line);
      busy = false;
      if (shell.exited !== null) break;
      prompt();
    }
  } finally {
    rl.close();
    const hist = (rl as unknown as { history?: string[] }).history;
    if (file !== null && hist !== undefined) {
      try {
        writeFileSync(file, [...hist].reverse().join("\n") + "\n");
      } catch {
        // History is a convenience: an unwritable home must not fail the session.
      }
    }
  }
  return shell.exited ?? shell.status;
}
