/**
 * `credential-broker fixlet generate`: BigFix Tasks for one broker action.
 *
 * For each OS it writes three Tasks:
 * - invoke: writes broker-invoke (.ps1 / .sh) with `createfile until`, writes the
 *   parameters (from action parameters the operator fills in, or from client relevance)
 *   to a key=value file, runs the script with `<computer id>-<action id>` as the
 *   Idempotency-Key, and fails the action when the script's exit code is not 0;
 * - deploy role ID: writes broker.conf (broker URL, the group's role_id, optional CA) into
 *   the protected store through `broker-enroll configure`;
 * - enroll: takes the wrapping token as a **secure parameter** (console form calling
 *   TakeSecureFixletAction, or <SecureParameter> through the REST API), moves it into the
 *   protected store and runs `broker-enroll enroll`.
 *
 * Nothing secret is ever part of a Task: the role_id is not secret (and optional), the
 * wrapping token only arrives with the action, and nothing else from the config is used
 * but the action's name, description and parameter schema.
 */
import type { ActionConfig, BrokerConfig, ParameterConfig } from '../config';
import { createFile, createScriptFile, escapeBraces, queryText, substitution } from './action-script';
import { renderBesTask, xmlAttr, type BesTask } from './bes-xml';
import { readEndpointScript } from './endpoint-scripts';
import { EXIT_CODES } from './exit-codes';

export type FixletOs = 'windows' | 'linux';

export interface FixletOptions {
  action: string;
  os: readonly FixletOs[];
  /** Written into the deploy Task; without it the operator is asked when taking the action. */
  brokerUrl?: string;
  /** The group's role_id (`vault bootstrap --print-role-ids`); without it the operator is asked. */
  roleId?: string;
  /** The endpoint group the deploy Task is for (titles and file names only). */
  group?: string;
  /** PEM of the CA that signed the broker's certificate (public; goes into the deploy Task). */
  caPem?: string;
  /** Parameter name → client relevance that supplies its value instead of an action parameter. */
  relevanceParams?: Readonly<Record<string, string>>;
  /** The scripts' --deadline: how long they keep retrying 429/503 and connection failures. */
  deadlineSeconds?: number;
  now?: Date;
}

export interface GeneratedFixlet {
  fileName: string;
  title: string;
  xml: string;
}

/** Bad generator input (unknown action or parameter, malformed URL or role ID). */
export class FixletInputError extends Error {
  override readonly name = 'FixletInputError';
}

const PS_EXE = '"{pathname of system folder}\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -NonInteractive -ExecutionPolicy Bypass -File';
const STORE_RELEVANCE: Record<FixletOs, string> = {
  windows: '(value of variable "ProgramData" of environment) & "\\credential-broker"',
  linux: 'if exists folder "/Library/Application Support" then "/Library/Application Support/credential-broker" else "/var/lib/credential-broker"',
};
const OS_RELEVANCE: Record<FixletOs, string> = { windows: 'windows of operating system', linux: 'not windows of operating system' };
const OS_LABEL: Record<FixletOs, string> = { windows: 'Windows', linux: 'Linux/macOS' };
const SCRIPT_END = '__CREDENTIAL_BROKER_SCRIPT_END__';

const pad = (n: number) => String(n).padStart(2, '0');
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** The date form of exported content's x-fixlet-modification-time, e.g. "Fri, 04 Dec 2026 07:59:11 +0000". */
function mimeDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Text for the HTML description (which renderBesTask then escapes once more as XML). */
function html(text: string): string {
  return xmlAttr(text);
}

function exitCodeTable(): string {
  const rows = EXIT_CODES.map((e) => `<tr><td>${e.code}</td><td>${html(e.name)}</td><td>${html(e.meaning)}</td></tr>`).join('');
  return `<table border="1" cellpadding="3"><tr><th>exit code</th><th>meaning</th><th>when</th></tr>${rows}</table>`;
}

