# credential-broker: invoke one broker action from a BigFix endpoint (Windows PowerShell 5.1).
#
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File broker-invoke.ps1
#       -Action NAME -ComputerId ID -ActionId ID [-ParamsKv FILE | -ParamsJson FILE]
#       [-Deadline SECONDS] [-StateDir DIR] [-Log FILE]
#
# Runs as SYSTEM under the BigFix client. role_id and secret_id come from the protected store
# written by broker-enroll.ps1, never from the command line: every local user can read the
# command line of every process. One result line goes to stdout (and to -Log); diagnostics go
# to stderr; no secret is ever printed.
#
# Protected store: -StateDir DIR, else $env:BROKER_STATE_DIR, else
# $env:ProgramData\credential-broker. The directory must not inherit permissions and may only
# grant access to SYSTEM and Administrators. It holds broker.conf (broker_url=, role_id=,
# ca_file=) and secret_id.dpapi (the secret_id, DPAPI-protected for this machine).
#
# Exit codes (the same as broker-invoke.sh; README "BigFix content"):
#   0  success                     10 invalid parameters (400/404/413/422, or a bad -ParamsKv)
#   11 not configured/enrolled     12 unauthorized (401)       13 forbidden (403)
#   14 broker unreachable (no connection, TLS failure) until the deadline
#   15 target failed (502)
#   16 timed out: the target timed out (504), or the broker still said "wait" (429, 503,
#      409 in flight) when the deadline came
#   1  internal error, bad usage or unexpected response
# Idempotency-Key is <computer id>-<action id>, so retries here and re-runs of the same
# BigFix action never call the target twice. Retry policy: src/bigfix/retry-policy.ts.

param(
  [string]$Action = '',
  [string]$ComputerId = '',
  [string]$ActionId = '',
  [string]$ParamsKv = '',
  [string]$ParamsJson = '',
  [string]$Deadline = '120',
  [string]$StateDir = '',
  [string]$Log = '',
  [Parameter(ValueFromRemainingArguments = $true)]
  [string[]]$Rest = @()
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Prog = 'credential-broker'

function Write-Line([string]$Line, [bool]$ToStdout) {
  if ($ToStdout) { [Console]::Out.WriteLine($Line) } else { [Console]::Error.WriteLine($Line) }
  if ($script:Log -ne '') {
    try { [System.IO.File]::AppendAllText($script:Log, $Line + "`r`n") } catch { }
  }
}

function Write-Note([string]$Message) { Write-Line "${Prog}: $Message" $false }

# fail EXIT CODE STATUS REQUEST_ID [MESSAGE]: the one result line, then exit.
function Exit-Failed([int]$Exit, [string]$Code, [string]$Status, [string]$RequestId, [string]$Message = '') {
  if ($RequestId -eq '') { $RequestId = '-' }
  $line = "${Prog}: FAILED code=$Code status=$Status request_id=$RequestId exit=$Exit"
  if ($Message -ne '') { $line += " message=$Message" }
  Write-Line $line $true
  exit $Exit
}

function Exit-Usage([string]$Message) {
  Write-Note $Message
  Exit-Failed 1 'usage' '0' '-' ('"' + $Message + '"')
}

# Anything unexpected still ends with one result line. Only the exception's type is shown:
# its message could quote a file's contents.
trap {
  Exit-Failed 1 'internal' '0' '-' ('"' + $_.Exception.GetType().Name + '"')
}

if ($Rest.Count -gt 0) { Exit-Usage ('unknown argument: ' + $Rest[0]) }

# Everything that goes into a header or the URL is checked here, so no value can inject a
# header line or change the path.
$SafeName = '^[A-Za-z0-9._-]+$'
if ($Action -notmatch $SafeName) { Exit-Usage '-Action must be a name of letters, digits, . _ -' }
if ($ComputerId -notmatch $SafeName) { Exit-Usage '-ComputerId must be letters, digits, . _ -' }
if ($ActionId -notmatch $SafeName) { Exit-Usage '-ActionId must be letters, digits, . _ -' }
if ($Deadline -notmatch '^[0-9]+$') { Exit-Usage '-Deadline must be a whole number of seconds' }
$DeadlineSeconds = [int]$Deadline
if ($ParamsKv -ne '' -and $ParamsJson -ne '') { Exit-Usage 'give -ParamsKv or -ParamsJson, not both' }

if ($StateDir -eq '') { $StateDir = $env:BROKER_STATE_DIR }
if ([string]::IsNullOrEmpty($StateDir)) { $StateDir = Join-Path $env:ProgramData 'credential-broker' }

# --- the protected store ---------------------------------------------------------------------
$SystemSid = 'S-1-5-18'
$AdminsSid = 'S-1-5-32-544'

# True when SYSTEM or Administrators own it, only they are granted anything, and (for the store
# directory) nothing is inherited from a parent that others can change. The owner matters:
# any user may create a folder in ProgramData, and its owner can rewrite its ACL later.
function Test-PrivateAcl([string]$Path, [bool]$MustBeProtected) {
  $acl = Get-Acl -LiteralPath $Path
  $owner = $acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
  if ($owner -ne $SystemSid -and $owner -ne $AdminsSid) { return $false }
  if ($MustBeProtected -and -not $acl.AreAccessRulesProtected) { return $false }
  foreach ($rule in $acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
    if ($rule.AccessControlType -ne [System.Security.AccessControl.AccessControlType]::Allow) { continue }
    $sid = $rule.IdentityReference.Value
    if ($sid -ne $SystemSid -and $sid -ne $AdminsSid) { return $false }
  }
  return $true
}

function Read-Conf([string]$Path) {
  $conf = @{ broker_url = ''; role_id = ''; ca_file = '' }
  foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
    $line = $line.Trim()
    if ($line -eq '' -or $line.StartsWith('#')) { continue }
    $i = $line.IndexOf('=')
    if ($i -lt 1) { continue }
    $key = $line.Substring(0, $i)
    if ($conf.ContainsKey($key)) { $conf[$key] = $line.Substring($i + 1) }
  }
  return $conf
}

