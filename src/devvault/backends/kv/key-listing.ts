/**
 * One level of a key hierarchy, the way Vault's storage List works: the direct
 * children of `prefix`, with sub-folders shown once and ending in "/", sorted.
 */
export function listChildren(keys: Iterable<string>, prefix: string): string[] {
  const out = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix) || key === prefix) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    out.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return [...out].sort();
}

/** Vault's HTTP layer adds a trailing "/" to every LIST path (except the mount root). */
export function listPrefix(path: string): string {
  return path === '' || path.endsWith('/') ? path : `${path}/`;
}
