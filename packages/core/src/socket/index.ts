export * from "./sock.js";
export * from "./inet.js";
export * from "./udp.js";
export * from "./ping.js";
export * from "./raw.js";
export * from "./packet.js";
