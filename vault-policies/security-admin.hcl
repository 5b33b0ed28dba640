# security-admin.hcl: the Vault policy of the security team.
#
# Who: the security engineers who own Vault for the broker, and the
# `credential-broker vault bootstrap` run they perform.
# Why: they decide who may do what. They manage the AppRole roles of the broker and
# of every endpoint group, the ACL policies (including the files in vault-policies/),
# secret IDs (issue, look up, revoke), and the tools' API keys under secret/tools/.
# Nothing else: no other secrets, no tokens of other people, no audit devices, no seal.
#
# Whoever holds this policy can give any role any policy, so it is administrator-level
# over the broker's part of Vault: give it to few people, ideally through short-lived
# logins (OIDC) rather than long-lived tokens.

# ---- bootstrap: enable AppRole and the KV v2 engine where missing --------------------

# List enabled auth methods and secrets engines, to see what is missing.
path "sys/auth" {
  capabilities = ["read"]
}

path "sys/mounts" {
  capabilities = ["read"]
}

# Enable and read AppRole at auth/approle/. Vault root-protects sys/auth/*, so this
# needs sudo.
path "sys/auth/approle" {
  capabilities = ["create", "read", "update", "sudo"]
}

# Enable KV v2 at secret/ (and read its settings).
path "sys/mounts/secret" {
  capabilities = ["create", "read", "update"]
}

# ---- ACL policies ------------------------------------------------------------------

# Write, read and delete policies (broker, endpoint-<group>, bigfix-operator, ...).
path "sys/policies/acl" {
  capabilities = ["list"]
}

path "sys/policies/acl/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# The older sys/policy endpoints, which some clients (node-vault's addPolicy) use.
path "sys/policy" {
  capabilities = ["read"]
}

path "sys/policy/*" {
  capabilities = ["create", "read", "update", "delete"]
}

# ---- AppRole roles and secret IDs --------------------------------------------------

# Roles of the broker and of the endpoint groups: create, tune, read role IDs,
# issue / look up / list / revoke secret IDs (also by accessor), delete.
path "auth/approle/role" {
  capabilities = ["list"]
}

path "auth/approle/role/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# ---- the tools' API keys (KV v2 at secret/) ----------------------------------------

# Write and rotate keys (new versions), read them back to check.
path "secret/data/tools/*" {
  capabilities = ["create", "read", "update", "patch", "delete"]
}

# List the tools, read versions, set max_versions, remove a key for good.
path "secret/metadata/tools" {
  capabilities = ["list"]
}

path "secret/metadata/tools/*" {
  capabilities = ["create", "read", "update", "patch", "delete", "list"]
}

# Soft-delete, undelete and destroy single versions of a key.
path "secret/delete/tools/*" {
  capabilities = ["update"]
}

path "secret/undelete/tools/*" {
  capabilities = ["update"]
}

path "secret/destroy/tools/*" {
  capabilities = ["update"]
}

# ---- own token and checks -----------------------------------------------------------

path "auth/token/lookup-self" {
  capabilities = ["read"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}

path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Check what another token may do (how `explain` can confirm a verdict against Vault).
path "sys/capabilities" {
  capabilities = ["update"]
}
