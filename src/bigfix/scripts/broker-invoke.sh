#!/bin/sh
# credential-broker: invoke one broker action from a BigFix endpoint (Linux, macOS).
#
#   broker-invoke.sh --action NAME --computer-id ID --action-id ID
#                    [--params FILE|- | --params-kv FILE] [--deadline SECONDS]
#                    [--state-dir DIR] [--log FILE]
#
# POSIX sh (dash, bash, macOS sh) plus curl, od, awk, sed, tr. Run as root by the BigFix client.
# role_id and secret_id come from the protected store written by broker-enroll.sh, never from
# the command line: the command line of every process is visible to every local user (ps).
# One result line goes to stdout; diagnostics go to stderr; no secret is ever printed.
#
# Protected store: --state-dir DIR, else $BROKER_STATE_DIR, else /var/lib/credential-broker
# (macOS: /Library/Application Support/credential-broker). It must be owned by the user
# running the script (root under BigFix) with no group/other access; it holds broker.conf
# (broker_url=, role_id=, ca_file=) and secret_id, written by broker-enroll.sh.
#
# Exit codes (README "BigFix content"):
#   0  success                     10 invalid parameters (400/404/413/422, or a bad --params-kv)
#   11 not configured/enrolled     12 unauthorized (401)       13 forbidden (403)
#   14 broker unreachable (no connection, TLS failure) until the deadline
#   15 target failed (502)
#   16 timed out: the target timed out (504), or the broker still said "wait" (429, 503,
#      409 in flight) when the deadline came
#   1  internal error, bad usage or unexpected response
# Idempotency-Key is <computer id>-<action id>, so retries here and re-runs of the same
# BigFix action never call the target twice.

PROG=credential-broker
set -f  # no pathname expansion anywhere: values are data, never patterns
action=''
computer_id=''
action_id=''
params_file=''
params_kv=''
deadline=120
state_dir="${BROKER_STATE_DIR:-}"
log_file=''

case $(uname -s 2>/dev/null) in
  Darwin) default_state_dir='/Library/Application Support/credential-broker' ;;
  *) default_state_dir='/var/lib/credential-broker' ;;
esac

tmp_dir=''
cleanup() {
  if [ -n "$tmp_dir" ] && [ -d "$tmp_dir" ]; then rm -rf "$tmp_dir"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' HUP INT TERM

# The result line: one per run, on stdout, safe for the BigFix client log.
result_ok() {
  printf '%s: OK action=%s request_id=%s result=%s\n' "$PROG" "$action" "$1" "$2"
}
# fail EXIT CODE STATUS REQUEST_ID [MESSAGE]
fail() {
  printf '%s: FAILED code=%s status=%s request_id=%s exit=%s' "$PROG" "$2" "$3" "${4:--}" "$1"
  if [ -n "${5:-}" ]; then printf ' message=%s' "$5"; fi
  printf '\n'
  exit "$1"
}
note() { printf '%s: %s\n' "$PROG" "$*" >&2; }

usage_fail() { note "$1"; fail 1 usage 0 - "\"$1\""; }
# A failed `shift 2` would end a POSIX shell without our result line, so check first.
need_value() { [ $# -ge 2 ] || usage_fail "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case $1 in
    --action) need_value "$@"; action=$2; shift 2 ;;
    --computer-id) need_value "$@"; computer_id=$2; shift 2 ;;
    --action-id) need_value "$@"; action_id=$2; shift 2 ;;
    --params) need_value "$@"; params_file=$2; shift 2 ;;
    --params-kv) need_value "$@"; params_kv=$2; shift 2 ;;
    --deadline) need_value "$@"; deadline=$2; shift 2 ;;
    --state-dir) need_value "$@"; state_dir=$2; shift 2 ;;
    --log) need_value "$@"; log_file=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) usage_fail "unknown argument: $1" ;;
  esac
done

# BigFix does not show a process's stdout; --log keeps the result line and diagnostics in a
# file (nothing secret is ever written to either stream).
if [ -n "$log_file" ]; then
  exec >>"$log_file" 2>&1 || exit 1
fi
[ -n "$state_dir" ] || state_dir=$default_state_dir

# Everything that goes into a header or the URL is checked here, so no value can inject a
# header line or change the path.
case $action in ''|*[!A-Za-z0-9._-]*) usage_fail '--action must be a name of letters, digits, . _ -' ;; esac
case $computer_id in ''|*[!A-Za-z0-9._-]*) usage_fail '--computer-id must be letters, digits, . _ -' ;; esac
case $action_id in ''|*[!A-Za-z0-9._-]*) usage_fail '--action-id must be letters, digits, . _ -' ;; esac
case $deadline in ''|*[!0-9]*) usage_fail '--deadline must be a whole number of seconds' ;; esac
if [ -n "$params_file" ] && [ -n "$params_kv" ]; then usage_fail 'give --params or --params-kv, not both'; fi
command -v curl >/dev/null 2>&1 || fail 1 curl_missing 0 - '"curl is not installed"'

