/**
 * VaultGateway on node-vault: endpoint logins, the broker's identity, tool keys and
 * readiness, put together.
 */
import type { Logger, SecretRegistry } from '../audit';
import { BrokerIdentity, type BrokerCredentials, type Timers } from './broker-identity';
import { EndpointClientPool } from './endpoint-client-pool';
import { loginEndpoint } from './endpoint-login';
import { createNodeVaultClient, vaultCall, type VaultClientOptions } from './node-vault-client';
import { ToolKeyStore } from './tool-key-store';
import { tokenSession } from './endpoint-token-session';
import type { EndpointCredentials, EndpointSession, ReadinessReport, ToolKey, VaultGateway } from './vault-gateway';
import { isVaultResponseError } from './vault-http';

export interface NodeVaultGatewayOptions {
  client: VaultClientOptions;
  approleMount: string;
  brokerCredentials: BrokerCredentials;
  keyCacheSeconds: number;
  retryAfterSeconds: number;
  secrets: SecretRegistry;
  logger: Logger;
  timers?: Timers;
}

export class NodeVaultGateway implements VaultGateway {
  readonly identity: BrokerIdentity;
  private readonly keys: ToolKeyStore;
  /** node-vault clients for endpoint sessions, one per session at a time (endpoint-login.ts). */
  private readonly endpointClients: EndpointClientPool;
  private readonly pendingEnds = new Set<Promise<void>>();

  constructor(private readonly options: NodeVaultGatewayOptions) {
    this.identity = new BrokerIdentity({
      client: options.client,
      credentials: options.brokerCredentials,
      secrets: options.secrets,
      logger: options.logger,
      retryAfterSeconds: options.retryAfterSeconds,
      timers: options.timers,
    });
    const c = options.client;
    this.endpointClients = new EndpointClientPool({ address: c.address, namespace: c.namespace, ca: c.ca, timeoutMs: c.timeoutMs });
    this.keys = new ToolKeyStore({
      identity: this.identity,
      address: options.client.address,
      cacheSeconds: options.keyCacheSeconds,
      retryAfterSeconds: options.retryAfterSeconds,
      secrets: options.secrets,
      logger: options.logger,
    });
  }

  /** Logs the broker in (in the background on failure). */
  async start(): Promise<void> {
    await this.identity.start();
  }

  loginEndpoint(credentials: EndpointCredentials): Promise<EndpointSession> {
    if ('vaultToken' in credentials) {
      // Bearer mode (issue 4): the endpoint's own Vault token; no login, no secret ID.
      const c = this.options.client;
      return tokenSession(
        {
          http: { address: c.address, namespace: c.namespace, ca: c.ca, timeoutMs: c.timeoutMs },
          approleMount: this.options.approleMount,
          retryAfterSeconds: this.options.retryAfterSeconds,
          secrets: this.options.secrets,
        },
        credentials.vaultToken,
      );
    }
    return loginEndpoint(
      {
        clients: this.endpointClients,
        address: this.options.client.address,
        approleMount: this.options.approleMount,
        retryAfterSeconds: this.options.retryAfterSeconds,
        secrets: this.options.secrets,
        logger: this.options.logger,
      },
      credentials,
    ).then((session) => this.trackEnd(session));
  }

  /**
   * The use cases end sessions without waiting (the revocation is not on the caller's
   * path); close() waits for those still running so no endpoint token outlives a stop.
   */
  private trackEnd(session: EndpointSession): EndpointSession {
    const end = session.end.bind(session);
    return {
      identity: session.identity,
      loginRequestId: session.loginRequestId,
      capabilities: session.capabilities.bind(session),
      end: () => {
        const p = end();
        this.pendingEnds.add(p);
        return p.finally(() => this.pendingEnds.delete(p));
      },
    };
  }

  readToolKey(ref: string): Promise<ToolKey> {
    return this.keys.get(ref);
  }

  forgetToolKey(ref: string): void {
    this.keys.forget(ref);
  }

  async readiness(): Promise<ReadinessReport> {
    const checks: ReadinessReport['checks'] = { vault: 'ok', broker_token: 'unknown' };
    try {
      // sys/health needs no token; node-vault resolves its non-2xx answers with the body.
      const health = (await vaultCall(this.options.client.address, 'sys/health', () =>
        createNodeVaultClient(this.options.client).health({ standbyok: true }),
      )) as { initialized?: boolean; sealed?: boolean; standby?: boolean };
      if (health?.initialized === false) checks.vault = 'uninitialized';
      else if (health?.sealed) checks.vault = 'sealed';
    } catch (err) {
      checks.vault = isVaultResponseError(err) ? 'error' : 'unreachable';
    }
    if (checks.vault === 'ok') {
      try {
        const client = await this.identity.vault();
        await vaultCall(this.options.client.address, 'auth/token/lookup-self', () => client.tokenLookupSelf());
        checks.broker_token = 'ok';
      } catch (err) {
        checks.broker_token = isVaultResponseError(err) && err.status === 403 ? 'invalid' : 'not_logged_in';
        if (checks.broker_token === 'invalid') void this.identity.relogin().catch(() => undefined);
      }
    }
    return { ready: checks.vault === 'ok' && checks.broker_token === 'ok', checks };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingEnds]);
    await this.identity.stop();
    this.keys.clear();
  }
}
