/**
 * The security team's Vault calls: what `vault bootstrap`, `secret-id` and `explain` read
 * and write. Only this folder talks to Vault; the planning lives in src/lifecycle.
 */
import type { BootstrapStep, ObservedState, RoleSpec } from '../lifecycle/bootstrap-plan';
import type { SecretIdRequestBody } from '../lifecycle/secret-id-request';
import { dataOf, VaultHttp, type VaultHttpOptions } from './vault-http';

export interface WrappedSecretId {
  token: string;
  accessor: string;
  ttl: number;
  creationTime: string;
  creationPath: string;
}

export interface RawSecretId {
  secretId: string;
  accessor: string;
  ttl: number;
  numUses: number;
}

export interface SecretIdInfo {
  accessor: string;
  metadata: Record<string, string>;
  creationTime: string;
  expirationTime: string | null;
  remainingUses: number;
  cidrList: string[];
}

export class VaultAdmin {
  private readonly http: VaultHttp;

  constructor(
    options: VaultHttpOptions,
    private readonly token: string,
    private readonly approleMount = 'approle',
  ) {
    this.http = new VaultHttp(options);
  }

  get address(): string {
    return this.http.address;
  }

  private role(name: string, rest = ''): string {
    return `auth/${this.approleMount}/role/${name}${rest}`;
  }

  async lookupSelf(): Promise<Record<string, unknown>> {
    return dataOf(await this.http.ok({ method: 'GET', path: 'auth/token/lookup-self', token: this.token }));
  }

  // ---- bootstrap -----------------------------------------------------------------------

  async observe(policyNames: readonly string[], roleNames: readonly string[], approleMount: string): Promise<ObservedState> {
    const auth = dataOf(await this.http.ok({ method: 'GET', path: 'sys/auth', token: this.token }));
    const mounts = dataOf(await this.http.ok({ method: 'GET', path: 'sys/mounts', token: this.token }));
    const authMounts: ObservedState['authMounts'] = {};
    for (const [k, v] of Object.entries(auth)) authMounts[k] = { type: String((v as { type?: unknown }).type ?? '') };
    const secretMounts: ObservedState['secretMounts'] = {};
    for (const [k, v] of Object.entries(mounts)) {
      const m = v as { type?: unknown; options?: { version?: unknown } | null };
      secretMounts[k] = { type: String(m.type ?? ''), version: m.options?.version === undefined ? undefined : String(m.options.version) };
    }
    const policies: ObservedState['policies'] = {};
    for (const name of policyNames) policies[name] = await this.readPolicy(name);
    const roles: ObservedState['roles'] = {};
    const approleEnabled = authMounts[`${approleMount}/`]?.type === 'approle';
    for (const name of roleNames) roles[name] = approleEnabled ? await this.readRole(name) : null;
    return { authMounts, secretMounts, policies, roles };
  }

  async apply(step: BootstrapStep): Promise<void> {
    switch (step.kind) {
      case 'enable-auth':
        await this.http.ok({ method: 'POST', path: `sys/auth/${step.path}`, token: this.token, body: { type: step.type } });
        return;
      case 'enable-kv':
        await this.http.ok({ method: 'POST', path: `sys/mounts/${step.path}`, token: this.token, body: { type: 'kv', options: { version: '2' } } });
        return;
      case 'write-policy':
        await this.writePolicy(step.name, step.text);
        return;
      case 'write-role':
        await this.writeRole(step.name, step.spec);
        return;
    }
  }

  async readPolicy(name: string): Promise<string | null> {
    const body = await this.http.ok({ method: 'GET', path: `sys/policies/acl/${name}`, token: this.token }, true);
    if (body === null) return null;
    const text = dataOf(body).policy;
    return typeof text === 'string' ? text : null;
  }

  async writePolicy(name: string, text: string): Promise<void> {
    await this.http.ok({ method: 'PUT', path: `sys/policies/acl/${name}`, token: this.token, body: { policy: text } });
  }

