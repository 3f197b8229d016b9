export * from "./lpm.js";
export * from "./fib.js";
export * from "./fib_rules.js";
