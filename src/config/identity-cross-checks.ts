/**
 * Cross-field rules of the identity-lifecycle config (identity-schema.ts): group names
 * are valid Vault role names, every action a group lists exists, and no group is named
 * like the broker's own role (a secret ID for that role would be the broker's identity).
 * Reads the raw input defensively, like cross-checks.ts.
 */
import type { ConfigProblem } from './config-error';
import { ROLE_NAME } from './identity-schema';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined);

export function crossCheckIdentity(root: Raw): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const actions = obj(root.actions) ?? {};
  const groups = obj(root.endpoint_groups) ?? {};
  const brokerRole = obj(obj(root.bootstrap)?.broker_role)?.name;
  const brokerRoleName = typeof brokerRole === 'string' ? brokerRole : 'credential-broker';
  for (const [name, rawGroup] of Object.entries(groups)) {
    if (!ROLE_NAME.test(name)) {
      problems.push({ path: `endpoint_groups.${name}`, message: 'bad name: group names are 1-64 lower-case letters, digits, "_" and "-" (they become Vault role names)' });
    }
    if (name === brokerRoleName) {
      problems.push({ path: `endpoint_groups.${name}`, message: `must not have the name of the broker's own role (bootstrap.broker_role.name)` });
    }
    const list = obj(rawGroup)?.actions;
    if (!Array.isArray(list)) continue;
    list.forEach((a, i) => {
      if (typeof a === 'string' && !(a in actions)) {
        problems.push({
          path: `endpoint_groups.${name}.actions[${i}]`,
          message: `names no action in "actions" (have: ${Object.keys(actions).join(', ') || 'none'})`,
        });
      }
    });
  }
  return problems;
}
