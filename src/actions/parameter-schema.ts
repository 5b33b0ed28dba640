/**
 * An action's declared parameters → a zod schema, and validation that names every bad
 * field. Unknown fields are rejected (a typo should not silently drop a value).
 *
 * Numbers and booleans are also accepted as strings ("5", "true"): endpoint scripts
 * built from BigFix relevance substitution produce text, and POSIX sh has no JSON types.
 */
import { z } from 'zod';
import type { ActionConfig, ParameterConfig } from '../config';
import { InvalidParametersError, type FieldProblem } from '../errors';

export type ParameterValues = Readonly<Record<string, string | number | boolean>>;

const numeric = (v: unknown) => (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v.trim()) ? Number(v) : v);
const booleanish = (v: unknown) => (v === 'true' ? true : v === 'false' ? false : v);

function fieldSchema(p: ParameterConfig): z.ZodType {
  switch (p.type) {
    case 'string': {
      let s = z.string({ error: 'must be a string' }).max(p.max_length, `must be at most ${p.max_length} characters`);
      if (p.min_length !== undefined) s = s.min(p.min_length, `must be at least ${p.min_length} characters`);
      if (p.pattern !== undefined) s = s.regex(new RegExp(p.pattern, 'u'), `must match ${p.pattern}`);
      if (p.enum) {
        const allowed = p.enum;
        return s.refine((v) => allowed.includes(v), `must be one of ${allowed.join(', ')}`);
      }
      return s;
    }
    case 'integer':
    case 'number': {
      let n = z.number({ error: `must be ${p.type === 'integer' ? 'an integer' : 'a number'}` });
      if (p.type === 'integer') n = n.int('must be an integer');
      if (p.minimum !== undefined) n = n.min(p.minimum, `must be at least ${p.minimum}`);
      if (p.maximum !== undefined) n = n.max(p.maximum, `must be at most ${p.maximum}`);
      const allowed = p.type === 'integer' ? p.enum : undefined;
      const checked = allowed ? n.refine((v) => allowed.includes(v), `must be one of ${allowed.join(', ')}`) : n;
      return z.preprocess(numeric, checked);
    }
    case 'boolean':
      return z.preprocess(booleanish, z.boolean({ error: 'must be true or false' }));
  }
}

export interface ParameterValidator {
  (body: unknown): ParameterValues;
}

export function buildParameterValidator(parameters: ActionConfig['parameters']): ParameterValidator {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, p] of Object.entries(parameters)) {
    const field = fieldSchema(p);
    shape[name] = p.required ? field : field.optional();
  }
  const schema = z.strictObject(shape);
  return (body: unknown): ParameterValues => {
    const input = body === undefined || body === null ? {} : body;
    if (typeof input !== 'object' || Array.isArray(input)) {
      throw new InvalidParametersError([{ field: 'body', message: 'must be a JSON object of parameters' }]);
    }
    const result = schema.safeParse(input);
    if (result.success) {
      // Drop undefined optionals so templates see "absent", not "undefined".
      return Object.freeze(Object.fromEntries(Object.entries(result.data).filter(([, v]) => v !== undefined))) as ParameterValues;
    }
    throw new InvalidParametersError(toFieldProblems(result.error, parameters));
  };
}

function toFieldProblems(error: z.ZodError, parameters: ActionConfig['parameters']): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: key, message: 'is not a parameter of this action' });
      continue;
    }
    const field = issue.path.length ? String(issue.path[0]) : 'body';
    // zod reports a missing required field as "expected X, received undefined".
    const missing = issue.code === 'invalid_type' && issue.input === undefined && field in parameters;
    problems.push({ field, message: missing ? 'is required' : issue.message });
  }
  return problems;
}
