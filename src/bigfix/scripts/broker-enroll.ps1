# credential-broker: set up and enroll a BigFix endpoint (Windows PowerShell 5.1).
#
#   powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File broker-enroll.ps1
#       configure -ConfFile FILE [-CaFile FILE] [-StateDir DIR] [-Log FILE]
#       enroll (-TokenFile FILE | -TokenFromStore) [-Deadline SECONDS] [-StateDir DIR] [-Log FILE]
#       status [-StateDir DIR]
#
# configure  installs broker.conf (broker_url=, role_id=) and the broker's CA certificate into
#            the state directory, created with an ACL that does not inherit and grants only
#            SYSTEM and Administrators. Nothing in it is secret.
# enroll     exchanges a single-use, response-wrapped token at POST /v1/enroll for a secret_id
#            and stores it DPAPI-protected (LocalMachine scope, plus the directory ACL) in
#            secret_id.dpapi. The token is read from a file, which is deleted at once
#            (-TokenFromStore: the file wrapping_token in the state directory, where the BigFix
#            enroll task moves it), never from the command line: every local user can read
#            command lines. Exit 12 means the broker refused the token (used, expired, or for
#            another role): treat it as possibly intercepted.
# status     says whether this computer is configured and enrolled; never prints a secret.
#
# State directory: -StateDir DIR, else $env:BROKER_STATE_DIR, else
# $env:ProgramData\credential-broker.
# Exit codes (the same numbers as broker-invoke): 0 ok, 1 internal/usage, 10 invalid request
# (400/404/413/422, bad -ConfFile or token), 11 not configured, 12 token refused (401),
# 13 forbidden (403), 14 broker unreachable, 16 the broker still answered 429/503 when the
# deadline came (the token is not spent: run the task again).