# --- the protected store -------------------------------------------------------------------
# A file or directory is trusted only if it belongs to us (root under BigFix) and nobody else
# can read it; otherwise the secret may already be exposed and must not be used.
private_ok() {
  # shellcheck disable=SC2012  # ls -n is the portable way to get mode and owner (GNU and BSD).
  set -- $(ls -ldn "$1" 2>/dev/null)
  [ $# -ge 3 ] || return 1
  [ "$3" = "$(id -u)" ] || return 1
  # Mode string: type, then user rwx, then group and other, which must be "------".
  case $1 in [d-]???------*) return 0 ;; esac
  return 1
}

[ -d "$state_dir" ] || fail 11 not_configured 0 - '"broker not configured on this computer: run the deploy task"'
private_ok "$state_dir" || fail 11 store_insecure 0 - '"state directory is readable by others or not owned by this user"'
[ -f "$state_dir/broker.conf" ] || fail 11 not_configured 0 - '"broker.conf missing: run the deploy task"'

broker_url=''
ca_file=''
role_id=''
while IFS= read -r line || [ -n "$line" ]; do
  line=$(printf '%s' "$line" | tr -d '\r')
  case $line in
    broker_url=*) broker_url=${line#broker_url=} ;;
    ca_file=*) ca_file=${line#ca_file=} ;;
    role_id=*) role_id=${line#role_id=} ;;
  esac
done <"$state_dir/broker.conf"

case $broker_url in
  https://*) ;;
  # Plain HTTP would send the secret_id in clear text; allow it only to this machine.
  http://127.*|http://localhost|http://localhost[:/]*|http://\[::1\]*) ;;
  *) fail 11 not_configured 0 - '"broker_url must be https:// (http:// only for loopback)"' ;;
esac
broker_url=${broker_url%/}
if [ -n "$ca_file" ] && [ ! -r "$ca_file" ]; then fail 11 not_configured 0 - '"ca_file in broker.conf is not readable"'; fi
# Basic auth: the user part cannot hold ':'; neither value may hold quotes, backslashes or
# whitespace, which keeps them safe inside curl's config syntax.
case $role_id in ''|*[!A-Za-z0-9._@/+=-]*) fail 11 not_configured 0 - '"role_id missing or malformed in broker.conf: run the deploy task"' ;; esac

secret_file="$state_dir/secret_id"
[ -f "$secret_file" ] || fail 11 not_enrolled 0 - '"no secret_id on this computer: run the enroll task"'
private_ok "$secret_file" || fail 11 store_insecure 0 - '"secret_id file is readable by others or not owned by this user"'
secret_id=''
IFS= read -r secret_id <"$secret_file" || [ -n "$secret_id" ] || fail 11 not_enrolled 0 - '"secret_id file is empty: run the enroll task"'
secret_id=$(printf '%s' "$secret_id" | tr -d '\r')
case $secret_id in ''|*[!A-Za-z0-9._@/+=:-]*) fail 11 not_enrolled 0 - '"secret_id file is malformed: run the enroll task"' ;; esac

umask 077
tmp_dir=$(mktemp -d 2>/dev/null) || fail 1 tmp_failed 0 - '"cannot create a private temporary directory"'

# --- the request body ----------------------------------------------------------------------
# JSON-escape one value read from stdin: backslash, quote and tab; other control characters
# are refused (exit 10) rather than silently changed. Character by character, because what a
# backslash in gsub's replacement means differs between gawk, mawk and BSD awk.
json_string() {
  awk 'BEGIN { ORS = "" }
    { if (NR > 1) bad = 1; line = $0 }
    END {
      if (bad) exit 3
      if (line ~ /[\001-\010\012-\037\177]/) exit 3
      out = ""
      n = length(line)
      for (i = 1; i <= n; i++) {
        c = substr(line, i, 1)
        if (c == "\\") out = out "\\\\"
        else if (c == "\"") out = out "\\\""
        else if (c == "\t") out = out "\\t"
        else out = out c
      }
      print "\"" out "\""
    }'
}

