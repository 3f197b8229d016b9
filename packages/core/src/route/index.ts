export * from "./lpm.js";
export * from "./fib.js";
