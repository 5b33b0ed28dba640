/**
 * Builds the target request from an action's templates and the validated parameters.
 * Parameters only ever land in three kinds of slot:
 *  - a path segment, percent-encoded with encodeURIComponent ("/" cannot split a
 *    segment, and a segment that would be "." or ".." is refused);
 *  - a query value (encoded by the connector);
 *  - a JSON body value (a string that is exactly "{p}" gets the typed value; text with
 *    "{p}" inside gets it as text).
 * Never into the scheme, host, port, header names or values, or the raw path. Values are
 * inserted once and never re-read as templates.
 */
import type { ActionConfig } from '../config';
import { PLACEHOLDER } from '../config';
import { InvalidParametersError } from '../errors';
import type { TargetRequest } from '../targets';
import type { ParameterValues } from './parameter-schema';

const WHOLE_PLACEHOLDER = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

function names(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

function interpolate(template: string, values: ParameterValues, encode: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_m, name: string) => encode(String(values[name])));
}

export function renderPath(template: string, values: ParameterValues): string {
  const path = interpolate(template, values, encodeURIComponent);
  // encodeURIComponent leaves "." alone: a segment of "." or ".." would climb out of
  // the base URL once normalized. The config guarantees path parameters are required.
  const bad = names(template).find((n) => {
    const v = String(values[n]);
    return v === '' || v === '.' || v === '..';
  });
  if (bad !== undefined) {
    throw new InvalidParametersError([{ field: bad, message: 'must not be empty, "." or ".." (it is used in the URL path)' }]);
  }
  return path;
}

export function renderQuery(templates: Readonly<Record<string, string>>, values: ParameterValues): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, template] of Object.entries(templates)) {
    // An optional parameter that was not given leaves its query parameter out.
    if (names(template).some((n) => values[n] === undefined)) continue;
    out.push([key, interpolate(template, values, (v) => v)]);
  }
  return out;
}

const OMIT = Symbol('omit');

function renderValue(template: unknown, values: ParameterValues): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(template);
    if (whole) {
      const v = values[whole[1] as string];
      return v === undefined ? OMIT : v;
    }
    if (names(template).some((n) => values[n] === undefined)) return OMIT;
    return interpolate(template, values, (v) => v);
  }
  if (Array.isArray(template)) {
    return template.map((t) => renderValue(t, values)).filter((v) => v !== OMIT);
  }
  if (template && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(template)) {
      const v = renderValue(t, values);
      if (v !== OMIT) out[k] = v;
    }
    return out;
  }
  return template;
}

export function renderBody(template: unknown, values: ParameterValues): unknown {
  if (template === undefined) return undefined;
  const body = renderValue(template, values);
  return body === OMIT ? undefined : body;
}

export function renderRequest(action: ActionConfig, values: ParameterValues): TargetRequest {
  return {
    method: action.method,
    path: renderPath(action.path, values),
    query: renderQuery(action.query, values),
    body: renderBody(action.body, values),
  };
}
