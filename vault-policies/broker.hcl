# broker.hcl: the Vault policy of the credential-broker service itself.
#
# Who: the broker's own AppRole (one per site, used by every broker replica).
# Why: the broker is the one system that must hold the tools' API keys, so it reads
# them, and nothing else. It never gets any endpoint-facing right: it cannot grant
# actions (broker/actions/...), issue secret IDs, change roles or write policies.
# Endpoint logins (auth/approle/login) and wrapping-token lookup/unwrap need no
# policy: Vault does not check an ACL on those paths.

# The tools' API keys (KV v2 at secret/, one entry per tool: secret/data/tools/<tool>).
# Read only: rotation is the security team's job (security-admin.hcl).
# "tools/*" and not "tools*": in Vault, "secret/data/tools*" would also match
# "secret/data/toolsX/..." (a glob is a plain string prefix).
path "secret/data/tools/*" {
  capabilities = ["read"]
}

# Key metadata (current version, timestamps) so the broker can notice a rotation
# and drop a cached key. Metadata never contains the key itself.
path "secret/metadata/tools/*" {
  capabilities = ["read"]
}

# Its own token: check TTL and policies at start-up (lookup-self), keep the token
# alive at about 2/3 of its TTL (renew-self), and revoke it on graceful shutdown
# (revoke-self) so no live token outlives the process. Listed here rather than
# relying on the "default" policy, so the broker role may use token_no_default_policy.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}
