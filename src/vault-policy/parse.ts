/**
 * parsePolicy: Vault's ParseACLPolicy (vault/policy.go) in TypeScript.
 *
 * The text goes through js-hcl-parser first (hashicorp/hcl v1, the library Vault uses), which
 * decides syntax and gives Vault's syntax error texts. The accepted text is then read into a
 * positional AST (hcl-ast.ts) and decoded field by field the way Vault's PathRules struct is,
 * with Vault's validation order and error texts.
 */
import * as hcl from 'js-hcl-parser';
import { goNodeType, readDocument, type AstNode, type LiteralNode, type ObjectItem } from './hcl-ast';
import { parseDurationExact } from './duration';
import { PolicyParseError, DurationParseError } from './errors';
import type { Capability, ParameterConstraints, PathRule, Policy } from './types';

const TOP_LEVEL_KEYS = ['name', 'path'];

const PATH_KEYS = [
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
];

const GRANTING_CAPABILITIES: ReadonlySet<string> = new Set([
  'create',
  'read',
  'update',
  'delete',
  'list',
  'sudo',
  'patch',
  'subscribe',
  'recover',
]);

/** Legacy `policy = "…"` values (vault/policy.go OldReadPathPolicy etc.). */
const LEGACY_POLICIES: Record<string, Capability[]> = {
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

/** go-multierror's default format. */
function multierror(errors: string[]): string {
  if (errors.length === 1) return `1 error occurred:\n\t* ${errors[0]}\n\n`;
  return `${errors.length} errors occurred:\n\t${errors.map((e) => `* ${e}`).join('\n\t')}\n\n`;
}

/** An error raised while decoding; `text` is what Go's error would print. */
class DecodeFailure extends Error {}

function posError(node: { pos: { line: number; column: number } }, msg: string): DecodeFailure {
  return new DecodeFailure(`At ${node.pos.line}:${node.pos.column}: ${msg}`);
}

/** hclutil.CheckHCLKeys: every item's first key must be one of `valid`. */
function checkKeys(items: ObjectItem[], valid: string[]): string[] {
  const errors: string[] = [];
  for (const item of items) {
    const key = item.keys[0]?.value ?? '';
    if (!valid.includes(key)) errors.push(`invalid key ${JSON.stringify(key)} on line ${item.assignLine}`);
  }
  return errors;
}

/**
 * Vault accepts the policy text base64-encoded (handlePoliciesSet tries
 * base64.StdEncoding.DecodeString first). Go's decoder skips CR and LF and insists on
 * standard alphabet and padding; anything else is used as it is.
 */
export function decodeBase64Policy(text: string): string {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact === '') return text;
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return text;
  return Buffer.from(compact, 'base64').toString('utf8');
}

// ---- decoding, mirroring hashicorp/hcl decoder.go into vault's PathRules struct -----------------

/** Items with this key, as Go's ObjectList.Filter does it (case-insensitive). */
function matches(items: ObjectItem[], key: string): ObjectItem[] {
  return items.filter((i) => i.keys.length === 1 && i.keys[0].value.toLowerCase() === key.toLowerCase());
}

/** decodeStruct hands an object value over as its item list. */
type Decodable = AstNode | { type: 'items'; items: ObjectItem[]; pos: { line: number; column: number } } | ObjectItem;

function nodePos(n: Decodable): { line: number; column: number } {
  return 'keys' in n ? (n.keys[0]?.pos ?? { line: 0, column: 0 }) : n.pos;
}

function typeName(n: Decodable): string {
  if ('keys' in n) return '*ast.ObjectItem';
  if (n.type === 'items') return '*ast.ObjectList';
  return goNodeType(n);
}

function structValue(node: AstNode): Decodable {
  return node.type === 'object' ? { type: 'items', items: node.items, pos: node.pos } : node;
}