if (-not (Test-Path -LiteralPath $StateDir -PathType Container)) {
  Exit-Failed 11 'not_configured' '0' '-' '"broker not configured on this computer: run the deploy task"'
}
if (-not (Test-PrivateAcl $StateDir $true)) {
  Exit-Failed 11 'store_insecure' '0' '-' '"state directory inherits permissions or grants access beyond SYSTEM and Administrators"'
}
$ConfPath = Join-Path $StateDir 'broker.conf'
if (-not (Test-Path -LiteralPath $ConfPath -PathType Leaf)) {
  Exit-Failed 11 'not_configured' '0' '-' '"broker.conf missing: run the deploy task"'
}
$Conf = Read-Conf $ConfPath
$BrokerUrl = $Conf.broker_url.TrimEnd('/')
# Plain HTTP would send the secret_id in clear text; allow it only to this machine.
if ($BrokerUrl -notmatch '^https://' -and $BrokerUrl -notmatch '^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/.*)?$') {
  Exit-Failed 11 'not_configured' '0' '-' '"broker_url must be https:// (http:// only for loopback)"'
}
$RoleId = $Conf.role_id
if ($RoleId -notmatch '^[A-Za-z0-9._@/+=-]+$') {
  Exit-Failed 11 'not_configured' '0' '-' '"role_id missing or malformed in broker.conf: run the deploy task"'
}
$CaFile = $Conf.ca_file
if ($CaFile -ne '' -and -not (Test-Path -LiteralPath $CaFile -PathType Leaf)) {
  Exit-Failed 11 'not_configured' '0' '-' '"ca_file in broker.conf is not readable"'
}

