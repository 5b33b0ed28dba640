/**
 * Small helpers that make our JSON look like Go's encoding/json output, which is what
 * Vault clients see: map keys are emitted in sorted order at every level.
 */

/** A deep copy of `value` with every object's keys in sorted (byte) order. */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => sortKeysDeep(v)) as T;
  if (value !== null && typeof value === 'object') {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src).sort()) out[key] = sortKeysDeep(src[key]);
    return out as T;
  }
  return value;
}

/** Go's multierror text, as Vault prints a list of errors inside one message. */
export function multierrorText(messages: string[]): string {
  const head = messages.length === 1 ? '1 error occurred:' : `${messages.length} errors occurred:`;
  return `${head}\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

/** Go's %q for a []string: ["a" "b"]. */
export function goQuoteList(items: string[]): string {
  return `[${items.map((s) => JSON.stringify(s)).join(' ')}]`;
}