function decodeString(name: string, n: Decodable): string {
  if (!('keys' in n) && n.type === 'literal') {
    if (n.kind === 'STRING' || n.kind === 'HEREDOC') return n.value as string;
    if (n.kind === 'NUMBER' || n.kind === 'FLOAT' || n.kind === 'BOOL') return n.text;
  }
  throw posError({ pos: nodePos(n) }, `${name}: unknown type for string ${typeName(n)}`);
}

function sliceItems(n: Decodable): Decodable[] {
  if ('keys' in n) return [n];
  if (n.type === 'items') return n.items;
  if (n.type === 'object') return [n];
  if (n.type === 'list') return n.items;
  throw posError(n, `unknown slice type: ${goNodeType(n)}`);
}

function decodeStringSlice(name: string, n: Decodable, into: string[]): void {
  sliceItems(n).forEach((el, i) => into.push(decodeString(`${name}[${i}]`, el)));
}

/** decodeInterface: what an `interface{}` field (min_wrapping_ttl) ends up holding. */
function decodeInterface(name: string, n: Decodable): unknown {
  if ('keys' in n) return { [n.keys[0]?.value ?? '']: decodeInterface(name, structValue(n.val)) };
  if (n.type === 'items') return n.items.map((i) => ({ [i.keys[0]?.value ?? '']: decodeInterface(name, structValue(i.val)) }));
  if (n.type === 'list') return n.items.map((el, i) => decodeInterface(`${name}[${i}]`, el));
  if (n.type === 'object') return n.items.map((i) => ({ [i.keys[0]?.value ?? '']: decodeInterface(name, structValue(i.val)) }));
  return literalInterface(name, n);
}

function literalInterface(name: string, n: LiteralNode): unknown {
  switch (n.kind) {
    case 'STRING':
    case 'HEREDOC':
      return n.value;
    case 'NUMBER': {
      const v = Number(n.text);
      if (!Number.isFinite(v)) throw new DecodeFailure(`strconv.ParseInt: parsing ${JSON.stringify(n.text)}: invalid syntax`);
      return Math.trunc(v);
    }
    case 'FLOAT':
      return Number(n.text);
    case 'BOOL':
      return n.value;
    default:
      throw posError(n, `${name}: cannot decode into interface: *ast.LiteralType`);
  }
}

function decodeParameterMap(name: string, n: Decodable, into: ParameterConstraints): void {
  let items: ObjectItem[];
  if ('keys' in n) items = [n];
  else if (n.type === 'items' || n.type === 'object') items = n.items;
  else throw posError(n, `${name}: not an object type for map (${goNodeType(n)})`);
  for (const item of items) {
    const key = item.keys[0]?.value;
    if (key === undefined) throw posError({ pos: nodePos(n) }, `${name}: map must have string keys`);
    const values: unknown[] = into[key] ?? [];
    for (const [i, el] of sliceItems(item.val).entries()) {
      values.push(decodeInterface(`${name}.${key}[${i}]`, el));
    }
    into[key] = values;
  }
}

interface DecodedBlock {
  policy: string;
  capabilities: string[];
  minWrappingTtl: unknown;
  maxWrappingTtl: unknown;
  allowed?: ParameterConstraints;
  denied?: ParameterConstraints;
  required: string[];
}

