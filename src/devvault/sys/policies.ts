/**
 * sys/policies/acl and the legacy sys/policy (vault/logical_system.go
 * handlePoliciesList/Read/Set/Delete), reference §6.1. Writes are `create` or `update`
 * depending on whether the policy exists; names are lower-cased.
 */
import { parseFields } from '../backends/fields';
import { invalidRequest } from '../http/errors';
import type { CoreContext, CoreResponse, CoreServices } from '../internal-backend';
import { PolicyStore } from '../policies/policy-store';
import type { SysRoute } from './route';

function listResponse(core: CoreServices, legacy: boolean): CoreResponse {
  const keys = [...core.policies.list(), 'root'];
  return { data: legacy ? { keys, policies: keys } : { keys } };
}

function read(core: CoreServices, name: string, legacy: boolean): CoreResponse | null {
  const policy = core.policies.get(name);
  if (!policy) return null;
  return { data: legacy ? { name: policy.name, rules: policy.raw } : { name: policy.name, policy: policy.raw } };
}

function write(core: CoreServices, ctx: CoreContext, rawName: string, legacy: boolean): CoreResponse | null {
  const name = PolicyStore.sanitizeName(rawName);
  if (name === '') throw invalidRequest('policy name must be provided in the URL');
  const f = parseFields(ctx.body, { policy: 'string', rules: 'string' });
  let text = (f.policy as string | undefined) ?? '';
  const warnings: string[] = [];
  if (text === '' && legacy) {
    text = (f.rules as string | undefined) ?? '';
    warnings.push("'rules' is deprecated, please use 'policy' instead");
  }
  if (text === '') throw invalidRequest("'policy' parameter not supplied or empty");
  core.policies.set(name, text);
  return warnings.length > 0 ? { warnings } : null;
}

function remove(core: CoreServices, name: string): null {
  core.policies.delete(name);
  return null;
}

export function policyRoutes(core: CoreServices): SysRoute[] {
  const exists = (_ctx: CoreContext, m: RegExpExecArray): boolean => core.policies.has(m[1]);
  return [
    {
      pattern: /^policies\/acl\/?$/,
      ops: { list: () => listResponse(core, false) },
    },
    {
      pattern: /^policies\/acl\/(.+)$/,
      exists,
      ops: {
        read: (_ctx, m) => read(core, m[1], false),
        update: (ctx, m) => write(core, ctx, m[1], false),
        delete: (_ctx, m) => remove(core, m[1]),
      },
    },
    {
      pattern: /^policy\/?$/,
      ops: { read: () => listResponse(core, true), list: () => listResponse(core, true) },
    },
    {
      pattern: /^policy\/(.+)$/,
      exists,
      ops: {
        read: (_ctx, m) => read(core, m[1], true),
        update: (ctx, m) => write(core, ctx, m[1], true),
        delete: (_ctx, m) => remove(core, m[1]),
      },
    },
  ];
}
