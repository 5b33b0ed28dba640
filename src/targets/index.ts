/** Outbound calls to the tools (targets). The only module that makes outbound HTTP. */
export { HttpTargetConnector, parseRetryAfter, type HttpTargetConnectorOptions } from './http-target-connector';
export { injectCredential, credentialKeyNames } from './credential-injection';
export type { TargetConnector, TargetRequest, TargetResponse } from './target-request';