body="$tmp_dir/body.json"
if [ -n "$params_kv" ]; then
  # One "name=value" per line (value is a string), or "name:int=", "name:num=", "name:bool=",
  # "name:json=" for typed values; a name ending in "?" ("count?:int=") is left out when its
  # value is empty (an optional parameter nobody filled in). The BigFix task writes this file
  # with createfile, which is simpler and safer than building JSON in relevance.
  [ -r "$params_kv" ] || fail 10 invalid_parameters 0 - '"--params-kv file is not readable"'
  printf '{' >"$body"
  sep=''
  while IFS= read -r line || [ -n "$line" ]; do
    line=$(printf '%s' "$line" | tr -d '\r')
    [ -z "$line" ] && continue
    case $line in \#*) continue ;; esac
    case $line in *=*) ;; *) fail 10 invalid_parameters 0 - '"--params-kv line without ="' ;; esac
    name=${line%%=*}
    value=${line#*=}
    type=string
    case $name in *:*) type=${name#*:}; name=${name%%:*} ;; esac
    optional=0
    case $name in *\?) optional=1; name=${name%?} ;; esac
    if [ $optional -eq 1 ] && [ -z "$value" ]; then continue; fi
    case $name in ''|*[!A-Za-z0-9_.-]*) fail 10 invalid_parameters 0 - '"--params-kv: bad parameter name"' ;; esac
    case $type in
      string) value=$(printf '%s' "$value" | json_string) || fail 10 invalid_parameters 0 - "\"parameter $name holds a control character\"" ;;
      int) case $value in ''|-|*[!0-9-]*|?*-*) fail 10 invalid_parameters 0 - "\"parameter $name is not an integer\"" ;; esac ;;
      num) case $value in ''|*[!0-9.eE+-]*) fail 10 invalid_parameters 0 - "\"parameter $name is not a number\"" ;; esac ;;
      bool) case $value in true|false) ;; *) fail 10 invalid_parameters 0 - "\"parameter $name is not true or false\"" ;; esac ;;
      json) ;;
      *) fail 10 invalid_parameters 0 - "\"parameter $name has unknown type $type\"" ;;
    esac
    printf '%s"%s":%s' "$sep" "$name" "$value" >>"$body"
    sep=','
  done <"$params_kv"
  printf '}' >>"$body"
elif [ -n "$params_file" ] && [ "$params_file" != - ]; then
  [ -r "$params_file" ] || fail 10 invalid_parameters 0 - '"--params file is not readable"'
  cat "$params_file" >"$body"
elif [ "$params_file" = - ]; then
  cat >"$body"
else
  printf '{}' >"$body"
fi

# --- the call ------------------------------------------------------------------------------
# curl reads its options, including the Basic credentials, from stdin (--config -). printf is
# a shell builtin, so the secret never appears in any process's argument list.
curl_quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }

url="$broker_url/v1/actions/$action"
idem_key="$computer_id-$action_id"
headers="$tmp_dir/headers"
response="$tmp_dir/response"
q_url=$(curl_quote "$url")
q_body=$(curl_quote "$body")
q_headers=$(curl_quote "$headers")
q_response=$(curl_quote "$response")
q_ca=''
[ -n "$ca_file" ] && q_ca=$(curl_quote "$ca_file")

curl_exit=0
http_status=000
call_broker() {
  max_time=$1
  : >"$headers"
  : >"$response"
  http_status=$(
    {
      printf 'url = "%s"\n' "$q_url"
      printf 'request = "POST"\n'
      printf 'user = "%s:%s"\n' "$role_id" "$secret_id"
      printf 'header = "Content-Type: application/json"\n'
      printf 'header = "Accept: application/json"\n'
      printf 'header = "Idempotency-Key: %s"\n' "$idem_key"
      printf 'data-binary = "@%s"\n' "$q_body"
      printf 'output = "%s"\n' "$q_response"
      printf 'dump-header = "%s"\n' "$q_headers"
      printf 'write-out = "%%{http_code}"\n'
      printf 'silent\nshow-error\n'
      printf 'noproxy = "127.0.0.1,localhost,::1"\n'
      printf 'connect-timeout = %s\n' "$(( max_time < 10 ? max_time : 10 ))"
      printf 'max-time = %s\n' "$max_time"
      [ -n "$q_ca" ] && printf 'cacert = "%s"\n' "$q_ca"
    } | curl --config - 2>"$tmp_dir/curl.err"
  )
  curl_exit=$?
  if [ $curl_exit -ne 0 ]; then
    cat "$tmp_dir/curl.err" >&2
  fi
}

