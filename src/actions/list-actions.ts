/**
 * GET /v1/actions: the actions this caller may invoke. One login, then one
 * capabilities-self call for all marker paths at once.
 */
import type { AuditTrail } from '../audit';
import type { CidrBinding } from '../lifecycle/binding';
import type { EndpointCredentials, VaultGateway } from '../vault/vault-gateway';
import { allowsInvoke, markerPath } from './authorization';
import type { ActionCatalog, ActionSummary } from './catalog';
import { identityForTrail } from './invoke-action';

export interface ListActionsDeps {
  catalog: ActionCatalog;
  vault: VaultGateway;
  markerPrefix: string;
  /** Secret-ID CIDR binding (issue 4); skipped when absent. */
  binding?: CidrBinding;
}

export class ListActions {
  constructor(private readonly deps: ListActionsDeps) {}

  async execute(input: { credentials: EndpointCredentials; clientIp?: string; requestId?: string; trail: AuditTrail }): Promise<ActionSummary[]> {
    const { trail } = input;
    const session = await trail.time('vault_login_ms', () => this.deps.vault.loginEndpoint(input.credentials));
    trail.vaultRequest(session.loginRequestId);
    trail.identify(identityForTrail(session.identity));
    try {
      this.deps.binding?.enforce(session.identity, input.clientIp, input.requestId ?? trail.requestId);
      const names = this.deps.catalog.names();
      if (names.length === 0) return [];
      const markers = names.map((n) => markerPath(this.deps.markerPrefix, n));
      const { capabilities, requestId } = await trail.time('vault_authorize_ms', () => session.capabilities(markers));
      trail.vaultRequest(requestId);
      return names.filter((_n, i) => allowsInvoke(capabilities[markers[i] as string])).map((n) => this.deps.catalog.summary(n));
    } finally {
      void session.end();
    }
  }
}
