/**
 * Returns only the response fields an action declares (`result:`), so a target's answer
 * never passes through whole. A declared field the target did not send is null.
 */
import { TargetFailedError } from '../errors';
import type { TargetResponse } from '../targets';

export function pickResult(target: string, fields: Readonly<Record<string, string>>, response: TargetResponse): Record<string, unknown> {
  const wanted = Object.entries(fields);
  if (wanted.length === 0) return {};
  if (!response.isJson || response.data === null || typeof response.data !== 'object') {
    throw new TargetFailedError(`target "${target}" answered with a body that is not a JSON object`, {
      target,
      targetCalled: true,
      targetStatus: response.status,
    });
  }
  const result: Record<string, unknown> = {};
  for (const [alias, path] of wanted) result[alias] = lookup(response.data, path.split('.'));
  return result;
}

function lookup(data: unknown, segments: string[]): unknown {
  let cur: unknown = data;
  for (const seg of segments) {
    if (cur === null || typeof cur !== 'object') return null;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return null;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur === undefined ? null : cur;
}
