import { scenario } from "./scenario.js";

const { text, status } = await scenario();
process.stdout.write(text);
process.exitCode = status;
