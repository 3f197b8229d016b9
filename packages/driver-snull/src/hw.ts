/**
 * The "hardware" (snull_hw_tx): the frame leaves in one of the sender's pool packets (in its own
 * skb, or copied into the packet's buffer), its IPv4 addresses are rewritten, and it lands in the
 * peer's receive queue. Then a receive interrupt is raised on the peer and a transmit-complete
 * interrupt on the sender.
 */
import { copyView, csumFold, csumPartialView, ipFastCsum20, netifStopQueue, type NetDevice, type SkBuff } from "@vnet/core";
import { ETH_ZLEN, IPV4_HLEN, IPV4_OFF, SNULL_RX_INTR, SNULL_TX_INTR } from "./constants.js";
import { snullRaise } from "./interrupt.js";
import { snullEnqueueBuf, type SnullPacket } from "./pool.js";
import type { SnullPriv } from "./priv.js";

/**
 * Toggles the low bit of the third octet of the IPv4 source and destination and recomputes the
 * header checksum (the book's ip_fast_csum), for the frame of `len` octets at `off` in the bytes
 * `v` shows. Like the book, it never looks at the EtherType or the version: whatever the frame
 * carries, octets 28 and 32 are flipped and octets 24-25 overwritten (non-IP frames are
 * corrupted). The checksum covers ihl*4 octets, read as at least 20 and at most what the frame
 * holds; `len` is at least ETH_ZLEN, so the fixed header always fits.
 */
export function snullFlipIpv4(v: DataView, off: number, len: number): void {
  const ih = off + IPV4_OFF;
  // The third octet of an address is bit 8 of its 32-bit word.
  v.setUint32(ih + 12, v.getUint32(ih + 12) ^ 0x100); // saddr
  v.setUint32(ih + 16, v.getUint32(ih + 16) ^ 0x100); // daddr
  let hlen = (v.getUint8(ih) & 0x0f) << 2;
  if (hlen < IPV4_HLEN) hlen = IPV4_HLEN;
  if (IPV4_OFF + hlen > len) hlen = len - IPV4_OFF;
  v.setUint16(ih + 10, 0);
  v.setUint16(ih + 10, hlen === IPV4_HLEN ? ipFastCsum20(v, ih) : csumFold(csumPartialView(v, ih, hlen)));
}

/**
 * snull_hw_tx(): `len` octets of `skb` (at most ETH_FRAME_LEN) leave in `pkt` for `dest`. The book
 * copies the frame into the packet's buffer and frees the skb at transmit-done. When the skb owns
 * its bytes alone, the frame travels in it instead, as through the etun pair: the packet carries
 * the skb itself to the twin, and transmit-done only counts it. A frame whose bytes a clone shares
 * (a tap kept it) is copied into the packet's buffer as in the book, its skb freed at
 * transmit-done. Either way the addresses are rewritten where nobody else can see them.
 */
export function snullHwTx(priv: SnullPriv, skb: SkBuff, pkt: SnullPacket, dest: NetDevice<SnullPriv>): void {
  const len = skb.len;
  let buf: SkBuff;
  if (skb.users === 1 && skb.shinfo.dataref === 1 && skb.data + ETH_ZLEN <= skb.end) {
    buf = skb;
    pkt.sent = skb;
    priv.txRing.push(len, null);
  } else {
    buf = pkt.skb;
    copyView(buf.head, buf.view, buf.data, skb.head, skb.view, skb.data, len);
    priv.txRing.push(len, skb);
  }
  const at = buf.data;
  let datalen = len;
  if (len < ETH_ZLEN) {
    buf.head.fill(0, at + len, at + ETH_ZLEN);
    datalen = ETH_ZLEN;
  }
  pkt.datalen = datalen;
  snullFlipIpv4(buf.view, at, datalen);

  // First a receive interrupt on the twin, then transmit-done on the sender.
  const dpriv = dest.priv;
  snullEnqueueBuf(dpriv, pkt);
  if (dpriv.rxIntEnabled) snullRaise(dpriv, SNULL_RX_INTR);

  const lockup = priv.drv.config.lockup;
  priv.txCount++;
  if (lockup > 0 && priv.txCount % lockup === 0) {
    // Simulate a lost transmit interrupt: the queue stays stopped until the watchdog fires.
    netifStopQueue(priv.dev);
  } else {
    snullRaise(priv, SNULL_TX_INTR);
  }
}
