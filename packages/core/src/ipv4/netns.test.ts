import { describe, expect, it } from "vitest";
import { Kernel } from "../kernel/kernel.js";
import { ipv4Net, IPV4_NET_KEY } from "./netns.js";

describe("a namespace's IPv4 state", () => {
  it("is one object however it is reached, created on first use", () => {
    const k = new Kernel({ seed: 1 });
    const a = k.createNet("a");
    const b = k.createNet("b");
    // Through ipv4Net first, then net_generic; and the other way round.
    const na = ipv4Net(a);
    expect(a.ipv4).toBe(na);
    expect(a.gen(IPV4_NET_KEY)).toBe(na);
    const nb = b.gen(IPV4_NET_KEY);
    expect(b.ipv4).toBe(nb);
    expect(ipv4Net(b)).toBe(nb);
    expect(nb).not.toBe(na);
    expect(nb.net).toBe(b);
  });
});
