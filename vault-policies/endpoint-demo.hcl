# endpoint-demo.hcl: the Vault policy of the endpoint group "demo".
#
# Who: the AppRole role of the "demo" endpoint group (its role_id is deployed to
# those endpoints by a BigFix task; each endpoint gets its own secret_id).
# Why: authorization lives in Vault. For every invoke, the broker asks
# sys/capabilities-self with the endpoint's own token whether it has "update" on
# the marker path broker/actions/<action>. The marker paths are not a mount and hold
# no data; they exist only to be named in policies like this one.
#
# Copy this file to endpoint-<group>.hcl for each endpoint group and list exactly
# the actions that group may run, one block per action.
#
# Never add secret/... (tool key) paths, wildcards over broker/actions/ for a group
# that should not run every action, or any auth/ or sys/ write here: an endpoint's
# credentials must be useless for reading a key, even against Vault directly.
#
# sys/capabilities-self itself comes from Vault's "default" policy, so endpoint roles
# keep the default policy (token_no_default_policy = false). Without it the check
# fails closed: the broker refuses the action.

# The "echo" action (a harmless round trip for testing the whole path).
path "broker/actions/echo" {
  capabilities = ["update"]
}

# "echo_limited": the same round trip through a target limited to 5 calls per second,
# for watching rate limits and Retry-After (credential-broker simulate).
path "broker/actions/echo_limited" {
  capabilities = ["update"]
}
