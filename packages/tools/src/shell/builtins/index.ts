/** Commands that belong to the shell itself (bash builtins and a few coreutils). */
import type { Shell } from "../shell.js";
import type { Command } from "../types.js";
import { cat } from "./cat.js";
import { dmesg } from "./dmesg.js";
import { echo } from "./echo.js";
import { helpBuiltin } from "./help.js";
import { exitBuiltin, hostnameBuiltin, idBuiltin, suBuiltin, sudoBuiltin, whoamiBuiltin } from "./identity.js";
import { jobsBuiltin, killBuiltin, waitBuiltin } from "./jobs.js";
import { ls } from "./ls.js";
import { shBuiltin } from "./sh.js";
import { sleep } from "./sleep.js";

const trueCmd: Command = { name: "true", summary: "do nothing, successfully", run: () => 0 };
const falseCmd: Command = { name: "false", summary: "do nothing, unsuccessfully", run: () => 1 };

export function builtins(shell: Shell): Command[] {
  return [
    cat, dmesg, echo, ls, sleep, trueCmd, falseCmd,
    helpBuiltin(shell), exitBuiltin(shell), hostnameBuiltin(), idBuiltin(), suBuiltin(shell), sudoBuiltin(), whoamiBuiltin(),
    jobsBuiltin(shell), killBuiltin(shell), waitBuiltin(shell), shBuiltin(shell), shBuiltin(shell, "bash"),
  ];
}
