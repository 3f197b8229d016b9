import { hello } from "./topology.js";

for (const line of hello()) console.log(line);
