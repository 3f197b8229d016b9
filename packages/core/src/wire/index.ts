export * from "./addr.js";
export * from "./arp.js";
export * from "./checksum.js";
export * from "./ethernet.js";
export * from "./icmp.js";
export * from "./ipv4.js";
export * from "./tcpdump.js";
export * from "./udp.js";
