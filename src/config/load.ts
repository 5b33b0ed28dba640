/**
 * Reading the config: YAML → zod → relative file paths resolved against the config
 * file's folder → deep-frozen. Every YAML syntax error and every schema problem is
 * collected so `check-config` can show them all in one go.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './config-error';
import { crossCheck } from './cross-checks';
import { configSchema, type BrokerConfig, type ValueSource } from './schema';

/** Loads, validates and freezes a config file. Throws ConfigError listing every problem. */
export function loadConfig(path: string): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, [{ path: '(file)', message: `cannot read: ${(err as Error).message}` }]);
  }
  return parseConfig(text, { source: path, baseDir: dirname(resolve(path)) });
}

/**
 * Validates config text (YAML or JSON). Relative file paths in it are resolved against
 * `baseDir` (default: the current directory).
 */
export function parseConfig(text: string, options: { source?: string; baseDir?: string } = {}): BrokerConfig {
  const source = options.source ?? '(config)';
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => ({
        path: e.linePos ? `(yaml line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '(yaml)',
        message: (e.message.split('\n')[0] ?? e.message).replace(/:\s*$/, ''),
      })),
    );
  }
  return validateConfig(doc.toJS() ?? {}, { source, baseDir: options.baseDir });
}

/** Validates an already-parsed object (used by the dev sandbox, which builds its config in code). */
export function validateConfig(input: unknown, options: { source?: string; baseDir?: string } = {}): BrokerConfig {
  const source = options.source ?? '(config)';
  const result = configSchema.safeParse(input);
  const problems = [...(result.success ? [] : toProblems(result.error)), ...crossCheck(input)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  if (!result.success || problems.length > 0) throw new ConfigError(source, problems);
  const config = resolvePaths(result.data, options.baseDir ?? process.cwd());
  return deepFreeze(config);
}

function toProblems(error: z.ZodError): ConfigProblem[] {
  const problems = error.issues.flatMap((issue): ConfigProblem[] => {
    // A discriminated union that could not pick a branch says so on the union's path;
    // a plain union reports each branch: show the branch errors, they name the field.
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors) && issue.errors.length > 0) {
      const first = issue.errors[0] as z.core.$ZodIssue[];
      return first.map((sub) => ({ path: formatPath([...issue.path, ...sub.path]), message: sub.message }));
    }
    // A record key that fails its pattern: say why, on the key's path.
    if (issue.code === 'invalid_key' && Array.isArray(issue.issues) && issue.issues.length > 0) {
      return [{ path: formatPath(issue.path), message: `bad name: ${issue.issues[0]?.message}` }];
    }
    return [{ path: formatPath(issue.path), message: issue.message }];
  });
  return problems;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

function resolvePaths(config: BrokerConfig, baseDir: string): BrokerConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const absSource = (s: ValueSource): ValueSource => (s.kind === 'file' ? { kind: 'file', path: abs(s.path) } : s);
  const auth = config.vault.broker_auth;
  return {
    ...config,
    listen: {
      ...config.listen,
      tls: config.listen.tls && { cert_file: abs(config.listen.tls.cert_file), key_file: abs(config.listen.tls.key_file) },
    },
    vault: {
      ...config.vault,
      tls: config.vault.tls && { ca_file: config.vault.tls.ca_file && abs(config.vault.tls.ca_file) },
      broker_auth:
        auth.method === 'approle'
          ? { ...auth, role_id: absSource(auth.role_id), secret_id: absSource(auth.secret_id) }
          : { ...auth, token: absSource(auth.token) },
    },
    targets: Object.fromEntries(
      Object.entries(config.targets).map(([name, t]) => [
        name,
        { ...t, tls: t.tls && { ca_file: t.tls.ca_file && abs(t.tls.ca_file) } },
      ]),
    ),
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Checks what the schema cannot: that every file the config names is readable and every
 * environment variable it names is set (an empty value counts as unset). Returns the
 * problems; `serve` and `check-config` refuse to start on any.
 */
export function checkReferences(config: BrokerConfig, env: Readonly<Record<string, string | undefined>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const file = (path: string, where: string) => {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      problems.push({ path: where, message: `file ${path} is missing or not readable` });
    }
  };
  const source = (s: ValueSource, where: string) => {
    if (s.kind === 'file') file(s.path, where);
    else if (s.kind === 'env' && !env[s.name]) problems.push({ path: where, message: `environment variable ${s.name} is not set` });
  };
  if (config.listen.tls) {
    file(config.listen.tls.cert_file, 'listen.tls.cert_file');
    file(config.listen.tls.key_file, 'listen.tls.key_file');
  }
  if (config.vault.tls?.ca_file) file(config.vault.tls.ca_file, 'vault.tls.ca_file');
  const auth = config.vault.broker_auth;
  if (auth.method === 'approle') {
    source(auth.role_id, 'vault.broker_auth.role_id');
    source(auth.secret_id, 'vault.broker_auth.secret_id');
  } else {
    source(auth.token, 'vault.broker_auth.token');
  }
  for (const [name, t] of Object.entries(config.targets)) {
    if (t.tls?.ca_file) file(t.tls.ca_file, `targets.${name}.tls.ca_file`);
  }
  return problems;
}
