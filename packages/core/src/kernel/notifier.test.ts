import { describe, expect, it } from "vitest";
import {
  EBUSY, NOTIFY_BAD, NOTIFY_DONE, NOTIFY_OK, NOTIFY_STOP, NotifierChain, isErrno, notifierFromErrno, notifierToErrno,
  type NotifierBlock,
} from "../index.js";

function block(log: string[], name: string, priority: number, ret = NOTIFY_DONE): NotifierBlock<number> {
  return { priority, notifierCall: (ev, data) => (log.push(`${name}:${ev}:${data}`), ret) };
}

describe("NotifierChain", () => {
  it("calls higher priorities first, ties after existing blocks", () => {
    const log: string[] = [];
    const c = new NotifierChain<number>();
    c.register(block(log, "a", 0));
    c.register(block(log, "b", 10));
    c.register(block(log, "c", 0));
    c.register(block(log, "d", 10));
    c.call(1, 7);
    expect(log).toEqual(["b:1:7", "d:1:7", "a:1:7", "c:1:7"]);
  });

  it("stops at NOTIFY_STOP and NOTIFY_BAD", () => {
    const log: string[] = [];
    const c = new NotifierChain<number>();
    c.register(block(log, "a", 2, NOTIFY_OK));
    c.register(block(log, "b", 1, NOTIFY_STOP));
    c.register(block(log, "c", 0));
    expect(c.call(5, 0)).toEqual({ ret: NOTIFY_STOP, nrCalls: 2 });
    expect(log).toEqual(["a:5:0", "b:5:0"]);
    const c2 = new NotifierChain<number>();
    c2.register(block([], "x", 0, NOTIFY_BAD));
    c2.register(block(log, "y", -1));
    expect(c2.call(1, 0).ret).toBe(NOTIFY_BAD);
  });

  it("converts errno both ways", () => {
    expect(notifierToErrno(notifierFromErrno(-EBUSY))).toBe(-EBUSY);
    expect(notifierToErrno(NOTIFY_OK)).toBe(0);
    expect(notifierToErrno(NOTIFY_STOP)).toBe(0);
    expect(notifierToErrno(NOTIFY_DONE)).toBe(0);
    expect(notifierFromErrno(0)).toBe(NOTIFY_OK);
  });

  it("refuses double registration with EEXIST and unknown removal with ENOENT", () => {
    const c = new NotifierChain<number>();
    const nb = block([], "a", 0);
    c.register(nb);
    expect(() => c.register(nb)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    c.unregister(nb);
    let err: unknown;
    try {
      c.unregister(nb);
    } catch (e) {
      err = e;
    }
    expect(isErrno(err, 2)).toBe(true);
  });

  it("callRobust rolls back the blocks that ran before a veto", () => {
    const log: string[] = [];
    const c = new NotifierChain<number>();
    c.register(block(log, "a", 3));
    c.register(block(log, "b", 2));
    c.register(block(log, "v", 1, notifierFromErrno(-EBUSY)));
    c.register(block(log, "z", 0));
    const ret = c.callRobust(1, 2, 0);
    expect(notifierToErrno(ret)).toBe(-EBUSY);
    expect(log).toEqual(["a:1:0", "b:1:0", "v:1:0", "a:2:0", "b:2:0"]);
  });

  it("lets a block unregister itself during a call", () => {
    const c = new NotifierChain<number>();
    const log: string[] = [];
    const self: NotifierBlock<number> = { notifierCall: () => (c.unregister(self), log.push("self"), NOTIFY_DONE) };
    c.register(self);
    c.register(block(log, "other", -1));
    c.call(1, 0);
    c.call(1, 0);
    expect(log).toEqual(["self", "other:1:0", "other:1:0"]);
  });
});