$SecretPath = Join-Path $StateDir 'secret_id.dpapi'
if (-not (Test-Path -LiteralPath $SecretPath -PathType Leaf)) {
  Exit-Failed 11 'not_enrolled' '0' '-' '"no secret_id on this computer: run the enroll task"'
}
if (-not (Test-PrivateAcl $SecretPath $false)) {
  Exit-Failed 11 'store_insecure' '0' '-' '"secret_id.dpapi grants access beyond SYSTEM and Administrators"'
}
Add-Type -AssemblyName System.Security
# Entropy ties the blob to this tool: another program calling Unprotect without it fails.
$Entropy = [System.Text.Encoding]::UTF8.GetBytes('credential-broker secret_id v1')
try {
  $blob = [Convert]::FromBase64String(([System.IO.File]::ReadAllText($SecretPath)).Trim())
  $plain = [System.Security.Cryptography.ProtectedData]::Unprotect($blob, $Entropy, [System.Security.Cryptography.DataProtectionScope]::LocalMachine)
  $SecretId = [System.Text.Encoding]::UTF8.GetString($plain)
  [Array]::Clear($plain, 0, $plain.Length)
} catch {
  Exit-Failed 11 'not_enrolled' '0' '-' '"secret_id.dpapi cannot be read on this computer: run the enroll task"'
}
if ($SecretId -notmatch '^[A-Za-z0-9._@/+=:-]+$') {
  Exit-Failed 11 'not_enrolled' '0' '-' '"secret_id is malformed: run the enroll task"'
}