/** "string, 1-200 characters", "integer, 1..5, optional", … for the operator's prompt. */
function describeParameter(name: string, p: ParameterConfig): string {
  const bits: string[] = [p.type];
  if (p.type === 'string') {
    if (p.min_length !== undefined) bits.push(`${p.min_length}-${p.max_length} characters`);
    else bits.push(`up to ${p.max_length} characters`);
    if (p.enum) bits.push(`one of ${p.enum.join(', ')}`);
    if (p.pattern) bits.push(`matching ${p.pattern}`);
  } else if (p.type === 'integer' || p.type === 'number') {
    if (p.minimum !== undefined || p.maximum !== undefined) bits.push(`${p.minimum ?? ''}..${p.maximum ?? ''}`);
    if (p.type === 'integer' && p.enum) bits.push(`one of ${p.enum.join(', ')}`);
  } else {
    bits.push('true or false');
  }
  if (!p.required) bits.push('optional, leave empty to omit');
  return `${p.description ? `${p.description} ` : ''}(${name}: ${bits.join(', ')})`;
}

const KV_TYPE: Record<ParameterConfig['type'], string> = { string: '', integer: ':int', number: ':num', boolean: ':bool' };

interface ParameterPlan {
  queries: string[];
  kvLines: string[];
  docs: string[];
}

function planParameters(action: ActionConfig, relevance: Readonly<Record<string, string>>): ParameterPlan {
  const plan: ParameterPlan = { queries: [], kvLines: [], docs: [] };
  for (const [name, p] of Object.entries(action.parameters)) {
    // "name?" marks an optional parameter: the script leaves it out when its value is empty.
    const key = `${name}${p.required ? '' : '?'}${KV_TYPE[p.type]}`;
    const fromRelevance = relevance[name];
    if (fromRelevance !== undefined) {
      plan.kvLines.push(`${key}=${substitution(fromRelevance)}`);
      plan.docs.push(`<li><b>${html(name)}</b>: from client relevance <code>${html(fromRelevance)}</code>: ${html(describeParameter(name, p))}</li>`);
    } else {
      const query = `action parameter query "${name}" with description "${queryText(describeParameter(name, p))}"`;
      plan.queries.push(p.required ? query : `${query} and with default value ""`);
      plan.kvLines.push(`${key}={parameter "${name}" of action}`);
      plan.docs.push(`<li><b>${html(name)}</b>: asked when the action is taken: ${html(describeParameter(name, p))}</li>`);
    }
  }
  return plan;
}