# The value of one top-level key of a JSON object, as raw JSON text, on one line.
json_top() {
  awk -v want="\"$1\"" '
    { doc = doc $0 "\n" }
    END {
      n = length(doc); depth = 0; instr = 0; esc = 0; key = ""; start = 0; stop = 0
      for (i = 1; i <= n; i++) {
        c = substr(doc, i, 1)
        if (instr) {
          if (esc) esc = 0
          else if (c == "\\") esc = 1
          else if (c == "\"") { instr = 0; if (depth == 1 && !start) key = substr(doc, s0, i - s0 + 1) }
          continue
        }
        if (c == "\"") { instr = 1; s0 = i; continue }
        if (c == "{" || c == "[") { depth++; continue }
        if (c == "}" || c == "]") { depth--; if (start && depth == 0) { stop = i; break }; continue }
        if (depth == 1 && c == ":" && !start && key == want) { start = i + 1; continue }
        if (depth == 1 && c == "," ) { if (start) { stop = i; break }; key = "" }
      }
      if (!start || !stop) exit 1
      v = substr(doc, start, stop - start)
      gsub(/\n/, " ", v); sub(/^[ \t\r]+/, "", v); sub(/[ \t\r]+$/, "", v)
      print v
    }'
}
unquote() { sed -e 's/^"//' -e 's/"$//'; }

rand_upto() {
  r=$(od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -cd '0-9')
  [ -n "$r" ] || r=$$
  echo $(( r % ($1 + 1) ))
}

retry_after() {
  v=$(tr -d '\r' <"$headers" | awk 'tolower($1) == "retry-after:" { print $2 }' | tail -n 1)
  case $v in ''|*[!0-9]*) echo '' ;; *) echo "$v" ;; esac
}

now() { date +%s; }
deadline_at=$(( $(now) + deadline ))
attempt=0
last_code=''
while :; do
  remaining=$(( deadline_at - $(now) ))
  [ $remaining -ge 1 ] || remaining=1
  call_broker "$remaining"
  request_id=$(json_top request_id <"$response" 2>/dev/null | unquote)
  [ -n "$request_id" ] || request_id=-
  retry=0
  if [ $curl_exit -ne 0 ]; then
    case $curl_exit in
      # could not resolve, connect, or the connection broke: the Idempotency-Key makes a
      # second attempt safe even if the first reached the broker.
      6|7|28|52|55|56) retry=1; last_code="curl_$curl_exit" ;;
      *) fail 14 broker_unreachable 0 - "\"curl exit $curl_exit (TLS or protocol failure; see stderr)\"" ;;
    esac
  else
    err_obj=$(json_top error <"$response" 2>/dev/null)
    err_code=$(printf '%s' "$err_obj" | json_top code 2>/dev/null | unquote)
    err_msg=$(printf '%s' "$err_obj" | json_top message 2>/dev/null)
    [ -n "$err_code" ] || err_code="http_$http_status"
    case $http_status in
      200|201)
        result=$(json_top result <"$response" 2>/dev/null) || result='null'
        result_ok "$request_id" "$result"
        exit 0 ;;
      400|404|413|422) fail 10 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      401) fail 12 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      403) fail 13 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      502) fail 15 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      504) fail 16 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      409|429|503) retry=1; last_code=$err_code ;;
      *) fail 1 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
    esac
  fi
  [ $retry -eq 1 ] || fail 1 internal "$http_status" "$request_id"
  # Back off: honour Retry-After when the broker sends it, plus full jitter so that many
  # endpoints told to wait the same time do not come back in the same second.
  attempt=$(( attempt + 1 ))
  window=$(( attempt >= 5 ? 30 : (1 << attempt) ))
  ra=''
  [ $curl_exit -eq 0 ] && ra=$(retry_after)
  if [ -n "$ra" ]; then
    wait_s=$(( ra + $(rand_upto $(( window < 10 ? window : 10 ))) ))
  else
    wait_s=$(( 1 + $(rand_upto "$window") ))
  fi
  # Never sleep past the deadline, and never come back before Retry-After: if it does not
  # fit, give up now with the last answer.
  limit=$(( deadline_at - $(now) - 1 ))
  if { [ -n "$ra" ] && [ "$ra" -gt $limit ]; } || [ $limit -lt 1 ]; then
    if [ "$last_code" = curl_28 ]; then
      fail 16 timed_out 0 - "\"deadline reached: the broker did not answer in time ($attempt attempt(s))\""
    elif [ $curl_exit -ne 0 ]; then
      fail 14 broker_unreachable 0 - "\"gave up after $attempt attempt(s): $last_code\""
    fi
    fail 16 "$last_code" "$http_status" "$request_id" "\"deadline reached: still $http_status after $attempt attempt(s)\""
  fi
  [ $wait_s -le $limit ] || wait_s=$limit
  note "attempt $attempt: $last_code (status $http_status); retrying in ${wait_s}s"
  sleep "$wait_s"
done
