// The test a user of vnet would write for their application: exact retry counts under seeded loss.
import { describe, expect, it } from "vitest";
import { MAX_ATTEMPTS, REQUESTS, scenario } from "./scenario.js";

const sent = (r: { outcomes: { attempts: number }[] }): number => r.outcomes.reduce((n, o) => n + o.attempts, 0);

describe("RetryingClient over insane links (30 % of requests and 20 % of answers lost, seed 7)", () => {
  it("retries exactly where the seed loses packets, and gives up after three attempts", async () => {
    const run = await scenario();
    expect(run.outcomes.map((o) => o.attempts)).toEqual([
      3, 1, 2, 3, 1, 1, 1, 1, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 3, 1, 1, 3, 3, 1,
    ]);
    expect(run.outcomes.filter((o) => o.answer === null).map((o) => o.id)).toEqual([4, 25, 28]);
    expect(sent(run) - REQUESTS).toBe(15);
    expect(run.outcomes[28]).toMatchObject({ id: 29, attempts: 3, elapsedMs: 220 });
    expect(new TextDecoder().decode(run.outcomes[28]!.answer!)).toBe("HELLO 29");
  });

  it("agrees with the links' own counters", async () => {
    const run = await scenario();
    const answered = run.outcomes.filter((o) => o.answer !== null).length;
    // Every send went through the client's insane: relayed or dropped.
    expect(run.clientInsane.txPackets + run.clientInsane.txDropped).toBe(sent(run));
    // What it relayed reached the server, which answered each through its own insane.
    expect(run.serverHandled).toBe(run.clientInsane.txPackets);
    expect(run.serverInsane.txPackets + run.serverInsane.txDropped).toBe(run.serverHandled);
    expect(run.serverInsane.txPackets).toBe(answered + run.stale);
  });

  it("is the same run every time", async () => {
    const [a, b] = [await scenario(), await scenario()];
    expect(b.log).toEqual(a.log);
  });

  it("another seed loses other packets, within the same rules", async () => {
    const run = await scenario({ seed: 8 });
    expect(run.log).not.toEqual((await scenario()).log);
    for (const o of run.outcomes) {
      expect(o.attempts).toBeGreaterThanOrEqual(1);
      expect(o.attempts).toBeLessThanOrEqual(MAX_ATTEMPTS);
      if (o.answer === null) expect(o.attempts).toBe(MAX_ATTEMPTS);
    }
  });

  it("never retries when insane passes everything", async () => {
    const run = await scenario({ extra: ["ip netns exec client insanely eth0 pass", "ip netns exec server insanely eth0 pass"] });
    expect(run.outcomes.every((o) => o.attempts === 1 && o.elapsedMs === 0)).toBe(true);
  });
});
