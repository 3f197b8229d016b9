import { lan } from "./lan.js";

for (const line of await lan()) console.log(line);
