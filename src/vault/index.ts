/**
 * Everything that talks to Vault. node-vault is imported only in node-vault-client.ts;
 * the identity-lifecycle calls use the small axios client in vault-http.ts.
 */
export { NodeVaultGateway, type NodeVaultGatewayOptions } from './node-vault-gateway';
export { BrokerIdentity, type BrokerCredentials, type Timers } from './broker-identity';
export { ToolKeyStore } from './tool-key-store';
export { createNodeVaultClient, type VaultClientOptions } from './node-vault-client';
export type { VaultGateway, EndpointSession, EndpointIdentity, EndpointCredentials, ToolKey, ReadinessReport } from './vault-gateway';
export { EnrollmentClient } from './enrollment-client';
