/** Option parsers shared by the command modules. */

/** For a repeatable flag (`--x a --x b`): collects every value, in order. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
