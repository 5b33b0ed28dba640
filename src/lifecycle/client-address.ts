/**
 * Which address a request comes from, for the secret-ID CIDR binding.
 *
 * The socket peer, unless the peer is one of `listen.trusted_proxies`: then the last
 * X-Forwarded-For entry, the one that proxy appended (the same rule Vault's listener
 * applies with hop_skips 0, reference/vault-http-api.md §12). Entries further left were
 * written by the client and prove nothing. A header from any other peer is ignored.
 */
import { isIP } from 'node:net';
import { cidrsContain } from './cidr';

export interface ClientAddress {
  ip: string;
  via: 'socket' | 'x-forwarded-for';
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; "[::1]" → "::1". */
export function normalizeIp(raw: string): string {
  let ip = raw.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? (mapped[1] as string) : ip;
}

/** One X-Forwarded-For entry: "ip", "ip:port", "[v6]" or "[v6]:port" → the IP, or null. */
function parseEntry(entry: string): string | null {
  const e = entry.trim();
  if (isIP(e)) return normalizeIp(e);
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(e);
  if (v6 && isIP(v6[1] as string) === 6) return normalizeIp(v6[1] as string);
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(e);
  if (v4 && isIP(v4[1] as string) === 4) return v4[1] as string;
  return null;
}

export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: readonly string[],
): ClientAddress {
  const socketIp = normalizeIp(peer ?? '');
  if (forwardedFor === undefined || trustedProxies.length === 0 || !cidrsContain(trustedProxies, socketIp)) {
    return { ip: socketIp, via: 'socket' };
  }
  const entries = (Array.isArray(forwardedFor) ? forwardedFor : [forwardedFor])
    .flatMap((h) => h.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
  const last = entries[entries.length - 1];
  const ip = last === undefined ? null : parseEntry(last);
  // A trusted proxy that sends no usable entry: fall back to the proxy's own address,
  // which fails any endpoint CIDR binding (fail closed) rather than trusting a guess.
  return ip === null ? { ip: socketIp, via: 'socket' } : { ip, via: 'x-forwarded-for' };
}
