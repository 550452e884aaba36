/**
 * Webhook targets are user input that makes the server send requests (SSRF). A target must be
 * http(s) and every address its host resolves to must be public: loopback, private, link-local
 * (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved and documentation ranges are
 * refused, for IPv4 and IPv6 (including IPv4 embedded in IPv6). Delivery connects to the very
 * address that was checked (see pinnedLookup), so DNS cannot change its answer in between.
 * TALLY_WEBHOOK_ALLOW_PRIVATE=true lifts the address rule (local receivers, tests).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

export interface WebhookPolicy {
  allowPrivate: boolean;
}

export class WebhookTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookTargetError';
  }
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
  ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** Expands an IPv6 text to its 8 groups (handles `::` and a dotted IPv4 tail). */
function groups(v6: string): number[] {
  let text = v6.toLowerCase().split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

function v4From(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), or null. */
export function embeddedV4(v6: string): string | null {
  const g = groups(v6);
  if (g.length !== 8 || g.some((x) => Number.isNaN(x))) return null;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return v4From(g6, g7); // ::ffff:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return v4From(g6, g7); // 64:ff9b::/96
  if (g0 === 0x2002) return v4From(g1, g2); // 6to4
  return null;
}

/** True when the address is not on the public internet. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== null && blocked.check(v4, 'ipv4')) return true;
    return blocked.check(address.split('%')[0] ?? address, 'ipv6');
  }
  return true;
}

export interface CheckedTarget {
  url: URL;
  /** The checked address delivery must connect to. */
  address: string;
  family: 4 | 6;
}

/** Parses, resolves and checks a webhook URL; throws WebhookTargetError saying why it is refused. */
export async function checkWebhookTarget(text: string, policy: WebhookPolicy): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WebhookTargetError('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookTargetError('must use http or https');
  if (url.username !== '' || url.password !== '') throw new WebhookTargetError('must not contain credentials');
  if (text.length > 2000) throw new WebhookTargetError('must be at most 2000 characters');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (isIP(host) !== 0) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new WebhookTargetError(`host "${host}" does not resolve`);
    }
  }
  const first = addresses[0];
  if (first === undefined) throw new WebhookTargetError(`host "${host}" does not resolve`);
  if (!policy.allowPrivate) {
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) {
      throw new WebhookTargetError(`resolves to ${bad.address}, a loopback, private or link-local address (allowed only with TALLY_WEBHOOK_ALLOW_PRIVATE=true)`);
    }
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
