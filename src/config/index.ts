/**
 * The broker's configuration: `loadConfig(path)` (YAML file), `parseConfig(text)`,
 * `validateConfig(object)`, and the types of the validated, frozen result.
 */
export { loadConfig, parseConfig, validateConfig, checkReferences } from './load';
export { ConfigError, type ConfigProblem } from './config-error';
export {
  configSchema,
  parseCredentialRef,
  isLoopbackHost,
  PLACEHOLDER,
  type BrokerConfig,
  type ListenConfig,
  type VaultConfig,
  type BrokerAuthConfig,
  type TargetConfig,
  type CredentialInjection,
  type ActionConfig,
  type ParameterConfig,
  type LogConfig,
  type RateLimitConfig,
  type IdempotencyConfig,
  type StateConfig,
  type CircuitBreakerConfig,
  type ValueSource,
  type EndpointGroupConfig,
  type EndpointAuthConfig,
  type BootstrapConfig,
  type BrokerRoleConfig,
} from './schema';
