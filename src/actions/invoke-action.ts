/**
 * The product, as one story: an endpoint asks to run an allow-listed action.
 *
 *   validate → authenticate the endpoint → authorize → [binding] → [idempotency claim]
 *   → [shaping] → fetch the tool key → call the target → pick the result
 *   → [idempotency complete]
 *
 * The audit event for the request is written by the HTTP layer when the response is
 * done (src/http/middleware/audit.ts), from the AuditTrail this use case fills in, so
 * failures at any step are audited the same way.
 *
 * Steps in [brackets] are hooks for other parts (marked HOOK below): they are optional
 * collaborators in InvokeActionDeps and are skipped when absent.
 */
import type { AuditTrail } from '../audit';
import { ForbiddenError, TargetFailedError } from '../errors';
import {
  type IdempotencyClaim,
  type IdempotencyRecords,
  parseIdempotencyKey,
  requestFingerprint,
  storedFailure,
  storedSuccess,
  type StoredResponse,
} from '../idempotency';
import { callOutcomeOf, toCallerError, type TrafficShaper } from '../shaping';
import type { TargetConnector, TargetRequest, TargetResponse } from '../targets';
import type { CidrBinding } from '../lifecycle/binding';
import type { EndpointCredentials, EndpointIdentity, EndpointSession, ToolKey, VaultGateway } from '../vault/vault-gateway';
import { allowsInvoke, markerPath } from './authorization';
import type { ActionCatalog, ActionDefinition } from './catalog';
import { pickResult } from './result-picker';

export interface InvokeActionDeps {
  catalog: ActionCatalog;
  vault: VaultGateway;
  targets: TargetConnector;
  /** Vault path prefix of the per-action marker paths (vault.action_marker_prefix). */
  markerPrefix: string;
  /** Credential ref (`mount/data/path#field`) of each target's key. */
  credentialRefs: Readonly<Record<string, string>>;
  /** Idempotency-Key records (src/idempotency); without it the header is ignored. */
  idempotency?: IdempotencyRecords;
  /** Rate limits, concurrency caps, hold-back and circuit breaker (src/shaping). */
  shaper?: TrafficShaper;
  /**
   * How long a call to `target` may take from the idempotency claim on (key fetch +
   * target timeout + margin): the claim's and the concurrency slots' lease.
   */
  callLeaseMs?: (target: string) => number;
  /** Reports state-store failures that must not change the answer (logged, not thrown). */
  onStateError?: (err: unknown, context: string) => void;
  /** Secret-ID CIDR binding (issue 4, src/lifecycle/binding.ts); skipped when absent. */
  binding?: CidrBinding;
}

export interface InvokeActionInput {
  action: string;
  /** The parsed JSON body: the action's parameters. */
  body: unknown;
  credentials: EndpointCredentials;
  requestId: string;
  /** The caller's address (after trusted-proxy handling), for the binding check. */
  clientIp?: string;
  /** The Idempotency-Key header, if the caller sent one (issue 6). */
  idempotencyKey?: string;
  trail: AuditTrail;
}

export interface InvokeActionOutput {
  action: string;
  result: Record<string, unknown>;
  /** Set when a completed Idempotency-Key was replayed: send this status and body as they are. */
  replayed?: StoredResponse;
}

/** Claim lease when the composition root does not compute one per target. */
const DEFAULT_CALL_LEASE_MS = 60_000;

export class InvokeAction {
  constructor(private readonly deps: InvokeActionDeps) {}

