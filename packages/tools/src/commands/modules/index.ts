export { insmod } from "./insmod.js";
export { rmmod } from "./rmmod.js";
export { lsmod } from "./lsmod.js";
export { modinfo } from "./modinfo.js";
export { bundledModules, moduleRegistry } from "./registry.js";
