/**
 * The modules `insmod NAME` finds: the driver plugins bundled with @vnet/tools (what
 * /lib/modules is to kmod). Shells can be given more (`new Shell(k, { modules })`).
 */
import type { Plugin } from "@vnet/core";
import * as etunPkg from "@vnet/driver-etun";
import * as insanePkg from "@vnet/driver-insane";
import * as snullPkg from "@vnet/driver-snull";
import * as vxlanPkg from "@vnet/driver-vxlan";
import type { ModuleRegistry } from "../../shell/types.js";

function isPlugin(v: unknown): v is Plugin<any> {
  return typeof v === "object" && v !== null && typeof (v as Plugin).name === "string" && typeof (v as Plugin).setup === "function";
}

/** The plugin a driver package exports under `name` (or as its default). */
function pluginOf(pkg: Record<string, unknown>, name: string): Plugin<any> | undefined {
  const p = pkg[name] ?? pkg["default"];
  return isPlugin(p) ? p : undefined;
}

/** A registry over a fixed list of plugins. */
export function moduleRegistry(plugins: readonly (Plugin<any> | undefined)[]): ModuleRegistry {
  const map = new Map<string, Plugin<any>>();
  for (const p of plugins) if (p !== undefined) map.set(p.name, p);
  return {
    get: (name) => map.get(name),
    names: () => [...map.keys()].sort(),
  };
}

/** etun, insane, snull and vxlan. */
export const bundledModules: ModuleRegistry = moduleRegistry([
  pluginOf(etunPkg as Record<string, unknown>, "etun"),
  pluginOf(insanePkg as Record<string, unknown>, "insane"),
  pluginOf(snullPkg as Record<string, unknown>, "snull"),
  pluginOf(vxlanPkg as Record<string, unknown>, "vxlan"),
]);