# --- the request body ------------------------------------------------------------------------
# -ParamsKv: one "name=value" per line (a string), or "name:int=", "name:num=", "name:bool=",
# "name:json=" for typed values; a name ending in "?" ("count?:int=") is left out when its
# value is empty. The BigFix task writes this file with createfile.
function Read-ParamsKv([string]$Path) {
  if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) {
    Exit-Failed 10 'invalid_parameters' '0' '-' '"-ParamsKv file is not readable"'
  }
  $params = [ordered]@{}
  foreach ($raw in [System.IO.File]::ReadAllLines($Path)) {
    $line = $raw.TrimEnd("`r")
    if ($line -eq '' -or $line.StartsWith('#')) { continue }
    $i = $line.IndexOf('=')
    if ($i -lt 0) { Exit-Failed 10 'invalid_parameters' '0' '-' '"-ParamsKv line without ="' }
    $name = $line.Substring(0, $i)
    $value = $line.Substring($i + 1)
    $type = 'string'
    $j = $name.IndexOf(':')
    if ($j -ge 0) { $type = $name.Substring($j + 1); $name = $name.Substring(0, $j) }
    $optional = $name.EndsWith('?')
    if ($optional) { $name = $name.Substring(0, $name.Length - 1) }
    if ($name -notmatch '^[A-Za-z0-9_.-]+$') { Exit-Failed 10 'invalid_parameters' '0' '-' '"-ParamsKv: bad parameter name"' }
    if ($optional -and $value -eq '') { continue }
    switch ($type) {
      'string' {
        if ($value -match '[\x00-\x08\x0A-\x1F\x7F]') { Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name holds a control character`"" }
        $params[$name] = $value
      }
      'int' {
        if ($value -notmatch '^-?[0-9]+$') { Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name is not an integer`"" }
        $params[$name] = [long]$value
      }
      'num' {
        $d = 0.0
        if (-not [double]::TryParse($value, [System.Globalization.NumberStyles]::Float, [System.Globalization.CultureInfo]::InvariantCulture, [ref]$d)) {
          Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name is not a number`""
        }
        $params[$name] = $d
      }
      'bool' {
        if ($value -ceq 'true') { $params[$name] = $true }
        elseif ($value -ceq 'false') { $params[$name] = $false }
        else { Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name is not true or false`"" }
      }
      'json' {
        try { $params[$name] = ConvertFrom-Json -InputObject $value } catch { Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name is not JSON`"" }
      }
      default { Exit-Failed 10 'invalid_parameters' '0' '-' "`"parameter $name has unknown type $type`"" }
    }
  }
  return $params
}

if ($ParamsKv -ne '') {
  $Body = ConvertTo-Json -InputObject (Read-ParamsKv $ParamsKv) -Compress -Depth 20
} elseif ($ParamsJson -ne '') {
  if (-not (Test-Path -LiteralPath $ParamsJson -PathType Leaf)) { Exit-Failed 10 'invalid_parameters' '0' '-' '"-ParamsJson file is not readable"' }
  $Body = [System.IO.File]::ReadAllText($ParamsJson)
} else {
  $Body = '{}'
}

# --- TLS ---------------------------------------------------------------------------------------
# Windows PowerShell 5.1 on older systems offers only TLS 1.0 by default: switch 1.2 on.
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
if ($CaFile -ne '') {
  # The broker's certificate must chain to the CA from broker.conf (deployed by the deploy
  # task). Compiled C#, because a PowerShell script block cannot run on the thread that
  # validates certificates.
  Add-Type -Language CSharp -TypeDefinition @'
using System;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
public static class CredentialBrokerTrust
{
    private static X509Certificate2 ca;
    public static RemoteCertificateValidationCallback For(string caPath)
    {
        ca = new X509Certificate2(caPath);
        return Check;
    }
    private static bool Check(object sender, X509Certificate certificate, X509Chain systemChain, SslPolicyErrors errors)
    {
        if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        X509Chain chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.AllowUnknownCertificateAuthority;
        chain.ChainPolicy.ExtraStore.Add(ca);
        if (!chain.Build(new X509Certificate2(certificate))) return false;
        X509Certificate2 root = chain.ChainElements[chain.ChainElements.Count - 1].Certificate;
        return string.Equals(root.Thumbprint, ca.Thumbprint, StringComparison.OrdinalIgnoreCase);
    }
}
'@
  [Net.ServicePointManager]::ServerCertificateValidationCallback = [CredentialBrokerTrust]::For($CaFile)
}

# --- the call ----------------------------------------------------------------------------------
Add-Type -AssemblyName System.Net.Http
$Url = "$BrokerUrl/v1/actions/$Action"
$IdemKey = "$ComputerId-$ActionId"
# The credentials exist only in this process: in the Authorization header of each request.
$Basic = [Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes("${RoleId}:${SecretId}"))
$SecretId = $null

function Invoke-Broker([int]$MaxSeconds) {
  $handler = New-Object System.Net.Http.HttpClientHandler
  $client = New-Object System.Net.Http.HttpClient($handler)
  $client.Timeout = [TimeSpan]::FromSeconds([Math]::Max(1, $MaxSeconds))
  $request = New-Object System.Net.Http.HttpRequestMessage([System.Net.Http.HttpMethod]::Post, $Url)
  $request.Headers.Authorization = New-Object System.Net.Http.Headers.AuthenticationHeaderValue('Basic', $Basic)
  $request.Headers.Accept.ParseAdd('application/json')
  [void]$request.Headers.TryAddWithoutValidation('Idempotency-Key', $IdemKey)
  $request.Content = New-Object System.Net.Http.StringContent($Body, [System.Text.Encoding]::UTF8, 'application/json')
  $outcome = @{ Status = 0; Text = ''; RetryAfter = $null; Transport = '' }
  try {
    $response = $client.SendAsync($request).GetAwaiter().GetResult()
    $outcome.Status = [int]$response.StatusCode
    $outcome.Text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    $ra = $response.Headers.RetryAfter
    if ($null -ne $ra -and $null -ne $ra.Delta) { $outcome.RetryAfter = [int][Math]::Ceiling($ra.Delta.TotalSeconds) }
  } catch [System.Threading.Tasks.TaskCanceledException] {
    $outcome.Transport = 'timeout'
  } catch {
    # Could not resolve or connect (retried: the Idempotency-Key makes it safe), or a TLS
    # failure (not retried: it will not get better).
    $outcome.Transport = 'connect'
    $e = $_.Exception
    while ($null -ne $e) {
      if ($e -is [System.Net.WebException] -and ($e.Status -eq [System.Net.WebExceptionStatus]::TrustFailure -or $e.Status -eq [System.Net.WebExceptionStatus]::SecureChannelFailure)) {
        $outcome.Transport = 'tls'
      }
      $e = $e.InnerException
    }
  } finally {
    $request.Dispose()
    $client.Dispose()
  }
  return $outcome
}

function Get-JsonField($Object, [string]$Name) {
  if ($null -eq $Object) { return $null }
  $p = $Object.PSObject.Properties[$Name]
  if ($null -eq $p) { return $null }
  # The comma keeps an array an array (a function's output is otherwise unrolled).
  return ,$p.Value
}

$DeadlineAt = (Get-Date).AddSeconds($DeadlineSeconds)
$Attempt = 0
$LastCode = ''
while ($true) {
  $remaining = [int][Math]::Floor(($DeadlineAt - (Get-Date)).TotalSeconds)
  if ($remaining -lt 1) { $remaining = 1 }
  $out = Invoke-Broker $remaining
  $doc = $null
  if ($out.Text -ne '') { try { $doc = ConvertFrom-Json -InputObject $out.Text } catch { $doc = $null } }
  $requestId = [string](Get-JsonField $doc 'request_id')
  if ($requestId -notmatch '^[A-Za-z0-9._:-]+$') { $requestId = '-' }
  $status = $out.Status
  if ($out.Transport -eq 'tls') {
    Exit-Failed 14 'broker_unreachable' '0' '-' '"TLS failure: check ca_file and the broker certificate"'
  } elseif ($out.Transport -ne '') {
    $LastCode = 'transport_' + $out.Transport
  } else {
    $err = Get-JsonField $doc 'error'
    $errCode = [string](Get-JsonField $err 'code')
    if ($errCode -notmatch '^[A-Za-z0-9_.-]+$') { $errCode = "http_$status" }
    $errMsg = Get-JsonField $err 'message'
    $msg = ''
    if ($null -ne $errMsg) { $msg = ConvertTo-Json -InputObject ([string]$errMsg) -Compress }
    switch ($status) {
      { $_ -eq 200 -or $_ -eq 201 } {
        $result = 'null'
        $r = Get-JsonField $doc 'result'
        if ($null -ne $r) { $result = ConvertTo-Json -InputObject $r -Compress -Depth 20 }
        Write-Line "${Prog}: OK action=$Action request_id=$requestId result=$result" $true
        exit 0
      }
      { @(400, 404, 413, 422) -contains $_ } { Exit-Failed 10 $errCode $status $requestId $msg }
      401 { Exit-Failed 12 $errCode $status $requestId $msg }
      403 { Exit-Failed 13 $errCode $status $requestId $msg }
      502 { Exit-Failed 15 $errCode $status $requestId $msg }
      504 { Exit-Failed 16 $errCode $status $requestId $msg }
      { @(409, 429, 503) -contains $_ } { $LastCode = $errCode }
      default { Exit-Failed 1 $errCode $status $requestId $msg }
    }
  }
  # Back off (src/bigfix/retry-policy.ts): honour Retry-After when the broker sends it, plus
  # jitter so that many endpoints told to wait the same time do not come back together.
  $Attempt += 1
  if ($Attempt -ge 5) { $window = 30 } else { $window = [int][Math]::Pow(2, $Attempt) }
  $ra = $out.RetryAfter
  if ($null -ne $ra) {
    $wait = $ra + (Get-Random -Minimum 0 -Maximum ([Math]::Min($window, 10) + 1))
  } else {
    $wait = 1 + (Get-Random -Minimum 0 -Maximum ($window + 1))
  }
  # Never sleep past the deadline, and never come back before Retry-After.
  $limit = [int][Math]::Floor(($DeadlineAt - (Get-Date)).TotalSeconds) - 1
  if (($null -ne $ra -and $ra -gt $limit) -or $limit -lt 1) {
    if ($LastCode -eq 'transport_timeout') {
      Exit-Failed 16 'timed_out' '0' '-' "`"deadline reached: the broker did not answer in time ($Attempt attempt(s))`""
    } elseif ($out.Transport -ne '') {
      Exit-Failed 14 'broker_unreachable' '0' '-' "`"gave up after $Attempt attempt(s): $LastCode`""
    }
    Exit-Failed 16 $LastCode $status $requestId "`"deadline reached: still $status after $Attempt attempt(s)`""
  }
  if ($wait -gt $limit) { $wait = $limit }
  Write-Note "attempt ${Attempt}: $LastCode (status $status); retrying in ${wait}s"
  Start-Sleep -Seconds $wait
}
