# bigfix-operator.hcl: the Vault policy of the BigFix operator.
#
# Who: the person (or BigFix server automation) that enrolls endpoints: runs
# `credential-broker secret-id issue --role <group> ...` and puts the printed
# wrapping token into a BigFix secure parameter.
# Why: the operator must be able to hand out endpoint identities, but must never
# see a usable secret ID, read a key, or change who may do what. So this policy
# grants exactly one thing: creating a secret ID for an endpoint group's role, and
# only response-wrapped. The secret ID itself is inside a single-use wrapping
# token that only the enrolling endpoint (through the broker) unwraps; a token
# that someone else unwrapped first is reported by the broker as interception.

# Create a secret ID for any endpoint-group role ("+" = exactly one path segment,
# so role-id, secret-id/lookup, secret-id-accessor/... and the role itself stay
# out of reach: they have other segment counts or names).
# min_wrapping_ttl: Vault refuses the request unless it is response-wrapped
# (X-Vault-Wrap-TTL) with a TTL of at least 1 minute (shorter would expire before
# BigFix delivers it).
# max_wrapping_ttl: the wrapping token lives at most 24 hours, long enough for
# endpoints that come online during a working day, short enough that an
# undelivered token dies quickly.
path "auth/approle/role/+/secret-id" {
  capabilities     = ["update"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "24h"
}

# Not the broker's own role: a secret ID for it would be the broker's identity and
# read every tool key. An exact rule beats the "+" rule above (Vault matches exact
# paths first). If the broker's AppRole role has another name, change this path.
path "auth/approle/role/credential-broker/secret-id" {
  capabilities = ["deny"]
}
