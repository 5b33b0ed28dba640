#!/bin/sh
# credential-broker: set up and enroll a BigFix endpoint (Linux, macOS).
#
#   broker-enroll.sh configure --conf-file FILE [--ca-file FILE] [--state-dir DIR]
#   broker-enroll.sh enroll --token-file FILE|- | --token-from-store
#                           [--deadline SECONDS] [--state-dir DIR] [--log FILE]
#   broker-enroll.sh status [--state-dir DIR]
#
# configure  installs broker.conf (broker_url=, role_id=) and the broker's CA certificate into
#            the state directory (root-only, 0700; files 0600). Nothing in it is secret.
# enroll     exchanges a single-use, response-wrapped token at POST /v1/enroll for a secret_id
#            and stores it in the state directory (0600). The token is read from a file (which
#            is deleted once read), stdin, or the file wrapping_token in the state directory
#            (--token-from-store: where the BigFix enroll task moves it), never from the command
#            line: every local user can read command lines with ps. Exit 12 means the broker refused the token (used,
#            expired, or for another role): treat it as possibly intercepted.
# status     says whether this computer is configured and enrolled; never prints a secret.
#
# State directory: $BROKER_STATE_DIR or --state-dir, else /var/lib/credential-broker
# (macOS: /Library/Application Support/credential-broker).
# Exit codes (the same numbers as broker-invoke.sh): 0 ok, 1 internal/usage, 10 invalid
# request (400/404/413/422, bad --conf-file or token), 11 not configured, 12 token refused
# (401), 13 forbidden (403), 14 broker unreachable, 16 the broker still answered 429/503
# when the deadline came (the token is not spent: run the task again).

PROG=credential-broker
set -f  # no pathname expansion anywhere: values are data, never patterns
command=${1:-}
[ $# -gt 0 ] && shift
conf_in=''
ca_in=''
token_file=''
token_from_store=0
deadline=60
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

case $command in
  configure|enroll|status) ;;
  -h|--help|'') awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  *) usage_fail "unknown command: $command (configure, enroll or status)" ;;
esac

while [ $# -gt 0 ]; do
  case $1 in
    --conf-file) need_value "$@"; conf_in=$2; shift 2 ;;
    --ca-file) need_value "$@"; ca_in=$2; shift 2 ;;
    --token-file) need_value "$@"; token_file=$2; shift 2 ;;
    --token-from-store) token_from_store=1; shift ;;
    --deadline) need_value "$@"; deadline=$2; shift 2 ;;
    --state-dir) need_value "$@"; state_dir=$2; shift 2 ;;
    --log) need_value "$@"; log_file=$2; shift 2 ;;
    *) usage_fail "unknown argument: $1" ;;
  esac
done
if [ -n "$log_file" ]; then
  exec >>"$log_file" 2>&1 || exit 1
fi
[ -n "$state_dir" ] || state_dir=$default_state_dir
case $deadline in ''|*[!0-9]*) usage_fail '--deadline must be a whole number of seconds' ;; esac
umask 077

# A file or directory is trusted only if it belongs to us (root under BigFix) and nobody else
# can read it.
private_ok() {
  # shellcheck disable=SC2046,SC2012  # ls -n is the portable way to get mode and owner.
  set -- $(ls -ldn "$1" 2>/dev/null)
  [ $# -ge 3 ] || return 1
  [ "$3" = "$(id -u)" ] || return 1
  # Mode string: type, then user rwx, then group and other, which must be "------".
  case $1 in [d-]???------*) return 0 ;; esac
  return 1
}

valid_url() {
  case $1 in
    https://*) return 0 ;;
    # Plain HTTP would send secrets in clear text; allow it only to this machine.
    http://127.*|http://localhost|http://localhost[:/]*|http://\[::1\]*) return 0 ;;
  esac
  return 1
}

# Reads broker.conf-style "key=value" lines from $1 into broker_url, role_id, ca_file.
read_conf() {
  broker_url=''
  role_id=''
  ca_file=''
  while IFS= read -r line || [ -n "$line" ]; do
    line=$(printf '%s' "$line" | tr -d '\r')
    case $line in
      ''|\#*) ;;
      broker_url=*) broker_url=${line#broker_url=} ;;
      role_id=*) role_id=${line#role_id=} ;;
      ca_file=*) ca_file=${line#ca_file=} ;;
      *) return 2 ;;
    esac
  done <"$1"
  broker_url=${broker_url%/}
  return 0
}

# Writes stdin to $1 through a temporary file in the same directory, so a reader never sees
# a half-written file and the mode is 0600 from the first byte (umask 077).
write_private() {
  tmp="$1.tmp.$$"
  cat >"$tmp" || { rm -f "$tmp"; return 1; }
  chmod 600 "$tmp" && mv -f "$tmp" "$1"
}