/** hcl.DecodeObject(&pc, item.Val) for vault's PathRules, fields in struct order. */
function decodePathBlock(items: ObjectItem[]): DecodedBlock {
  const out: DecodedBlock = { policy: '', capabilities: [], minWrappingTtl: undefined, maxWrappingTtl: undefined, required: [] };
  for (const m of matches(items, 'policy')) out.policy = decodeString('root.Policy', structValue(m.val));
  for (const m of matches(items, 'capabilities')) decodeStringSlice('root.Capabilities', structValue(m.val), out.capabilities);
  for (const m of matches(items, 'min_wrapping_ttl')) out.minWrappingTtl = decodeInterface('root.min_wrapping_ttl', structValue(m.val));
  for (const m of matches(items, 'max_wrapping_ttl')) out.maxWrappingTtl = decodeInterface('root.max_wrapping_ttl', structValue(m.val));
  for (const m of matches(items, 'allowed_parameters')) {
    out.allowed ??= {};
    decodeParameterMap('root.allowed_parameters', structValue(m.val), out.allowed);
  }
  for (const m of matches(items, 'denied_parameters')) {
    out.denied ??= {};
    decodeParameterMap('root.denied_parameters', structValue(m.val), out.denied);
  }
  for (const m of matches(items, 'required_parameters')) {
    decodeStringSlice('root.required_parameters', structValue(m.val), out.required);
  }
  const mfa: string[] = [];
  for (const m of matches(items, 'mfa_methods')) decodeStringSlice('root.mfa_methods', structValue(m.val), mfa);
  const events: string[] = [];
  for (const m of matches(items, 'subscribe_event_types')) {
    decodeStringSlice('root.subscribe_event_types', structValue(m.val), events);
  }
  // control_group is an Enterprise feature: accepted (as Vault CE's parser does) and ignored.
  return out;
}

/** validateParameter (vault/policy.go): wildcard keys are "*" or "/json/pointer/*". */
function validateParameterKey(key: string): string | null {
  if (!key.includes('*')) return null;
  if (key === '*') return null;
  if (key.startsWith('/') && key.endsWith('/*') && !key.slice(0, -2).includes('*')) return null;
  return `parameter key ${JSON.stringify(key)} cannot contain non-tail wildcards`;
}

function lowerKeys(params: ParameterConstraints, pathForErrors: string, field: string): ParameterConstraints {
  const out: ParameterConstraints = {};
  for (const [k, v] of Object.entries(params)) {
    const problem = validateParameterKey(k);
    if (problem) throw new DecodeFailure(`path ${JSON.stringify(pathForErrors)}: ${field}: ${problem}`);
    out[k.toLowerCase()] = v;
  }
  return out;
}

function durationField(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDurationExact(value);
  } catch (err) {
    if (err instanceof DurationParseError) throw new DecodeFailure(`error parsing ${field}: ${err.message}`);
    throw err;
  }
}

/**
 * identitytpl.PopulateString with ValidityCheckOnly: is the path templated
 * (`identity/entity/id/{{identity.entity.id}}`), and are its braces balanced?
 */
function checkTemplating(path: string): boolean {
  if (!path.includes('{{')) return false;
  const pieces = path.split('{{');
  const unbalanced = new DecodeFailure('failed to validate policy templating: unbalanced templating characters');
  if (pieces[0].includes('}}')) throw unbalanced;
  for (const piece of pieces.slice(1)) {
    if (piece.split('}}').length !== 2) throw unbalanced;
  }
  return pieces.length > 1;
}

