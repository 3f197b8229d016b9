export * from "./neighbour.js";
export * from "./arp.js";
export * from "./api.js";