ensure_state_dir() {
  if [ ! -d "$state_dir" ]; then
    mkdir -p "$state_dir" || fail 1 store_failed 0 - '"cannot create the state directory"'
  fi
  # ours, or refuse: someone else's directory could be swapped under us.
  # shellcheck disable=SC2046,SC2012
  set -- $(ls -ldn "$state_dir")
  [ "$3" = "$(id -u)" ] || fail 11 store_insecure 0 - '"state directory belongs to another user"'
  chmod 700 "$state_dir" || fail 1 store_failed 0 - '"cannot set the state directory to 0700"'
}

# ---------------------------------------------------------------------------------- configure
if [ "$command" = configure ]; then
  [ -n "$conf_in" ] || usage_fail 'configure needs --conf-file'
  [ -r "$conf_in" ] || fail 10 invalid_config 0 - '"--conf-file is not readable"'
  read_conf "$conf_in" || fail 10 invalid_config 0 - '"--conf-file: only broker_url= and role_id= lines are allowed"'
  valid_url "$broker_url" || fail 10 invalid_config 0 - '"broker_url must be https:// (http:// only for loopback)"'
  case $role_id in ''|*[!A-Za-z0-9._@/+=-]*) fail 10 invalid_config 0 - '"role_id missing or malformed"' ;; esac
  if [ -n "$ca_in" ]; then
    [ -r "$ca_in" ] || fail 10 invalid_config 0 - '"--ca-file is not readable"'
    grep -q -- '-----BEGIN CERTIFICATE-----' "$ca_in" || fail 10 invalid_config 0 - '"--ca-file holds no PEM certificate"'
  fi
  ensure_state_dir
  ca_file=''
  if [ -n "$ca_in" ]; then
    write_private "$state_dir/ca.pem" <"$ca_in" || fail 1 store_failed 0 - '"cannot write ca.pem"'
    ca_file="$state_dir/ca.pem"
  else
    rm -f "$state_dir/ca.pem"
  fi
  printf 'broker_url=%s\nrole_id=%s\nca_file=%s\n' "$broker_url" "$role_id" "$ca_file" \
    | write_private "$state_dir/broker.conf" || fail 1 store_failed 0 - '"cannot write broker.conf"'
  printf '%s: OK configured broker_url=%s ca=%s\n' "$PROG" "$broker_url" "${ca_file:-system}"
  exit 0
fi

# ------------------------------------------------------------------------------------- status
load_store() {
  [ -d "$state_dir" ] || fail 11 not_configured 0 - '"broker not configured on this computer: run the deploy task"'
  private_ok "$state_dir" || fail 11 store_insecure 0 - '"state directory is readable by others or not owned by this user"'
  [ -f "$state_dir/broker.conf" ] || fail 11 not_configured 0 - '"broker.conf missing: run the deploy task"'
  read_conf "$state_dir/broker.conf" || fail 11 not_configured 0 - '"broker.conf is malformed: run the deploy task"'
  valid_url "$broker_url" || fail 11 not_configured 0 - '"broker_url must be https:// (http:// only for loopback)"'
  case $role_id in ''|*[!A-Za-z0-9._@/+=-]*) fail 11 not_configured 0 - '"role_id missing or malformed: run the deploy task"' ;; esac
  if [ -n "$ca_file" ] && [ ! -r "$ca_file" ]; then fail 11 not_configured 0 - '"ca_file in broker.conf is not readable"'; fi
}

enrollment_field() {
  [ -f "$state_dir/enrollment" ] || return 0
  sed -n "s/^$1=//p" "$state_dir/enrollment" | head -n 1
}

if [ "$command" = status ]; then
  load_store
  if [ -f "$state_dir/secret_id" ] && private_ok "$state_dir/secret_id"; then
    printf '%s: OK configured=yes enrolled=yes accessor=%s expires_at=%s\n' "$PROG" \
      "$(enrollment_field accessor)" "$(enrollment_field expires_at)"
    exit 0
  fi
  fail 11 not_enrolled 0 - '"configured but not enrolled: run the enroll task"'
fi

# ------------------------------------------------------------------------------------- enroll
if [ $token_from_store -eq 1 ]; then
  [ -z "$token_file" ] || usage_fail 'give --token-file or --token-from-store, not both'
  token_file="$state_dir/wrapping_token"
fi
[ -n "$token_file" ] || usage_fail 'enroll needs --token-file FILE (or - for stdin) or --token-from-store'
command -v curl >/dev/null 2>&1 || fail 1 curl_missing 0 - '"curl is not installed"'
load_store

# The token is read with the shell's own `read` (no process sees it in its arguments) and the
# file is deleted at once: the token is single-use and must not linger on disk.
token=''
if [ "$token_file" = - ]; then
  IFS= read -r token || [ -n "$token" ]
else
  [ -r "$token_file" ] || fail 10 invalid_token 0 - '"--token-file is not readable"'
  IFS= read -r token <"$token_file" || [ -n "$token" ]
  rm -f "$token_file"
