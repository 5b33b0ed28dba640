/**
 * The client address every CIDR check sees (reference §12): the TCP peer, or, when the
 * peer is a trusted proxy, the last X-Forwarded-For entry (Vault's
 * x_forwarded_for_hop_skips = 0: the address the trusted proxy itself appended, not the
 * leftmost "original client", which anyone can forge).
 */
import { cidrContains, parseCidr, parseIp, type Cidr } from '../backends/approle/cidr';
import { VaultHttpError } from './errors';

export interface XffConfig {
  /** CIDRs (or bare IPs) of proxies whose X-Forwarded-For is trusted. */
  trustedProxies: Cidr[];
  /** x_forwarded_for_reject_not_present: a trusted peer without the header is refused. */
  rejectNotPresent: boolean;
  /** x_forwarded_for_reject_not_authorized: an untrusted peer sending the header is refused. */
  rejectNotAuthorized: boolean;
}

/** A CIDR, or a bare IP meaning /32 (/128). Throws CidrParseError on anything else. */
export function parseTrustedProxy(text: string): Cidr {
  const t = text.trim();
  if (t.includes('/')) return parseCidr(t);
  const ip = parseIp(t);
  if (!ip) return parseCidr(t); // throws with Go's message
  return parseCidr(`${t}/${ip.family === 4 && !t.includes(':') ? 32 : 128}`);
}

/** Socket peer without the IPv4-mapped prefix. */
export function peerAddress(remote: string | undefined): string {
  const addr = remote ?? '';
  return addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
}

/** "ip", "ip:port", "[v6]:port" or "v6" → the bare IP, or null when it does not parse. */
function entryIp(entry: string): string | null {
  let s = entry.trim();
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) s = bracket[1];
  else if (/^[^:]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  const ip = parseIp(s);
  if (!ip) return null;
  return peerAddress(s);
}

function isTrusted(peer: string, config: XffConfig): boolean {
  const ip = parseIp(peer);
  if (!ip) return false;
  return config.trustedProxies.some((c) => cidrContains(c, ip));
}

/**
 * Resolve the client address. `xff` is every X-Forwarded-For header value (node joins
 * repeated headers with ", "). Throws a 400 VaultHttpError for Vault's rejections.
 */
export function resolveClientAddress(peerRaw: string | undefined, xff: string | undefined, config: XffConfig): string {
  const peer = peerAddress(peerRaw);
  if (config.trustedProxies.length === 0) return peer;
  const present = xff !== undefined && xff.trim() !== '';
  if (!isTrusted(peer, config)) {
    if (present && config.rejectNotAuthorized) {
      throw new VaultHttpError(400, ['client address not authorized for x-forwarded-for and configured to reject connection']);
    }
    return peer;
  }
  if (!present) {
    if (config.rejectNotPresent) {
      throw new VaultHttpError(400, ['missing x-forwarded-for header and configured to reject when not present']);
    }
    return peer;
  }
  const entries = (xff as string).split(',').map((e) => e.trim());
  const chosen = entryIp(entries[entries.length - 1]);
  if (chosen === null) {
    if (config.rejectNotPresent) {
      throw new VaultHttpError(400, ['missing x-forwarded-for header and configured to reject when not present']);
    }
    return peer;
  }
  return chosen;
}