param(
  [Parameter(Position = 0)]
  [string]$Command = '',
  [string]$ConfFile = '',
  [string]$CaFile = '',
  [string]$TokenFile = '',
  [switch]$TokenFromStore,
  [string]$Deadline = '60',
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

trap {
  Exit-Failed 1 'internal' '0' '-' ('"' + $_.Exception.GetType().Name + '"')
}

if ($Rest.Count -gt 0) { Exit-Usage ('unknown argument: ' + $Rest[0]) }
if (@('configure', 'enroll', 'status') -notcontains $Command) { Exit-Usage "unknown command: '$Command' (configure, enroll or status)" }
if ($Deadline -notmatch '^[0-9]+$') { Exit-Usage '-Deadline must be a whole number of seconds' }
$DeadlineSeconds = [int]$Deadline
if ($StateDir -eq '') { $StateDir = $env:BROKER_STATE_DIR }
if ([string]::IsNullOrEmpty($StateDir)) { $StateDir = Join-Path $env:ProgramData 'credential-broker' }

$SystemSid = 'S-1-5-18'
$AdminsSid = 'S-1-5-32-544'
$ConfPath = Join-Path $StateDir 'broker.conf'
$SecretPath = Join-Path $StateDir 'secret_id.dpapi'
$Entropy = [System.Text.Encoding]::UTF8.GetBytes('credential-broker secret_id v1')

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

# The store directory: created if needed, then owned by Administrators and given an ACL that
# inherits nothing and grants full control to SYSTEM and Administrators only (files created
# inside inherit it).
function Initialize-StateDir {
  if (-not (Test-Path -LiteralPath $StateDir -PathType Container)) {
    [void](New-Item -ItemType Directory -Path $StateDir -Force)
  }
  $acl = New-Object System.Security.AccessControl.DirectorySecurity
  $acl.SetOwner((New-Object System.Security.Principal.SecurityIdentifier($AdminsSid)))
  $acl.SetAccessRuleProtection($true, $false)
  foreach ($sid in @($SystemSid, $AdminsSid)) {
    $id = New-Object System.Security.Principal.SecurityIdentifier($sid)
    $inherit = [System.Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    $rule = New-Object System.Security.AccessControl.FileSystemAccessRule($id, 'FullControl', $inherit, 'None', 'Allow')
    $acl.AddAccessRule($rule)
  }
  [System.IO.Directory]::SetAccessControl($StateDir, $acl)
  if (-not (Test-PrivateAcl $StateDir $true)) {
    Exit-Failed 11 'store_insecure' '0' '-' '"cannot restrict the state directory to SYSTEM and Administrators"'
  }
}

# Writes text through a temporary file in the store, so a reader never sees half a file; the
# file inherits the store's ACL.
function Write-StoreFile([string]$Path, [string]$Text) {
  $tmp = "$Path.tmp"
  [System.IO.File]::WriteAllText($tmp, $Text, (New-Object System.Text.UTF8Encoding($false)))
  Move-Item -LiteralPath $tmp -Destination $Path -Force
}

function Test-BrokerUrl([string]$Url) {
  return ($Url -match '^https://' -or $Url -match '^http://(127\.[0-9.]+|localhost|\[::1\])(:[0-9]+)?(/.*)?$')
}

function Read-Conf([string]$Path, [bool]$Strict) {
  $conf = @{ broker_url = ''; role_id = ''; ca_file = '' }
  foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
    $line = $line.Trim()
    if ($line -eq '' -or $line.StartsWith('#')) { continue }
    $i = $line.IndexOf('=')
    $key = ''
    if ($i -gt 0) { $key = $line.Substring(0, $i) }
    if (-not $conf.ContainsKey($key)) {
      if ($Strict) { return $null }
      continue
    }
    $conf[$key] = $line.Substring($i + 1)
  }
  $conf.broker_url = $conf.broker_url.TrimEnd('/')
  return $conf
}

# ------------------------------------------------------------------------------------ configure
if ($Command -eq 'configure') {
  if ($ConfFile -eq '') { Exit-Usage 'configure needs -ConfFile' }
  if (-not (Test-Path -LiteralPath $ConfFile -PathType Leaf)) { Exit-Failed 10 'invalid_config' '0' '-' '"-ConfFile is not readable"' }
  $conf = Read-Conf $ConfFile $true
  if ($null -eq $conf -or $conf.ca_file -ne '') { Exit-Failed 10 'invalid_config' '0' '-' '"-ConfFile: only broker_url= and role_id= lines are allowed"' }
  if (-not (Test-BrokerUrl $conf.broker_url)) { Exit-Failed 10 'invalid_config' '0' '-' '"broker_url must be https:// (http:// only for loopback)"' }
  if ($conf.role_id -notmatch '^[A-Za-z0-9._@/+=-]+$') { Exit-Failed 10 'invalid_config' '0' '-' '"role_id missing or malformed"' }
  $caText = ''
  if ($CaFile -ne '') {
    if (-not (Test-Path -LiteralPath $CaFile -PathType Leaf)) { Exit-Failed 10 'invalid_config' '0' '-' '"-CaFile is not readable"' }
    $caText = [System.IO.File]::ReadAllText($CaFile)
    if ($caText -notmatch '-----BEGIN CERTIFICATE-----') { Exit-Failed 10 'invalid_config' '0' '-' '"-CaFile holds no PEM certificate"' }
  }
  Initialize-StateDir
  $caPath = ''
  $storeCa = Join-Path $StateDir 'ca.pem'
  if ($caText -ne '') {
    Write-StoreFile $storeCa $caText
    $caPath = $storeCa
  } elseif (Test-Path -LiteralPath $storeCa) {
    Remove-Item -LiteralPath $storeCa -Force
  }
  Write-StoreFile $ConfPath ("broker_url=" + $conf.broker_url + "`r`nrole_id=" + $conf.role_id + "`r`nca_file=" + $caPath + "`r`n")
  $shownCa = 'system'
  if ($caPath -ne '') { $shownCa = $caPath }
  Write-Line ("${Prog}: OK configured broker_url=" + $conf.broker_url + " ca=$shownCa") $true
  exit 0
}

# --------------------------------------------------------------------------------------- status
function Get-Store {
  if (-not (Test-Path -LiteralPath $StateDir -PathType Container)) { Exit-Failed 11 'not_configured' '0' '-' '"broker not configured on this computer: run the deploy task"' }
  if (-not (Test-PrivateAcl $StateDir $true)) { Exit-Failed 11 'store_insecure' '0' '-' '"state directory inherits permissions or grants access beyond SYSTEM and Administrators"' }
  if (-not (Test-Path -LiteralPath $ConfPath -PathType Leaf)) { Exit-Failed 11 'not_configured' '0' '-' '"broker.conf missing: run the deploy task"' }
  $conf = Read-Conf $ConfPath $false
  if (-not (Test-BrokerUrl $conf.broker_url)) { Exit-Failed 11 'not_configured' '0' '-' '"broker_url must be https:// (http:// only for loopback)"' }
  if ($conf.role_id -notmatch '^[A-Za-z0-9._@/+=-]+$') { Exit-Failed 11 'not_configured' '0' '-' '"role_id missing or malformed: run the deploy task"' }
  if ($conf.ca_file -ne '' -and -not (Test-Path -LiteralPath $conf.ca_file -PathType Leaf)) { Exit-Failed 11 'not_configured' '0' '-' '"ca_file in broker.conf is not readable"' }
  return $conf
}

function Get-EnrollmentField([string]$Name) {
  $path = Join-Path $StateDir 'enrollment'
  if (-not (Test-Path -LiteralPath $path -PathType Leaf)) { return '' }
  foreach ($line in [System.IO.File]::ReadAllLines($path)) {
    if ($line.StartsWith("$Name=")) { return $line.Substring($Name.Length + 1) }
  }
  return ''
}

if ($Command -eq 'status') {
  [void](Get-Store)
  if ((Test-Path -LiteralPath $SecretPath -PathType Leaf) -and (Test-PrivateAcl $SecretPath $false)) {
    Write-Line ("${Prog}: OK configured=yes enrolled=yes accessor=" + (Get-EnrollmentField 'accessor') + " expires_at=" + (Get-EnrollmentField 'expires_at')) $true
    exit 0
  }
  Exit-Failed 11 'not_enrolled' '0' '-' '"configured but not enrolled: run the enroll task"'
}

# --------------------------------------------------------------------------------------- enroll
if ($TokenFromStore) {
  if ($TokenFile -ne '') { Exit-Usage 'give -TokenFile or -TokenFromStore, not both' }
  $TokenFile = Join-Path $StateDir 'wrapping_token'
}
if ($TokenFile -eq '') { Exit-Usage 'enroll needs -TokenFile FILE or -TokenFromStore' }
$Conf = Get-Store

# The token is single-use: read it, then delete the file before anything else can fail.
if (-not (Test-Path -LiteralPath $TokenFile -PathType Leaf)) { Exit-Failed 10 'invalid_token' '0' '-' '"the token file is not readable"' }
$Token = ([System.IO.File]::ReadAllText($TokenFile)) -replace '\s', ''
Remove-Item -LiteralPath $TokenFile -Force
if ($Token -notmatch '^[A-Za-z0-9._-]+$') { Exit-Failed 10 'invalid_token' '0' '-' '"the wrapping token is empty or malformed"' }

[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
if ($Conf.ca_file -ne '') {
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
  [Net.ServicePointManager]::ServerCertificateValidationCallback = [CredentialBrokerTrust]::For($Conf.ca_file)
}

Add-Type -AssemblyName System.Net.Http
Add-Type -AssemblyName System.Security
$Url = $Conf.broker_url + '/v1/enroll'
$Body = ConvertTo-Json -InputObject ([ordered]@{ role_id = $Conf.role_id; wrapping_token = $Token }) -Compress
$Token = $null

function Invoke-Enroll([int]$MaxSeconds) {
  $handler = New-Object System.Net.Http.HttpClientHandler
  $client = New-Object System.Net.Http.HttpClient($handler)
  $client.Timeout = [TimeSpan]::FromSeconds([Math]::Max(1, $MaxSeconds))
  $request = New-Object System.Net.Http.HttpRequestMessage([System.Net.Http.HttpMethod]::Post, $Url)
  $request.Headers.Accept.ParseAdd('application/json')
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
    $outcome.Transport = 'connect'
    $e = $_.Exception
    while ($null -ne $e) {
      # Only "could not connect" is retried: once the request may have reached the broker the
      # single-use token may be spent, and a second try would look like a replay.
      if ($e -is [System.Net.WebException] -and $e.Status -ne [System.Net.WebExceptionStatus]::ConnectFailure -and $e.Status -ne [System.Net.WebExceptionStatus]::NameResolutionFailure) {
        $outcome.Transport = 'other'
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
  $out = Invoke-Enroll $remaining
  $doc = $null
  if ($out.Text -ne '') { try { $doc = ConvertFrom-Json -InputObject $out.Text } catch { $doc = $null } }
  $requestId = [string](Get-JsonField $doc 'request_id')
  if ($requestId -notmatch '^[A-Za-z0-9._:-]+$') { $requestId = '-' }
  $status = $out.Status
  if ($out.Transport -eq 'connect') {
    $LastCode = 'transport_connect'
  } elseif ($out.Transport -ne '') {
    Exit-Failed 14 'broker_unreachable' '0' '-' '"the connection failed after it was made; if the broker received the token it is spent: ask for a new one"'
  } else {
    $err = Get-JsonField $doc 'error'
    $errCode = [string](Get-JsonField $err 'code')
    if ($errCode -notmatch '^[A-Za-z0-9_.-]+$') { $errCode = "http_$status" }
    $errMsg = Get-JsonField $err 'message'
    $msg = ''
    if ($null -ne $errMsg) { $msg = ConvertTo-Json -InputObject ([string]$errMsg) -Compress }
    switch ($status) {
      200 {
        $secretId = [string](Get-JsonField $doc 'secret_id')
        $accessor = [string](Get-JsonField $doc 'secret_id_accessor')
        $expiresAt = [string](Get-JsonField $doc 'expires_at')
        if ($secretId -notmatch '^[A-Za-z0-9._@/+=:-]+$') { Exit-Failed 1 'bad_response' '200' $requestId '"the broker answered without a usable secret_id"' }
        if ($accessor -notmatch '^[A-Za-z0-9._-]*$') { $accessor = '' }
        if ($expiresAt -notmatch '^[A-Za-z0-9.:+-]*$') { $expiresAt = '' }
        $plain = [System.Text.Encoding]::UTF8.GetBytes($secretId)
        $blob = [System.Security.Cryptography.ProtectedData]::Protect($plain, $Entropy, [System.Security.Cryptography.DataProtectionScope]::LocalMachine)
        [Array]::Clear($plain, 0, $plain.Length)
        $secretId = $null
        Write-StoreFile $SecretPath ([Convert]::ToBase64String($blob))
        Write-StoreFile (Join-Path $StateDir 'enrollment') ("accessor=$accessor`r`nexpires_at=$expiresAt`r`nenrolled_at=" + (Get-Date).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") + "`r`n")
        if ($accessor -eq '') { $accessor = '-' }
        if ($expiresAt -eq '') { $expiresAt = '-' }
        Write-Line "${Prog}: OK enrolled request_id=$requestId accessor=$accessor expires_at=$expiresAt" $true
        exit 0
      }
      { @(400, 404, 413, 422) -contains $_ } { Exit-Failed 10 $errCode $status $requestId $msg }
      401 { Exit-Failed 12 $errCode $status $requestId '"the broker refused the wrapping token (used, expired or for another role): it may have been intercepted; ask the security team for a new one"' }
      403 { Exit-Failed 13 $errCode $status $requestId $msg }
      { @(429, 503) -contains $_ } { $LastCode = $errCode }
      default { Exit-Failed 1 $errCode $status $requestId $msg }
    }
  }
  $Attempt += 1
  if ($Attempt -ge 5) { $window = 30 } else { $window = [int][Math]::Pow(2, $Attempt) }
  $ra = $out.RetryAfter
  if ($null -ne $ra) {
    $wait = $ra + (Get-Random -Minimum 0 -Maximum ([Math]::Min($window, 10) + 1))
  } else {
    $wait = 1 + (Get-Random -Minimum 0 -Maximum ($window + 1))
  }
  $limit = [int][Math]::Floor(($DeadlineAt - (Get-Date)).TotalSeconds) - 1
  if (($null -ne $ra -and $ra -gt $limit) -or $limit -lt 1) {
    if ($out.Transport -ne '') { Exit-Failed 14 'broker_unreachable' '0' '-' "`"gave up after $Attempt attempt(s): $LastCode`"" }
    Exit-Failed 16 $LastCode $status $requestId "`"deadline reached: still $status after $Attempt attempt(s)`""
  }
  if ($wait -gt $limit) { $wait = $limit }
  Write-Note "attempt ${Attempt}: $LastCode (status $status); retrying in ${wait}s"
  Start-Sleep -Seconds $wait
}
