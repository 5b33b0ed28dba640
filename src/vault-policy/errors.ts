/**
 * A policy Vault would refuse. `message` is Vault's own text (vault/policy.go), for example
 * `failed to parse policy: path "x": invalid capability "foo"`, so devvault can return it as is
 * in a 400 `{"errors":[message]}`.
 */
export class PolicyParseError extends Error {
  override readonly name = 'PolicyParseError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A duration that Vault's parseutil.ParseDurationSecond would refuse. `message` is the Go text
 * (`time: invalid duration "abc"`) so callers can prefix it with the field name, as Vault does.
 */
export class DurationParseError extends Error {
  override readonly name = 'DurationParseError';
  constructor(
    message: string,
    readonly input: unknown,
  ) {
    super(message);
  }
}

/** An ACL that Vault's NewACL would refuse to build (for example root mixed with other policies). */
export class AclBuildError extends Error {
  override readonly name = 'AclBuildError';
}
