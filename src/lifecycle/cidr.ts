/**
 * CIDR containment with node's BlockList. A bare address means /32 (IPv4) or /128 (IPv6),
 * as in Vault. IPv4-mapped IPv6 addresses ("::ffff:10.1.2.3") count as IPv4.
 */
import { BlockList, isIP } from 'node:net';

function unmap(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? (m[1] as string) : ip;
}

/** Parses "10.0.0.0/8", "10.1.2.3", "fd00::/8"; null when it is none of these. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [rawAddr, bits, extra] = text.trim().split('/');
  if (extra !== undefined || rawAddr === undefined) return null;
  const address = unmap(rawAddr);
  const v = isIP(address);
  if (v === 0) return null;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return null;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return null;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * True when `ip` lies inside one of `cidrs`. Throws on a CIDR that does not parse, so a
 * broken binding never silently allows (or hides) anything; callers decide what that means.
 */
export function cidrsContain(cidrs: readonly string[], ip: string): boolean {
  const addr = unmap(ip.trim());
  const v = isIP(addr);
  if (v === 0) return false;
  const list = new BlockList();
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (!p) throw new Error(`not an IP address or CIDR block: ${JSON.stringify(c)}`);
    list.addSubnet(p.address, p.prefix, p.family);
  }
  return list.check(addr, v === 4 ? 'ipv4' : 'ipv6');
}
