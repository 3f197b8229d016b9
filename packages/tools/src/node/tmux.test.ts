/**
 * The interactive shell through a real pseudo-terminal: tmux runs `vnet shell`, the test types
 * with send-keys and reads the screen with capture-pane.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const hasTmux = spawnSync("tmux", ["-V"]).status === 0;
const cli = fileURLToPath(new URL("../cli.ts", import.meta.url));
const root = fileURLToPath(new URL("../../../..", import.meta.url));
const socket = `vnet-test-${process.pid}`;
const session = "vnet";

function tmux(...args: string[]): string {
  return execFileSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
}

/** Types keys one group at a time, waiting for the screen to settle, as a person would. */
async function keys(...k: string[]): Promise<void> {
  for (const key of k) {
    tmux("send-keys", "-t", session, key);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function screen(): string {
  return tmux("capture-pane", "-p", "-t", session);
}

async function waitFor(pred: (s: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const end = Date.now() + ms;
  let s = "";
  while (Date.now() < end) {
    s = screen();
    if (pred(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${s}`);
}

// capture-pane drops trailing spaces, the prompt's included.
const prompts = (s: string): number => s.split("root@vnet:~#").length - 1;

describe.skipIf(!hasTmux)("vnet shell on a terminal (tmux)", () => {
  afterAll(() => {
    spawnSync("tmux", ["-L", socket, "kill-server"]);
  });

  it("completes, keeps history, and Ctrl-C interrupts a running command", async () => {
    const cmd = `cd ${root} && NO_COLOR=1 VNET_HISTFILE= ${process.execPath} --import tsx --conditions=@vnet/source ${cli} shell`;
    tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "50", cmd);
    await waitFor((s) => prompts(s) === 1, "the prompt");

    // Tab completes a command name, then a module name.
    await keys("ins", "Tab");
    await waitFor((s) => s.includes("# insmod"), "command completion");
    await keys("sn", "Tab");
    await waitFor((s) => s.includes("# insmod snull"), "module completion");
    await keys("Enter");
    await waitFor((s) => prompts(s) === 2, "insmod to finish");

    // Device names complete after `dev`, two candidates are listed.
    await keys("ip link set dev sn", "Tab", "Tab");
    await waitFor((s) => /sn0\s+sn1/.test(s), "device candidates");
    await keys("0 up", "Enter");
    await waitFor((s) => prompts(s) >= 3, "ip link set");

    // A capture runs until Ctrl-C, which prints its statistics and gives the prompt back.
    tmux("send-keys", "-t", session, "tcpdump -i sn0", "Enter");
    await waitFor((s) => s.includes("listening on sn0"), "tcpdump to start");
    tmux("send-keys", "-t", session, "C-c");
    const s = await waitFor((x) => x.includes("0 packets dropped by kernel") && prompts(x) >= 4, "tcpdump to stop");
    expect(s).toContain("0 packets captured");

    // A ping runs (in virtual time, as fast as it can) until Ctrl-C, then prints its statistics.
    await keys("ping 127.0.0.1", "Enter");
    await waitFor((x) => x.includes("bytes from 127.0.0.1"), "ping replies");
    tmux("send-keys", "-t", session, "C-c");
    const p = await waitFor((x) => x.includes("--- 127.0.0.1 ping statistics ---") && /rtt min\/avg\/max\/mdev/.test(x), "ping statistics");
    expect(p).toMatch(/(\d+) packets transmitted, \1 received, 0% packet loss/);
    await waitFor((x) => x.trimEnd().endsWith("root@vnet:~#"), "the prompt after ping");

    // History: Up recalls the last line.
    tmux("send-keys", "-t", session, "Up");
    await waitFor((x) => x.trimEnd().endsWith("# ping 127.0.0.1"), "history");
    tmux("send-keys", "-t", session, "C-u", "ip -br link show sn0", "Enter");
    await waitFor((x) => /sn0 +UNKNOWN/.test(x), "the device listing");

    // Ctrl-C at the prompt clears the line; exit leaves.
    tmux("send-keys", "-t", session, "garbage", "C-c");
    await waitFor((x) => x.includes("garbage^C"), "line cleared");
    await keys("exit", "Enter");
    const end = Date.now() + 10_000;
    while (spawnSync("tmux", ["-L", socket, "has-session", "-t", session]).status === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(spawnSync("tmux", ["-L", socket, "has-session", "-t", session]).status).not.toBe(0);
  }, 60_000);
});

if (!hasTmux) console.warn("skipping the terminal test: tmux is not installed (apt-get install tmux)");
