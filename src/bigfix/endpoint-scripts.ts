/**
 * The endpoint scripts (src/bigfix/scripts/) as text, for embedding in generated Tasks.
 * They are not TypeScript, so `tsc` does not copy them to dist/; the package ships src/
 * (no "files" filter in package.json), and this module finds them from either place:
 * next to itself when run from src/ (tests), or in ../../src/bigfix/scripts from
 * dist/bigfix/ (the built CLI).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ENDPOINT_SCRIPTS = ['broker-invoke.sh', 'broker-enroll.sh', 'broker-invoke.ps1', 'broker-enroll.ps1'] as const;
export type EndpointScript = (typeof ENDPOINT_SCRIPTS)[number];

/** The folder holding the endpoint scripts; throws naming every place it looked. */
export function endpointScriptsDir(): string {
  const candidates = [join(__dirname, 'scripts'), resolve(__dirname, '..', '..', 'src', 'bigfix', 'scripts')];
  const found = candidates.find((d) => ENDPOINT_SCRIPTS.every((s) => existsSync(join(d, s))));
  if (!found) throw new Error(`endpoint scripts not found in ${candidates.join(' or ')}`);
  return found;
}

export function readEndpointScript(name: EndpointScript): string {
  return readFileSync(join(endpointScriptsDir(), name), 'utf8');
}
