#!/usr/bin/env node
// The `vnet` command: a committed entry point, so package managers can link it before a build.
import("../dist/cli.js").catch((e) => {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("dist/cli.js")) {
    process.stderr.write("vnet: @vnet/tools is not built yet: run `pnpm build` first\n");
    process.exit(1);
  }
  throw e;
});