  async readRole(name: string): Promise<Record<string, unknown> | null> {
    const body = await this.http.ok({ method: 'GET', path: this.role(name), token: this.token }, true);
    return body === null ? null : dataOf(body);
  }

  async writeRole(name: string, spec: RoleSpec): Promise<void> {
    await this.http.ok({ method: 'POST', path: this.role(name), token: this.token, body: { ...spec } });
  }

  async readRoleId(name: string): Promise<string | null> {
    const body = await this.http.ok({ method: 'GET', path: this.role(name, '/role-id'), token: this.token }, true);
    const id = dataOf(body).role_id;
    return typeof id === 'string' ? id : null;
  }

  // ---- secret IDs ------------------------------------------------------------------------

  async issueWrappedSecretId(role: string, body: SecretIdRequestBody, wrapTtl: number): Promise<WrappedSecretId> {
    const res = await this.http.ok({ method: 'POST', path: this.role(role, '/secret-id'), token: this.token, body, wrapTtl });
    const w = (res?.wrap_info ?? null) as Record<string, unknown> | null;
    if (!w || typeof w.token !== 'string') throw new Error('Vault did not wrap the secret ID (is a proxy stripping X-Vault-Wrap-TTL?)');
    return {
      token: w.token,
      accessor: String(w.accessor ?? ''),
      ttl: Number(w.ttl ?? wrapTtl),
      creationTime: String(w.creation_time ?? ''),
      creationPath: String(w.creation_path ?? ''),
    };
  }

  async issueRawSecretId(role: string, body: SecretIdRequestBody): Promise<RawSecretId> {
    const d = dataOf(await this.http.ok({ method: 'POST', path: this.role(role, '/secret-id'), token: this.token, body }));
    return {
      secretId: String(d.secret_id ?? ''),
      accessor: String(d.secret_id_accessor ?? ''),
      ttl: Number(d.secret_id_ttl ?? 0),
      numUses: Number(d.secret_id_num_uses ?? 0),
    };
  }

  /** Accessors of the role's live secret IDs; [] when there are none (Vault answers 404). */
  async listSecretIdAccessors(role: string): Promise<string[]> {
    const body = await this.http.ok({ method: 'LIST', path: this.role(role, '/secret-id'), token: this.token }, true);
    const keys = dataOf(body).keys;
    return Array.isArray(keys) ? keys.map(String) : [];
  }

  /** Null when Vault does not know the accessor. */
  async lookupSecretIdAccessor(role: string, accessor: string): Promise<SecretIdInfo | null> {
    const body = await this.http.ok(
      { method: 'POST', path: this.role(role, '/secret-id-accessor/lookup'), token: this.token, body: { secret_id_accessor: accessor } },
      true,
    );
    if (body === null || !body.data) return null;
    return toSecretIdInfo(dataOf(body), accessor);
  }

  async destroySecretIdAccessor(role: string, accessor: string): Promise<void> {
    await this.http.ok({ method: 'POST', path: this.role(role, '/secret-id-accessor/destroy'), token: this.token, body: { secret_id_accessor: accessor } });
  }
}

function toSecretIdInfo(d: Record<string, unknown>, accessor: string): SecretIdInfo {
  const metadata: Record<string, string> = {};
  if (d.metadata && typeof d.metadata === 'object') {
    for (const [k, v] of Object.entries(d.metadata as Record<string, unknown>)) metadata[k] = String(v);
  }
  const exp = typeof d.expiration_time === 'string' && !d.expiration_time.startsWith('0001-') ? d.expiration_time : null;
  return {
    accessor: typeof d.secret_id_accessor === 'string' ? d.secret_id_accessor : accessor,
    metadata,
    creationTime: String(d.creation_time ?? ''),
    expirationTime: exp,
    remainingUses: Number(d.secret_id_num_uses ?? 0),
    cidrList: Array.isArray(d.cidr_list) ? d.cidr_list.map(String) : [],
  };
}
