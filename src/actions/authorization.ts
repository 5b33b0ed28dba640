/**
 * Authorization lives in Vault policy. An endpoint may run action A when its token has
 * `update` on the marker path `<action_marker_prefix>A` (default `broker/actions/A`).
 * Nothing is stored there; the path exists only to be named in policies.
 */
export function markerPath(prefix: string, action: string): string {
  return `${prefix}${action}`;
}

/** `root` covers everything; `deny` (or nothing) allows nothing. */
export function allowsInvoke(capabilities: readonly string[] | undefined): boolean {
  if (!capabilities || capabilities.includes('deny')) return false;
  return capabilities.includes('update') || capabilities.includes('root');
}