fi
token=$(printf '%s' "$token" | tr -d ' \t\r')
case $token in ''|*[!A-Za-z0-9._-]*) fail 10 invalid_token 0 - '"the wrapping token is empty or malformed"' ;; esac

tmp_dir=$(mktemp -d 2>/dev/null) || fail 1 tmp_failed 0 - '"cannot create a private temporary directory"'
body="$tmp_dir/body.json"
printf '{"role_id":"%s","wrapping_token":"%s"}' "$role_id" "$token" >"$body"
token=''

curl_quote() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g'; }
headers="$tmp_dir/headers"
response="$tmp_dir/response"
q_url=$(curl_quote "$broker_url/v1/enroll")
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
  # Options go to curl on stdin (--config -); the body (with the token) comes from a file in
  # our private temporary directory.
  http_status=$(
    {
      printf 'url = "%s"\n' "$q_url"
      printf 'request = "POST"\n'
      printf 'header = "Content-Type: application/json"\n'
      printf 'header = "Accept: application/json"\n'
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
  if [ $curl_exit -ne 0 ]; then cat "$tmp_dir/curl.err" >&2; fi
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
while :; do
  remaining=$(( deadline_at - $(now) ))
  [ $remaining -ge 1 ] || remaining=1
  call_broker "$remaining"
  request_id=$(json_top request_id <"$response" 2>/dev/null | unquote)
  [ -n "$request_id" ] || request_id=-
  if [ $curl_exit -ne 0 ]; then
    case $curl_exit in
      # Only "could not connect" is retried: once the request may have reached the broker
      # the single-use token may be spent, and a second try would look like a replay.
      6|7) last_code="curl_$curl_exit" ;;
      *) fail 14 broker_unreachable 0 - "\"curl exit $curl_exit; if the broker received the token it is spent: ask for a new one\"" ;;
    esac
  else
    err_obj=$(json_top error <"$response" 2>/dev/null)
    err_code=$(printf '%s' "$err_obj" | json_top code 2>/dev/null | unquote)
    err_msg=$(printf '%s' "$err_obj" | json_top message 2>/dev/null)
    [ -n "$err_code" ] || err_code="http_$http_status"
    case $http_status in
      200|201)
        secret_id=$(json_top secret_id <"$response" 2>/dev/null | unquote)
        accessor=$(json_top secret_id_accessor <"$response" 2>/dev/null | unquote)
        expires_at=$(json_top expires_at <"$response" 2>/dev/null | unquote)
        case $secret_id in ''|*[!A-Za-z0-9._@/+=:-]*) fail 1 bad_response 200 "$request_id" '"the broker answered without a usable secret_id"' ;; esac
        case $accessor in *[!A-Za-z0-9._-]*) accessor='' ;; esac
        case $expires_at in *[!A-Za-z0-9.:+-]*) expires_at='' ;; esac
        printf '%s\n' "$secret_id" | write_private "$state_dir/secret_id" \
          || fail 1 store_failed 200 "$request_id" '"cannot write the secret_id file"'
        secret_id=''
        printf 'accessor=%s\nexpires_at=%s\nenrolled_at=%s\n' "$accessor" "$expires_at" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
          | write_private "$state_dir/enrollment" || true
        printf '%s: OK enrolled request_id=%s accessor=%s expires_at=%s\n' "$PROG" "$request_id" "${accessor:--}" "${expires_at:--}"
        exit 0 ;;
      400|404|413|422) fail 10 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      401) fail 12 "$err_code" "$http_status" "$request_id" '"the broker refused the wrapping token (used, expired or for another role): it may have been intercepted; ask the security team for a new one"' ;;
      403) fail 13 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
      429|503) last_code=$err_code ;;
      *) fail 1 "$err_code" "$http_status" "$request_id" "$err_msg" ;;
    esac
  fi
  attempt=$(( attempt + 1 ))
  window=$(( attempt >= 5 ? 30 : (1 << attempt) ))
  ra=''
  [ $curl_exit -eq 0 ] && ra=$(retry_after)
  if [ -n "$ra" ]; then
    wait_s=$(( ra + $(rand_upto $(( window < 10 ? window : 10 ))) ))
  else
    wait_s=$(( 1 + $(rand_upto "$window") ))
  fi
  limit=$(( deadline_at - $(now) - 1 ))
  if { [ -n "$ra" ] && [ "$ra" -gt $limit ]; } || [ $limit -lt 1 ]; then
    if [ $curl_exit -ne 0 ]; then
      fail 14 broker_unreachable 0 - "\"gave up after $attempt attempt(s): $last_code\""
    fi
    fail 16 "$last_code" "$http_status" "$request_id" "\"deadline reached: still $http_status after $attempt attempt(s)\""
  fi
  [ $wait_s -le $limit ] || wait_s=$limit
  note "attempt $attempt: $last_code (status $http_status); retrying in ${wait_s}s"
  sleep "$wait_s"
done
