/**
 * Pieces of BigFix ActionScript (../shared/reference/bigfix.md §2). The rules that decide
 * whether generated content works at all live here:
 *
 * - `{relevance}` is substituted almost everywhere, including inside `createfile until`,
 *   so every literal `{` in an embedded script is written `{{`. A lone `}` outside a
 *   substitution needs no escape; inside a substitution a literal `}` is written `}}`.
 * - `createfile until DELIM` ends at the first line that is exactly DELIM.
 * - A non-zero exit code from `wait`/`waithidden` does not fail an action by itself:
 *   `continue if {exit code of action = 0}` does.
 */

/** A literal text for use outside a substitution: every `{` doubled. */
export function escapeBraces(text: string): string {
  return text.replace(/\{/g, '{{');
}

/** `{relevance}`: a substitution whose relevance may itself hold `}` (written `}}`). */
export function substitution(relevance: string): string {
  if (relevance.trim() === '') throw new Error('empty relevance');
  if (/[\r\n]/.test(relevance)) throw new Error('relevance must be on one line');
  return `{${relevance.replace(/\}/g, '}}')}}`;
}

/**
 * `createfile until DELIM` … `DELIM` writing `lines` (already escaped, so they may hold
 * substitutions) to `__createfile`, then moving it to `target` (deleted first: `move`
 * does not overwrite). `target` is written as given: quote it if it may hold spaces.
 */
export function createFile(delimiter: string, lines: string[], target: string): string[] {
  if (!/^[A-Za-z0-9_]+$/.test(delimiter)) throw new Error(`bad createfile delimiter ${delimiter}`);
  if (lines.some((l) => l.trim() === delimiter)) throw new Error(`the content holds a line equal to its delimiter ${delimiter}`);
  return ['delete __createfile', `createfile until ${delimiter}`, ...lines, delimiter, `delete ${target}`, `move __createfile ${target}`];
}

/** An embedded script file: every `{` doubled, so BigFix writes the file byte for byte. */
export function createScriptFile(delimiter: string, script: string, target: string): string[] {
  const text = script.replace(/\r\n/g, '\n').replace(/\n$/, '');
  return createFile(delimiter, escapeBraces(text).split('\n'), target);
}

/** A value for the `with description "…"` of `action parameter query` (no quotes, one line). */
export function queryText(text: string): string {
  return text.replace(/"/g, "'").replace(/[\r\n\t]+/g, ' ').trim();
}
