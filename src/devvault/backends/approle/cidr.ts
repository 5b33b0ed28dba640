/**
 * IP and CIDR handling with the semantics of Go's net package and Vault's
 * sdk/helper/cidrutil, which AppRole uses for secret_id_bound_cidrs, cidr_list and
 * token_bound_cidrs: strict parsing (a bare IP is not a CIDR), containment, and the
 * "every secret-ID block lies inside some role block" subset rule.
 */

export interface IpAddr {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  /** The address as written, host bits included. */
  ip: bigint;
  prefix: number;
  network: bigint;
}

/** A CIDR or IP that does not parse; `message` is Go's text. */
export class CidrParseError extends Error {
  override readonly name = 'CidrParseError';
}

function bitsOf(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    // Go (>= 1.17) rejects leading zeros, which older parsers read as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseIpv6(s: string): bigint | null {
  if (s.includes('%')) return null; // Go's ParseIP does not take zones
  let head = s;
  let tailV4: bigint | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    const out: number[] = [];
    for (const g of groups) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = parseGroups(halves[0]);
  const right = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!left || !right) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - left.length - right.length;
    if (missing < 1) return null;
    groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  } else {
    groups = left;
  }
  if (groups.length !== 8) return null;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** net.ParseIP; an IPv4-mapped IPv6 address counts as IPv4, as Go's To4() does. */
export function parseIp(s: string): IpAddr | null {
  const v4 = parseIpv4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  if (!s.includes(':')) return null;
  const v6 = parseIpv6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

function maskOf(family: 4 | 6, prefix: number): bigint {
  const bits = bitsOf(family);
  return ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/** net.ParseCIDR; error text "invalid CIDR address: <s>". */
export function parseCidr(s: string): Cidr {
  const slash = s.indexOf('/');
  const fail = (): never => {
    throw new CidrParseError(`invalid CIDR address: ${s}`);
  };
  if (slash === -1) return fail();
  const ipText = s.slice(0, slash);
  const prefixText = s.slice(slash + 1);
  const v4 = parseIpv4(ipText);
  let family: 4 | 6;
  let ip: bigint;
  if (v4 !== null) {
    family = 4;
    ip = v4;
  } else {
    const v6 = ipText.includes(':') ? parseIpv6(ipText) : null;
    if (v6 === null) return fail();
    family = 6;
    ip = v6;
  }
  if (!/^[0-9]{1,3}$/.test(prefixText)) return fail();
  const prefix = Number(prefixText);
  if (prefix > bitsOf(family)) return fail();
  return { family, ip, prefix, network: ip & maskOf(family, prefix) };
}

/** IPNet.Contains, including an IPv4 address against a v4-mapped IPv6 block. */
export function cidrContains(cidr: Cidr, ip: IpAddr): boolean {
  if (cidr.family === ip.family) return (ip.value & maskOf(cidr.family, cidr.prefix)) === cidr.network;
  if (cidr.family === 6 && ip.family === 4 && cidr.network >> 32n === 0xffffn) {
    return ((V4_MAPPED_PREFIX | ip.value) & maskOf(6, cidr.prefix)) === cidr.network;
  }
  return false;
}

/** cidrutil.IPBelongsToCIDRBlocksSlice: throws on a bad address or block. */
export function ipBelongsToCidrBlocks(ipText: string, blocks: string[]): boolean {
  if (ipText === '') throw new CidrParseError('missing IP address');
  if (blocks.length === 0) throw new CidrParseError('missing CIDR blocks to be checked against');
  const ip = parseIp(ipText);
  if (!ip) throw new CidrParseError('invalid IP address');
  for (const block of blocks) {
    if (cidrContains(parseCidr(block), ip)) return true;
  }
  return false;
}

/** cidrutil.ValidateCIDRListSlice: every entry (trimmed) must be a CIDR. */
export function validateCidrList(blocks: string[]): void {
  if (blocks.length === 0) throw new CidrParseError('missing CIDR blocks that needs validation');
  for (const block of blocks) parseCidr(block.trim());
}

/** cidrutil.Subset: is `inner` entirely inside `outer`? */
function subset(outerText: string, innerText: string): boolean {
  let outer: Cidr;
  let inner: Cidr;
  try {
    outer = parseCidr(outerText);
  } catch (err) {
    throw new CidrParseError(`failed to parse the CIDR to be checked against: ${(err as Error).message}`);
  }
  try {
    inner = parseCidr(innerText);
  } catch (err) {
    throw new CidrParseError(`failed to parse the CIDR that needs to be checked: ${(err as Error).message}`);
  }
  if (outer.prefix === 0 && outer.ip !== 0n) throw new CidrParseError('CIDR to be checked against is not in its canonical form');
  if (inner.prefix === 0 && inner.ip !== 0n) throw new CidrParseError('CIDR that needs to be checked is not in its canonical form');
  if (inner.prefix < outer.prefix) return false;
  return cidrContains(outer, { family: inner.family, value: inner.network });
}

/** cidrutil.SubsetBlocks: each block of `inner` lies inside at least one block of `outer`. */
export function subsetBlocks(outer: string[], inner: string[]): boolean {
  if (outer.length === 0) throw new CidrParseError('missing CIDR blocks to be checked against');
  if (inner.length === 0) throw new CidrParseError('missing CIDR blocks that needs to be checked');
  return inner.every((i) => outer.some((o) => subset(o, i)));
}

function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * sockaddr.NewSockAddr + String() as used for token_bound_cidrs: a bare IP or a CIDR,
 * printed without the mask when it covers a single address.
 */
export function normalizeSockAddr(s: string): string {
  const fail = (): never => {
    throw new CidrParseError(`Unable to convert ${JSON.stringify(s)} to an IPv4 or IPv6 address, or a UNIX Socket`);
  };
  if (s.includes('/')) {
    let c: Cidr;
    try {
      c = parseCidr(s);
    } catch {
      return fail();
    }
    if (c.prefix === bitsOf(c.family)) return formatIp(c.family, c.ip);
    return `${formatIp(c.family, c.ip)}/${c.prefix}`;
  }
  const ip = parseIp(s);
  if (!ip) return fail();
  return formatIp(ip.family, ip.value);
}
