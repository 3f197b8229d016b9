import { report, scenario } from "./scenario.js";

process.stdout.write(report(await scenario()));