function checkOptions(config: BrokerConfig, o: FixletOptions): ActionConfig {
  const action = config.actions[o.action];
  if (!action) {
    throw new FixletInputError(`unknown action "${o.action}"; the config has: ${Object.keys(config.actions).sort().join(', ') || 'none'}`);
  }
  for (const name of Object.keys(o.relevanceParams ?? {})) {
    if (!(name in action.parameters)) {
      throw new FixletInputError(`--param ${name}: action "${o.action}" has no such parameter (it has: ${Object.keys(action.parameters).join(', ') || 'none'})`);
    }
  }
  if (o.brokerUrl !== undefined) {
    const ok = /^https:\/\/[A-Za-z0-9.:[\]-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/.test(o.brokerUrl) || /^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?\/?$/.test(o.brokerUrl);
    if (!ok) throw new FixletInputError('--broker-url must be an https:// URL (http:// only for loopback) without query, spaces or braces');
  }
  if (o.roleId !== undefined && !/^[A-Za-z0-9._@/+=-]{1,200}$/.test(o.roleId)) {
    throw new FixletInputError('--role-id may hold only letters, digits and . _ @ / + = -');
  }
  if (o.group !== undefined && !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(o.group)) throw new FixletInputError('--group must be an endpoint group name');
  if (o.caPem !== undefined) {
    const lines = o.caPem.replace(/\r\n/g, '\n').trim().split('\n');
    const pemOnly = lines.every((l) => /^-----(BEGIN|END) CERTIFICATE-----$/.test(l) || /^[A-Za-z0-9+/=]+$/.test(l));
    if (!pemOnly || !lines.includes('-----BEGIN CERTIFICATE-----')) throw new FixletInputError('--ca-file must hold PEM certificates only');
  }
  const d = o.deadlineSeconds;
  if (d !== undefined && (!Number.isInteger(d) || d < 1 || d > 3600)) throw new FixletInputError('--deadline must be 1..3600 seconds');
  return action;
}

function baseTask(os: FixletOs, now: Date, sourceId: string): Pick<BesTask, 'category' | 'source' | 'sourceId' | 'sourceReleaseDate' | 'mimeFields' | 'domain'> {
  return {
    category: 'credential-broker',
    source: 'credential-broker',
    sourceId: `${sourceId}-${os}`,
    sourceReleaseDate: now.toISOString().slice(0, 10),
    mimeFields: [{ name: 'x-fixlet-modification-time', value: mimeDate(now) }],
    domain: 'BESC',
  };
}

function header(os: FixletOs, what: string): string[] {
  return [
    `// credential-broker: ${what}. Generated by \`credential-broker fixlet generate\`; edit the config and regenerate rather than this script.`,
    ...(os === 'windows' ? ['action uses wow64 redirection {not x64 of operating system}'] : []),
  ];
}

function invokeTask(action: ActionConfig, o: FixletOptions, os: FixletOs, now: Date): GeneratedFixlet {
  const plan = planParameters(action, o.relevanceParams ?? {});
  const deadline = o.deadlineSeconds ?? 120;
  const script = os === 'windows' ? 'broker-invoke.ps1' : 'broker-invoke.sh';
  const run =
    os === 'windows'
      ? `waithidden ${PS_EXE} broker-invoke.ps1 -Action ${o.action} -ComputerId {computer id} -ActionId {id of active action} -ParamsKv broker-params.kv -Deadline ${deadline} -Log broker-invoke.log`
      : `wait /bin/sh broker-invoke.sh --action ${o.action} --computer-id {computer id} --action-id {id of active action} --params-kv broker-params.kv --deadline ${deadline} --log broker-invoke.log`;
  const lines = [
    ...header(os, `invoke broker action "${o.action}"`),
    ...plan.queries,
    ...createScriptFile(SCRIPT_END, readEndpointScript(script), script),
    ...createFile('__CREDENTIAL_BROKER_PARAMS_END__', plan.kvLines, 'broker-params.kv'),
    '// Idempotency-Key = <computer id>-<action id>: retries and re-runs of this action never call the tool twice.',
    run,
    'delete broker-params.kv',
    '// A non-zero exit code does not fail an action by itself; this line does (exit codes: see the description).',
    'continue if {exit code of action = 0}',
  ];
  const title = `credential-broker: invoke ${o.action} - ${OS_LABEL[os]}`;
  const description = [
    `<p>Runs the credential broker action <b>${html(o.action)}</b>${action.description ? `: ${html(action.description.trim().replace(/\.$/, ''))}` : ''}.`,
    ' The broker holds the tool&#39;s API key; this computer only proves who it is with the secret ID stored by the <i>enroll</i> Task.</p>',
    `<p>Parameters:</p><ul>${plan.docs.join('') || '<li>none</li>'}</ul>`,
    `<p>Requires the <i>deploy role ID</i> and <i>enroll</i> Tasks to have run on this computer. The script retries 429/503 answers and connection failures for up to ${deadline} seconds with the same Idempotency-Key (computer ID and action ID), so a retried or re-run action never calls the tool twice.`,
    ` Its result line is appended to broker-invoke.log in this site&#39;s folder on the computer; the action is <b>Failed</b> when the exit code is not 0:</p>`,
    exitCodeTable(),
  ].join('');
  return {
    fileName: `credential-broker-invoke-${o.action}-${os}.bes`,
    title,
    xml: renderBesTask({
      title,
      descriptionHtml: description,
      relevance: [OS_RELEVANCE[os]],
      ...baseTask(os, now, `invoke-${o.action}`),
      action: {
        id: 'Action1',
        linkText: { pre: 'Click ', link: 'here', post: ` to invoke ${o.action} through the credential broker.` },
        script: lines.join('\n'),
        mimeType: 'application/x-Fixlet-Windows-Shell',
      },
    }),
  };
}

function deployTask(o: FixletOptions, os: FixletOs, now: Date, groups: string[]): GeneratedFixlet {
  const script = os === 'windows' ? 'broker-enroll.ps1' : 'broker-enroll.sh';
  const queries: string[] = [];
  if (o.brokerUrl === undefined) queries.push('action parameter query "broker_url" with description "The broker URL, https://host:port"');
  if (o.roleId === undefined) queries.push(`action parameter query "role_id" with description "The role_id of the endpoint group${groups.length ? ` (${groups.join(' or ')})` : ''}, from vault bootstrap --print-role-ids"`);
  const conf = [
    `broker_url=${o.brokerUrl !== undefined ? o.brokerUrl : '{parameter "broker_url" of action}'}`,
    `role_id=${o.roleId !== undefined ? o.roleId : '{parameter "role_id" of action}'}`,
  ];
  const caLines = o.caPem ? escapeBraces(o.caPem.replace(/\r\n/g, '\n').trim()).split('\n') : [];
  const caArg = o.caPem ? (os === 'windows' ? ' -CaFile broker-ca.pem' : ' --ca-file broker-ca.pem') : '';
  const run =
    os === 'windows'
      ? `waithidden ${PS_EXE} broker-enroll.ps1 configure -ConfFile broker-conf.in${caArg} -Log broker-enroll.log`
      : `wait /bin/sh broker-enroll.sh configure --conf-file broker-conf.in${caArg} --log broker-enroll.log`;
  const lines = [
    ...header(os, 'deploy the broker URL and role ID'),
    ...queries,
    ...createScriptFile(SCRIPT_END, readEndpointScript(script), script),
    ...createFile('__CREDENTIAL_BROKER_CONF_END__', conf, 'broker-conf.in'),
    ...(o.caPem ? createFile('__CREDENTIAL_BROKER_CA_END__', caLines, 'broker-ca.pem') : []),
    run,
    'delete broker-conf.in',
    ...(o.caPem ? ['delete broker-ca.pem'] : []),
    'continue if {exit code of action = 0}',
  ];
  const group = o.group ?? (groups.length === 1 ? groups[0] : undefined);
  const title = `credential-broker: deploy role ID${group ? ` (${group})` : ''} - ${OS_LABEL[os]}`;
  const store = os === 'windows' ? '%ProgramData%\\credential-broker (ACL: SYSTEM and Administrators only, not inherited)' : '/var/lib/credential-broker (macOS: /Library/Application Support/credential-broker), root-only 0700';
  const description = [
    `<p>Writes the broker URL${o.caPem ? ', the CA certificate of the broker' : ''} and the role ID of the endpoint group${group ? ` <b>${html(group)}</b>` : ''} into the protected store ${html(store)}.`,
    ' The role ID is not a secret, but it is not public either: it never goes into a client setting, because client settings are reported to the BigFix server.</p>',
    '<p>Run this first, then the <i>enroll</i> Task. The action is <b>Failed</b> when the script exits with a code other than 0:</p>',
    exitCodeTable(),
  ].join('');
  return {
    fileName: `credential-broker-deploy-role-id${group ? `-${group}` : ''}-${os}.bes`,
    title,
    xml: renderBesTask({
      title,
      descriptionHtml: description,
      relevance: [OS_RELEVANCE[os]],
      ...baseTask(os, now, `deploy-role-id${group ? `-${group}` : ''}`),
      action: {
        id: 'Action1',
        linkText: { pre: 'Click ', link: 'here', post: ' to deploy the broker URL and role ID.' },
        script: lines.join('\n'),
        mimeType: 'application/x-Fixlet-Windows-Shell',
      },
    }),
  };
}

/** The console form that sends the wrapping token as a secure parameter (never `action parameter query`). */
const SECURE_FORM = [
  '<p>Wrapping token (from <code>credential-broker secret-id issue --role &lt;group&gt; --computer-id &lt;id&gt;</code>):',
  ' <input id="wrapping_token" type="password" size="64" autocomplete="off" /></p>',
  '<script type="text/javascript">',
  'document.body.ontakeaction = function () {',
  '  var token = document.getElementById("wrapping_token").value.replace(/\\s+/g, "");',
  '  if (!token) { alert("Paste the wrapping token first."); return false; }',
  '  TakeSecureFixletAction(Relevance("id of current fixlet"), Relevance("id of current bes site"), "Action1", {}, { "wrapping_token": token });',
  '  return false;',
  '};',
  '</script>',
].join('\n');

function enrollTask(os: FixletOs, now: Date, deadline: number): GeneratedFixlet {
  const script = os === 'windows' ? 'broker-enroll.ps1' : 'broker-enroll.sh';
  const sep = os === 'windows' ? '\\' : '/';
  const tokenPath = `"{parameter "store"}${sep}wrapping_token"`;
  const run =
    os === 'windows'
      ? `waithidden ${PS_EXE} broker-enroll.ps1 enroll -TokenFromStore -Deadline ${deadline} -Log broker-enroll.log`
      : `wait /bin/sh broker-enroll.sh enroll --token-from-store --deadline ${deadline} --log broker-enroll.log`;
  const lines = [
    // Before anything substitutes the token: log commands, not what was substituted into them.
    'action log command',
    ...header(os, 'enroll this computer with a wrapping token (secure parameter)'),
    `parameter "store" = "${substitution(STORE_RELEVANCE[os])}"`,
    '// The deploy role ID Task must have run: without the store the token would have nowhere safe to go.',
    'continue if {exists file "broker.conf" of folder (parameter "store")}',
    ...createScriptFile(SCRIPT_END, readEndpointScript(script), script),
    // The single-use token goes straight into the protected store; the script reads it,
    // deletes it, and exchanges it at POST /v1/enroll. Only the path is on any command line.
    ...createFile('__CREDENTIAL_BROKER_TOKEN_END__', ['{parameter "wrapping_token" of action}'], tokenPath),
    run,
    `delete ${tokenPath}`,
    'delete __createfile',
    'continue if {exit code of action = 0}',
  ];
  const title = `credential-broker: enroll (wrapping token as secure parameter) - ${OS_LABEL[os]}`;
  const description = [
    '<p>Exchanges a single-use, response-wrapped token for this computer&#39;s secret ID at the broker (POST /v1/enroll) and stores the secret ID in the protected store',
    os === 'windows' ? ' (DPAPI, machine scope, in a folder only SYSTEM and Administrators can open).' : ' (a root-only 0600 file in a 0700 folder).',
    ' The secret ID never travels through BigFix.</p>',
    '<p><b>Take this action on one computer at a time, targeted by computer (Select devices)</b>: the token is a secure parameter, which BigFix encrypts for that computer only when the action is targeted at specific computers. Through the REST API: a SourcedFixletAction with <code>&lt;SecureParameter Name="wrapping_token"&gt;</code> and <code>&lt;Target&gt;&lt;ComputerID&gt;</code>.</p>',
    '<p>Exit code 12 means the broker refused the token: it was used, expired or issued for another group. If nobody used it, treat it as intercepted and tell the security team.</p>',
    SECURE_FORM,
    exitCodeTable(),
  ].join('');
  return {
    fileName: `credential-broker-enroll-${os}.bes`,
    title,
    xml: renderBesTask({
      title,
      descriptionHtml: description,
      relevance: [OS_RELEVANCE[os], `exists file "broker.conf" of folder (${STORE_RELEVANCE[os]})`],
      ...baseTask(os, now, 'enroll'),
      action: {
        id: 'Action1',
        linkText: { pre: 'Enter the wrapping token above, then click ', link: 'here', post: ' to enroll this computer.' },
        script: lines.join('\n'),
        mimeType: 'application/x-Fixlet-Windows-Shell',
      },
    }),
  };
}

/** The Tasks for `options.action`, in a stable order: per OS, invoke, deploy, enroll. */
export function generateFixlets(config: BrokerConfig, options: FixletOptions): GeneratedFixlet[] {
  const action = checkOptions(config, options);
  const now = options.now ?? new Date();
  const groups = Object.entries(config.endpoint_groups)
    .filter(([, g]) => g.actions.includes(options.action))
    .map(([name]) => name)
    .sort();
  return options.os.flatMap((os) => [
    invokeTask(action, options, os, now),
    deployTask(options, os, now, groups),
    enrollTask(os, now, Math.min(options.deadlineSeconds ?? 60, 600)),
  ]);
}
