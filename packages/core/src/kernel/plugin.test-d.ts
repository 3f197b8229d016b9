import { describe, expectTypeOf, it } from "vitest";
import { definePlugin, type Kernel, type Module, type Plugin } from "../index.js";

describe("definePlugin", () => {
  it("types parameters from their specs", () => {
    definePlugin({
      name: "typed",
      version: "1.0.0",
      params: { n: { type: "int", default: 1 }, on: { type: "bool" }, s: { type: "charp" } },
      setup(ctx) {
        expectTypeOf(ctx.params.n).toEqualTypeOf<number>();
        expectTypeOf(ctx.params.on).toEqualTypeOf<boolean>();
        expectTypeOf(ctx.params.s).toEqualTypeOf<string>();
        expectTypeOf(ctx.kernel).toEqualTypeOf<Kernel>();
        expectTypeOf(ctx.module).toEqualTypeOf<Module>();
        // @ts-expect-error unknown parameter
        void ctx.params.nope;
      },
    });
  });

  it("requires name, version and setup", () => {
    // @ts-expect-error missing setup
    const p: Plugin = { name: "x", version: "1.0.0" };
    void p;
    expectTypeOf(definePlugin({ name: "a", version: "1.0.0", setup() {} })).toMatchTypeOf<Plugin>();
    // @ts-expect-error setup may return only void or an exit function
    definePlugin({ name: "b", version: "1.0.0", setup: () => 5 });
  });
});