  async execute(input: InvokeActionInput): Promise<InvokeActionOutput> {
    const { trail } = input;
    trail.set({ action: input.action });

    // 1. Validate. Unknown action (404) and bad parameters (400) stop here: no Vault
    //    call, no target call.
    const action = this.deps.catalog.get(input.action);
    trail.set({ target: action.target });
    const parameters = action.validate(input.body);
    // A malformed Idempotency-Key is a bad request like a bad parameter (400).
    const idempotencyKey = this.deps.idempotency ? parseIdempotencyKey(input.idempotencyKey) : undefined;
    const request = { ...action.render(parameters), requestId: input.requestId };

    // 2. Authenticate: AppRole login as the endpoint. Who it is comes from Vault.
    const session = await trail.time('vault_login_ms', () => this.deps.vault.loginEndpoint(input.credentials));
    trail.vaultRequest(session.loginRequestId);
    trail.identify(identityForTrail(session.identity));

    // 3. Authorize: the endpoint's own token must have `update` on the action's marker
    //    path. The token is not needed afterwards, so it is released right away.
    try {
      await trail.time('vault_authorize_ms', () => this.authorize(session, action, trail));
    } finally {
      void session.end();
    }

    // Binding: the caller's address must be inside the secret-ID metadata CIDR (403).
    this.deps.binding?.enforce(session.identity, input.clientIp, input.requestId);

    // Idempotency claim, scoped to the role Vault named: replay a completed outcome,
    // 409 while in flight, 422 for other parameters. After authorization, so nobody
    // learns about keys they may not use; before any side effect.
    const leaseMs = this.deps.callLeaseMs?.(action.target) ?? DEFAULT_CALL_LEASE_MS;
    let claim: IdempotencyClaim | undefined;
    if (this.deps.idempotency && idempotencyKey !== undefined) {
      const role = session.identity.roleName;
      trail.set({ idempotency_key: idempotencyKey });
      const begun = await this.deps.idempotency.begin({
        role,
        key: idempotencyKey,
        fingerprint: requestFingerprint({ action: action.name, params: parameters, role }),
        leaseMs,
      });
      trail.set({ idempotency: begun.kind === 'replay' ? 'replayed' : 'claimed' });
      if (begun.kind === 'replay') return { action: action.name, result: {}, replayed: begun.response };
      claim = begun.claim;
      // The target sees the key too (scoped by role), so a tool that honours
      // Idempotency-Key can drop a duplicate the broker could not prevent.
      request.idempotencyKey = `${encodeURIComponent(role)}/${idempotencyKey}`;
    }

    try {
      // Shaping: hold-back, concurrency cap, rate limit, circuit breaker for the target
      // and action (429 / 503 with Retry-After), before the key is read.
      const admission = await this.deps.shaper?.admit(action.name, leaseMs);

      // 4 + 5. Fetch the key with the broker's identity and call the target — at the
      // call's rate-limit slot, waited for last, so calls reach the target at the rate.
      let response: TargetResponse;
      try {
        response = await this.callTarget(action, request, trail, () => admission?.ready());
      } catch (err) {
        await admission?.finish(callOutcomeOf(err));
        throw toCallerError(err);
      }
      await admission?.finish({ kind: 'answered' });

      // 6. Return only the declared fields.
      const result = pickResult(action.target, action.resultFields, response);

      // Idempotency complete: keep the outcome for replay.
      if (claim) await this.settle(claim, () => claim.finish(storedSuccess(input.requestId, action.name, result)));
      return { action: action.name, result };
    } catch (err) {
      // A failure after the target was called is kept for replay; otherwise the key is
      // released so a retry runs again.
      if (claim) {
        const failure = storedFailure(err, input.requestId);
        await this.settle(claim, () => (failure ? claim.finish(failure) : claim.abandon()));
      }
      throw err;
    }
  }

  /** Runs a claim's last step; a store failure is logged but never changes the answer. */
  private async settle(claim: IdempotencyClaim, step: () => Promise<unknown>): Promise<void> {
    try {
      const stored = await step();
      if (stored === false) this.deps.onStateError?.(new Error('idempotency claim expired before the outcome was stored'), 'idempotency');
    } catch (err) {
      this.deps.onStateError?.(err, 'idempotency');
    }
  }

  private async authorize(session: EndpointSession, action: ActionDefinition, trail: AuditTrail): Promise<void> {
    const marker = markerPath(this.deps.markerPrefix, action.name);
    const { capabilities, requestId } = await session.capabilities([marker]);
    trail.vaultRequest(requestId);
    if (!allowsInvoke(capabilities[marker])) {
      throw new ForbiddenError(`this endpoint role may not run action "${action.name}"`);
    }
  }

  /**
   * Reads the key and calls the target, after `beforeFirstCall` (the wait for the
   * rate-limit slot). When the target refuses a key that came from
   * the cache (401/403), the key was probably rotated in Vault: read it again and retry
   * once. A refused request had no effect, so the retry is safe.
   */
  private async callTarget(
    action: ActionDefinition,
    request: TargetRequest,
    trail: AuditTrail,
    beforeFirstCall: () => Promise<void> | undefined,
  ): Promise<TargetResponse> {
    const ref = this.deps.credentialRefs[action.target];
    if (!ref) throw new Error(`no credential ref for target "${action.target}"`);
    for (let attempt = 1; ; attempt++) {
      const key: ToolKey = await trail.time('key_fetch_ms', () => this.deps.vault.readToolKey(ref));
      trail.vaultRequest(key.vaultRequestId);
      if (attempt === 1) await trail.time('slot_wait_ms', async () => beforeFirstCall());
      try {
        const response = await trail.time('target_ms', () => this.deps.targets.call(action.target, request, key.value));
        trail.set({ target_status: response.status, target_request_id: response.targetRequestId });
        return response;
      } catch (err) {
        if (err instanceof TargetFailedError) trail.set({ target_status: err.info.targetStatus });
        const refused = err instanceof TargetFailedError && (err.info.targetStatus === 401 || err.info.targetStatus === 403);
        if (refused) this.deps.vault.forgetToolKey(ref);
        if (refused && key.fromCache && attempt === 1) continue;
        throw err;
      }
    }
  }
}

export function identityForTrail(identity: EndpointIdentity) {
  return {
    roleName: identity.roleName,
    metadata: identity.metadata,
    tokenAccessor: identity.tokenAccessor,
    tokenType: identity.tokenType,
  };
}

