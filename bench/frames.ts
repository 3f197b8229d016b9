// Raw Ethernet frames for the device-layer cases (bench/cases/etun.ts, insane.ts): the bytes of
// one test frame, a way to send a copy of it, and a protocol handler that counts and frees what
// arrives.
import { allocSkb, devQueueXmit, kfreeSkb, NET_SKB_PAD, type Kernel, type NetDevice } from "@vnet/core";

/** An ethertype for local experiments (IEEE 802 local experimental 1). */
export const ETH_P_BENCH = 0x88b5;
export const FRAME_LEN = 64;

/** The bytes of a FRAME_LEN-byte ETH_P_BENCH frame from `src` to `dst`. */
export function benchFrame(dst: NetDevice, src: NetDevice): Uint8Array {
  const frame = new Uint8Array(FRAME_LEN);
  frame.set(dst.devAddr.subarray(0, 6), 0);
  frame.set(src.devAddr.subarray(0, 6), 6);
  frame[12] = ETH_P_BENCH >> 8;
  frame[13] = ETH_P_BENCH & 0xff;
  return frame;
}

/** Queues a copy of `frame` on `dev`, in a buffer from the core's pool. */
export function xmitFrame(frame: Uint8Array, dev: NetDevice): number {
  const skb = allocSkb(FRAME_LEN + NET_SKB_PAD);
  skb.reserve(NET_SKB_PAD);
  skb.head.set(frame, skb.put(FRAME_LEN));
  skb.dev = dev;
  return devQueueXmit(skb);
}

export interface FrameCounter {
  received: number;
}

/** Registers a handler for ETH_P_BENCH frames that counts and frees them. */
export function countFrames(k: Kernel): FrameCounter {
  const counter: FrameCounter = { received: 0 };
  k.addPack({
    type: ETH_P_BENCH,
    func(skb) {
      counter.received++;
      kfreeSkb(skb);
    },
  });
  return counter;
}