function parsePathItem(item: ObjectItem, policyName: string): PathRule {
  // Filter("path") strips the `path` key; what is left is the label, or "path" without one.
  const key = item.keys[1]?.value ?? 'path';
  const templated = checkTemplating(key);

  if (item.val.type !== 'object') {
    throw new DecodeFailure(`path ${JSON.stringify(key)}: cannot check HCL keys of type ${goNodeType(item.val)}`);
  }
  const keyErrors = checkKeys(item.val.items, PATH_KEYS);
  if (keyErrors.length > 0) {
    throw new DecodeFailure(multierror(keyErrors.map((e) => `path ${JSON.stringify(key)}: ${e}`)));
  }

  let decoded: DecodedBlock;
  try {
    decoded = decodePathBlock(item.val.items);
  } catch (err) {
    if (err instanceof DecodeFailure) throw new DecodeFailure(`path ${JSON.stringify(key)}: ${err.message}`);
    throw err;
  }

  // Paths in Vault start after the "/" of the API path.
  const pattern = key.startsWith('/') ? key.slice(1) : key;
  if (pattern.includes('+*')) {
    throw new DecodeFailure(`path ${JSON.stringify(pattern)}: invalid use of wildcards ('+*' is forbidden)`);
  }
  const hasSegmentWildcard = pattern === '+' || pattern.includes('/+') || pattern.startsWith('+/');
  let path = pattern;
  let isPrefix = false;
  if (pattern.endsWith('*') && !hasSegmentWildcard) {
    path = pattern.slice(0, -1);
    isPrefix = true;
  }

  let caps = [...decoded.capabilities];
  if (decoded.policy.length > 0) {
    if (decoded.policy === 'deny') caps = ['deny'];
    else if (LEGACY_POLICIES[decoded.policy]) caps.push(...LEGACY_POLICIES[decoded.policy]);
    else throw new DecodeFailure(`path ${JSON.stringify(key)}: invalid policy ${JSON.stringify(decoded.policy)}`);
  }

  const base = { pattern, path, isPrefix, hasSegmentWildcard, templated, policy: policyName };

  const granted: Capability[] = [];
  for (const cap of caps) {
    if (cap === 'deny') {
      // A block that denies holds only deny; Vault skips every other setting of the block.
      return { ...base, capabilities: ['deny'] };
    }
    if (!GRANTING_CAPABILITIES.has(cap)) {
      throw new DecodeFailure(`path ${JSON.stringify(key)}: invalid capability ${JSON.stringify(cap)}`);
    }
    if (!granted.includes(cap as Capability)) granted.push(cap as Capability);
  }

  const rule: PathRule = { ...base, capabilities: granted };
  if (decoded.allowed) rule.allowedParameters = lowerKeys(decoded.allowed, path, 'allowed_parameters');
  if (decoded.denied) rule.deniedParameters = lowerKeys(decoded.denied, path, 'denied_parameters');
  const min = durationField(decoded.minWrappingTtl, 'min_wrapping_ttl');
  const max = durationField(decoded.maxWrappingTtl, 'max_wrapping_ttl');
  if (min !== undefined && min !== 0) rule.minWrappingTtlSeconds = min;
  if (max !== undefined && max !== 0) rule.maxWrappingTtlSeconds = max;
  if (min && max && max < min) throw new DecodeFailure('max_wrapping_ttl cannot be less than min_wrapping_ttl');
  if (decoded.required.length > 0) rule.requiredParameters = decoded.required;
  return rule;
}

function runHclParser(text: string): void {
  let out: unknown;
  try {
    out = hcl.parse(text);
  } catch (err) {
    // gopherjs surfaces Go panics as JS exceptions; report them as a parse failure.
    throw new PolicyParseError(`failed to parse policy: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof out !== 'string') throw new PolicyParseError('failed to parse policy: unexpected parser output');
  // js-hcl-parser returns errors as text instead of throwing.
  const m = /^unable to (?:parse|print) JSON: ([\s\S]*)$/.exec(out);
  if (m) throw new PolicyParseError(`failed to parse policy: ${m[1]}`);
}

/**
 * Parse an ACL policy the way Vault does when it is written to sys/policies/acl/:name.
 * `text` is HCL or JSON, optionally base64-encoded. Throws PolicyParseError carrying Vault's
 * message. The name is normalised as Vault's policy store does (trimmed, lower-cased).
 */
export function parsePolicy(name: string, text: string): Policy {
  const policyName = name.trim().toLowerCase();
  const raw = decodeBase64Policy(text);
  runHclParser(raw);
  const items = readDocument(raw);

  const topErrors = checkKeys(items, TOP_LEVEL_KEYS);
  if (topErrors.length > 0) throw new PolicyParseError(`failed to parse policy: ${multierror(topErrors)}`);

  const rules: PathRule[] = [];
  try {
    for (const item of matches(items, 'name')) decodeString('root.name', structValue(item.val));
    for (const item of items) {
      if (item.keys[0]?.value.toLowerCase() !== 'path') continue;
      rules.push(parsePathItem(item, policyName));
    }
  } catch (err) {
    if (err instanceof DecodeFailure) throw new PolicyParseError(`failed to parse policy: ${err.message}`, { cause: err });
    throw err;
  }
  return { name: policyName, rules, raw };
}
