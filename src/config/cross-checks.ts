/**
 * Rules that relate one part of the config to another: an action's target exists, its
 * templates only use declared parameters, TLS is required off loopback, and so on.
 *
 * They read the raw (pre-zod) input defensively, so they run even when the shape has
 * problems elsewhere and `check-config` can report everything at once. A value of the
 * wrong type is skipped here: the schema already reports it.
 */
import type { ConfigProblem } from './config-error';
import { crossCheckIdentity } from './identity-cross-checks';
import { ACTION_NAME, isLoopbackHost, PLACEHOLDER, TARGET_NAME } from './schema';

type Raw = Record<string, unknown>;

const obj = (v: unknown): Raw | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

function deepPlaceholders(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string') found.push(...placeholders(value));
  else if (Array.isArray(value)) value.forEach((v) => deepPlaceholders(v, found));
  else if (obj(value)) Object.values(value as Raw).forEach((v) => deepPlaceholders(v, found));
  return found;
}

export function crossCheck(input: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const root = obj(input);
  if (!root) return problems;

  const listen = obj(root.listen) ?? {};
  const host = str(listen.host) ?? '127.0.0.1';
  if (listen.tls === undefined && listen.allow_insecure_http !== true && !isLoopbackHost(host)) {
    add('listen.tls', `is required when listen.host (${host}) is not a loopback address; or set listen.allow_insecure_http: true`);
  }

  const targets = obj(root.targets) ?? {};
  for (const [name, rawTarget] of Object.entries(targets)) {
    if (!TARGET_NAME.test(name)) add(`targets.${name}`, 'bad name: target names are 1-64 lower-case letters, digits, "_" and "-"');
    const target = obj(rawTarget);
    const base = str(target?.base_url);
    if (!target || !base) continue;
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      continue;
    }
    const where = `targets.${name}.base_url`;
    if (url.username || url.password) add(where, 'must not contain a user name or password (use credential)');
    if (url.search || url.hash) add(where, 'must not contain a query or fragment');
    if (url.protocol === 'http:' && target.allow_insecure_http !== true && !isLoopbackHost(url.hostname)) {
      add(where, 'uses plain http to a host that is not loopback; use https, or set allow_insecure_http: true on the target');
    }
  }

  const actions = obj(root.actions) ?? {};
  for (const [name, rawAction] of Object.entries(actions)) {
    if (!ACTION_NAME.test(name)) add(`actions.${name}`, 'bad name: action names are 1-64 lower-case letters, digits, "_" and "-"');
    const action = obj(rawAction);
    if (!action) continue;
    const at = (rest: string) => `actions.${name}.${rest}`;
    const targetName = str(action.target);
    if (targetName !== undefined && !(targetName in targets)) {
      add(at('target'), `names no target in "targets" (have: ${Object.keys(targets).join(', ') || 'none'})`);
    }
    const declared = obj(action.parameters) ?? {};
    const undeclared = (where: string, names: string[]) => {
      for (const p of new Set(names)) {
        if (!(p in declared)) add(where, `uses {${p}}, which is not a declared parameter`);
      }
    };
    const path = str(action.path);
    if (path !== undefined) {
      const pathParams = placeholders(path);
      undeclared(at('path'), pathParams);
      for (const p of new Set(pathParams)) {
        if (obj(declared[p])?.required === false) add(at(`parameters.${p}.required`), 'must be true: the parameter is used in the path');
      }
    }
    for (const [key, template] of Object.entries(obj(action.query) ?? {})) {
      if (typeof template === 'string') undeclared(at(`query.${key}`), placeholders(template));
    }
    if (action.body !== undefined) {
      const method = str(action.method)?.toUpperCase();
      if (method === 'GET' || method === 'DELETE') add(at('body'), `is not allowed with method ${method}`);
      undeclared(at('body'), deepPlaceholders(action.body));
    }
    for (const [pname, rawParam] of Object.entries(declared)) {
      const p = obj(rawParam);
      if (!p) continue;
      const minLen = num(p.min_length);
      const maxLen = num(p.max_length) ?? 1024;
      if (p.type === 'string' && minLen !== undefined && minLen > maxLen) {
        add(at(`parameters.${pname}.min_length`), `must not be larger than max_length (${maxLen})`);
      }
      const min = num(p.minimum);
      const max = num(p.maximum);
      if (min !== undefined && max !== undefined && min > max) add(at(`parameters.${pname}.minimum`), 'must not be larger than maximum');
    }
  }
  problems.push(...crossCheckIdentity(root));
  return problems;
}
