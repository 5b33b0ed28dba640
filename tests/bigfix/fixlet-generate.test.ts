/**
 * `credential-broker fixlet generate` through the built CLI (dist/), and every .bes file it
 * writes parsed with fast-xml-parser: well-formed, BES.xsd element order and required
 * fields (reference/bigfix.md §1.2), every literal `{` of the embedded scripts doubled so
 * BigFix writes them byte for byte, the failure check, the secure parameter, and no secret.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { generateFixlets } from '../../src/bigfix/fixlet-generator';
import { parseConfig } from '../../src/config';
import { runCli } from '../lifecycle/harness';
import { SCRIPTS_DIR } from '../support/endpoint-scripts';
import { substitute } from './action-script-runner';

const SECRETS = ['broker-role-id-7d1f0b2e', '/etc/credential-broker/secret-id-file', 'VAULT_TOKEN_FOR_BROKER', 'tools/tickets#api_key'];

const CONFIG = `
listen: { host: 127.0.0.1, port: 8443 }
vault:
  address: http://127.0.0.1:8200
  broker_auth:
    method: approle
    role_id: { value: "${SECRETS[0]}" }
    secret_id: { file: ${SECRETS[1]} }
targets:
  tickets:
    base_url: https://tickets.example.com/api
    credential: { ref: "secret/data/${SECRETS[3]}", inject: { type: bearer } }
actions:
  open_ticket:
    description: 'Opens a ticket in the "ops" queue & assigns it <script>alert(1)</script> ]]> {x}.'
    target: tickets
    method: POST
    path: /tickets
    parameters:
      summary: { type: string, min_length: 1, max_length: 200, description: "what's wrong, e.g. {disk} full" }
      host: { type: string, max_length: 100 }
      priority: { type: integer, minimum: 1, maximum: 5, required: false }
      urgent: { type: boolean, required: false }
    body: { title: "{summary}", host: "{host}", priority: "{priority}", urgent: "{urgent}" }
    result: [id]
  restart:
    target: tickets
    method: POST
    path: /restart
endpoint_groups:
  servers:
    actions: [open_ticket]
`;

/** BES.xsd `Fixlet` sequence, then `FixletWithActions` (reference/bigfix.md §1.2). */
const TASK_ORDER = ['Title', 'Description', 'Relevance', 'Category', 'WizardData', 'DownloadSize', 'Source', 'SourceID', 'SourceReleaseDate', 'SourceSeverity', 'CVENames', 'SANSID', 'MIMEField', 'Domain', 'Delay', 'DefaultAction', 'Action'];
const REPEATABLE = new Set(['Relevance', 'MIMEField', 'Action']);
const ACTION_ORDER = ['Description', 'ActionScript', 'SuccessCriteria', 'SuccessCriteriaLocked', 'Settings', 'SettingsLocks'];

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', trimValues: false, parseTagValue: false });

function tagOf(n: Node): string {
  return Object.keys(n).find((k) => k !== ':@') as string;
}
function children(n: Node): Node[] {
  return ((n[tagOf(n)] as Node[]) ?? []).filter((c) => tagOf(c) !== '#text');
}
function text(n: Node): string {
  return ((n[tagOf(n)] as Node[]) ?? []).map((c) => (c['#text'] as string) ?? '').join('');
}
function child(n: Node, name: string): Node {
  const c = children(n).find((x) => tagOf(x) === name);
  if (!c) throw new Error(`no <${name}> in <${tagOf(n)}>`);
  return c;
}

function expectInOrder(names: string[], order: string[]): void {
  let last = -1;
  names.forEach((name, i) => {
    const at = order.indexOf(name);
    expect({ name, known: at >= 0 }).toEqual({ name, known: true });
    if (at === last) expect({ name, repeatable: REPEATABLE.has(name) }).toEqual({ name, repeatable: true });
    expect({ name, position: i, inOrder: at >= last }).toEqual({ name, position: i, inOrder: true });
    last = at;
  });
}

interface ParsedTask {
  file: string;
  xml: string;
  task: Node;
  title: string;
  description: string;
  script: string;
  mimeType: string;
}

function parseBes(file: string, xml: string): ParsedTask {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml) as Node[];
  const bes = doc.find((n) => tagOf(n) === 'BES') as Node;
  expect(bes[':@']).toMatchObject({ 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:noNamespaceSchemaLocation': 'BES.xsd' });
  const tasks = children(bes);
  expect(tasks.map(tagOf)).toEqual(['Task']);
  const task = tasks[0] as Node;
  const action = child(task, 'DefaultAction');
  const as = child(action, 'ActionScript');
  return {
    file,
    xml,
    task,
    title: text(child(task, 'Title')),
    description: text(child(task, 'Description')),
    script: text(as),
    mimeType: (as[':@'] ?? {}).MIMEType ?? '',
  };
}

/** The createfile blocks of an action script: delimiter → body lines. */
function createfileBlocks(script: string): Map<string, { body: string; target: string }> {
  const blocks = new Map<string, { body: string; target: string }>();
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^createfile until (\S+)$/.exec(lines[i] as string);
    if (!m) continue;
    const end = lines.indexOf(m[1] as string, i + 1);
    expect(end).toBeGreaterThan(i);
    const move = /^move __createfile (.+)$/.exec(lines[end + 2] ?? '');
    blocks.set(m[1] as string, { body: lines.slice(i + 1, end).join('\n'), target: move?.[1] ?? '' });
    i = end;
  }
  return blocks;
}

const ALLOWED_RELEVANCE = [
  /^computer id$/,
  /^id of active action$/,
  /^exit code of action = 0$/,
  /^not x64 of operating system$/,
  /^pathname of system folder$/,
  /^parameter "[A-Za-z_]+" of action$/,
  /^parameter "store"$/,
  /^computer name$/,
  /^exists file "broker\.conf" of folder \(parameter "store"\)$/,
  /^\(value of variable "ProgramData" of environment\) & "\\credential-broker"$/,
  /^if exists folder "\/Library\/Application Support" then "\/Library\/Application Support\/credential-broker" else "\/var\/lib\/credential-broker"$/,
];

let out: string;
let tasks: ParsedTask[];
let configFile: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fixlet-'));
  configFile = join(dir, 'broker.yaml');
  writeFileSync(configFile, CONFIG);
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2Fg\nZm9vYmFy\n-----END CERTIFICATE-----\n');
  out = join(dir, 'out');
  const run = await runCli([
    'fixlet', 'generate', '--config', configFile, '--action', 'open_ticket', '--out', out,
    '--param', 'host=computer name', '--broker-url', 'https://broker.example.com:8443', '--role-id', 'role-1234-abcd',
    '--ca-file', join(dir, 'ca.pem'),
  ]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  tasks = readdirSync(out)
    .sort()
    .map((f) => parseBes(f, readFileSync(join(out, f), 'utf8')));
});

describe('fixlet generate (CLI from dist/)', () => {
  it('When run for all OSes, then it writes invoke, deploy and enroll Tasks for Windows and Linux/macOS', () => {
    expect(tasks.map((t) => t.file)).toEqual([
      'credential-broker-deploy-role-id-servers-linux.bes',
      'credential-broker-deploy-role-id-servers-windows.bes',
      'credential-broker-enroll-linux.bes',
      'credential-broker-enroll-windows.bes',
      'credential-broker-invoke-open_ticket-linux.bes',
      'credential-broker-invoke-open_ticket-windows.bes',
    ]);
  });

  it('When the flags are wrong, then exit 2 with a message naming the problem, and nothing is written', async () => {
    const dir = join(out, 'none');
    const cases: [string[], RegExp][] = [
      [['--action', 'nope'], /unknown action "nope"; the config has: open_ticket, restart/],
      [['--action', 'open_ticket', '--os', 'mac'], /--os must be windows, linux or all/],
      [['--action', 'open_ticket', '--param', 'nosuch=computer name'], /--param nosuch: action "open_ticket" has no such parameter/],
      [['--action', 'open_ticket', '--broker-url', 'http://broker.example.com'], /--broker-url must be an https:\/\/ URL/],
      [['--action', 'open_ticket', '--role-id', 'a b"c'], /--role-id may hold only/],
    ];
    for (const [args, message] of cases) {
      const run = await runCli(['fixlet', 'generate', '--config', configFile, '--out', dir, ...args]);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toMatch(message);
    }
    expect(() => readdirSync(dir)).toThrow();
  });
});

describe('every generated .bes file', () => {
  it('When parsed, then its Task elements follow the BES.xsd sequence and the required fields are there', () => {
    for (const t of tasks) {
      expectInOrder(children(t.task).map(tagOf), TASK_ORDER);
      expect(t.title.length).toBeGreaterThanOrEqual(1);
      expect(t.title.length).toBeLessThanOrEqual(255);
      expect(t.title).not.toMatch(/[\r\n\t]/);
      expect(t.description.length).toBeGreaterThan(0);
      expect(children(t.task).filter((c) => tagOf(c) === 'Relevance').length).toBeGreaterThanOrEqual(1);
      expect(text(child(t.task, 'Domain'))).toMatch(/^[\x20-\x7E]{4}$/);
      expect(text(child(t.task, 'SourceReleaseDate'))).toMatch(/^\d{4}-\d\d-\d\d$/);
      const action = child(t.task, 'DefaultAction');
      expect(action[':@']?.ID).toBe('Action1');
      expectInOrder(children(action).map(tagOf), ACTION_ORDER);
      expect(children(child(action, 'Description')).map(tagOf)).toEqual(['PreLink', 'Link', 'PostLink']);
      expect(t.mimeType).toBe('application/x-Fixlet-Windows-Shell');
      expect(child(action, 'SuccessCriteria')[':@']?.Option).toBe('RunToCompletion');
    }
  });

  it('When the embedded scripts are read back the way BigFix substitutes, then they equal the script files byte for byte, and only intended relevance is substituted', () => {
    for (const t of tasks) {
      const seen: string[] = [];
      for (const line of t.script.split('\n')) {
        if (line.startsWith('action parameter query ')) continue; // not substituted by BigFix
        substitute(line, (r) => r, seen);
      }
      for (const r of seen) expect({ file: t.file, r, allowed: ALLOWED_RELEVANCE.some((a) => a.test(r)) }).toEqual({ file: t.file, r, allowed: true });

      const blocks = createfileBlocks(t.script);
      const embedded = blocks.get('__CREDENTIAL_BROKER_SCRIPT_END__');
      expect(embedded).toBeDefined();
      const name = embedded?.target as string;
      expect(name).toMatch(t.file.includes('windows') ? /^broker-(invoke|enroll)\.ps1$/ : /^broker-(invoke|enroll)\.sh$/);
      const original = readFileSync(join(SCRIPTS_DIR, name), 'utf8').replace(/\n$/, '');
      // Every literal brace is doubled: no single "{" is left once the "{{" pairs are taken out…
      expect(embedded?.body.replace(/\{\{/g, '')).not.toContain('{');
      // …and undoing the doubling gives the file back exactly.
      expect(embedded?.body.replace(/\{\{/g, '{')).toBe(original);
    }
  });

  it('When an invoke Task runs, then the Idempotency-Key comes from relevance, parameters from action parameters or relevance, and a non-zero exit fails the action', () => {
    for (const t of tasks.filter((x) => x.file.includes('invoke'))) {
      const lines = t.script.split('\n');
      const run = lines.find((l) => /^wait(hidden)? /.test(l)) as string;
      expect(run).toMatch(t.file.includes('windows') ? /-ComputerId \{computer id\} -ActionId \{id of active action\} -ParamsKv broker-params\.kv/ : /--computer-id \{computer id\} --action-id \{id of active action\} --params-kv broker-params\.kv/);
      expect(t.file.includes('windows') ? run.startsWith('waithidden ') : run.startsWith('wait /bin/sh ')).toBe(true);
      expect(lines[lines.length - 1]).toBe('continue if {exit code of action = 0}');
      expect(createfileBlocks(t.script).get('__CREDENTIAL_BROKER_PARAMS_END__')?.body.split('\n')).toEqual([
        'summary={parameter "summary" of action}',
        'host={computer name}',
        'priority?:int={parameter "priority" of action}',
        'urgent?:bool={parameter "urgent" of action}',
      ]);
      expect(lines.filter((l) => l.startsWith('action parameter query'))).toEqual([
        expect.stringMatching(/^action parameter query "summary" with description "what's wrong, e\.g\. \{disk\} full \(summary: string, 1-200 characters\)"$/),
        expect.stringMatching(/^action parameter query "priority" with description ".*optional.*" and with default value ""$/),
        expect.stringMatching(/^action parameter query "urgent" with description ".*" and with default value ""$/),
      ]);
      if (t.file.includes('windows')) expect(lines).toContain('action uses wow64 redirection {not x64 of operating system}');
    }
  });

  it('When an enroll Task is read, then the wrapping token is a secure parameter: set by the console form, never queried, written only into the store, with the action log hiding it', () => {
    for (const t of tasks.filter((x) => x.file.includes('enroll'))) {
      const lines = t.script.split('\n');
      expect(lines[0]).toBe('action log command');
      expect(t.script).not.toMatch(/action parameter query "wrapping_token"/);
      expect(t.description).toContain('TakeSecureFixletAction(Relevance("id of current fixlet"), Relevance("id of current bes site"), "Action1", {}, { "wrapping_token": token })');
      const token = createfileBlocks(t.script).get('__CREDENTIAL_BROKER_TOKEN_END__');
      expect(token?.body).toBe('{parameter "wrapping_token" of action}');
      expect(token?.target).toMatch(/^"\{parameter "store"\}[\\/]wrapping_token"$/);
      // Only the token's path is on any command line; the store must exist before the token is written.
      expect(lines.filter((l) => l.includes('wrapping_token" of action'))).toHaveLength(1);
      expect(lines.indexOf('continue if {exists file "broker.conf" of folder (parameter "store")}')).toBeLessThan(lines.indexOf('createfile until __CREDENTIAL_BROKER_TOKEN_END__'));
      expect(lines[lines.length - 1]).toBe('continue if {exit code of action = 0}');
    }
  });

  it('When a deploy Task is read, then it carries the broker URL, role ID and CA given on the command line', () => {
    for (const t of tasks.filter((x) => x.file.includes('deploy'))) {
      const blocks = createfileBlocks(t.script);
      expect(blocks.get('__CREDENTIAL_BROKER_CONF_END__')?.body).toBe('broker_url=https://broker.example.com:8443\nrole_id=role-1234-abcd');
      expect(blocks.get('__CREDENTIAL_BROKER_CA_END__')?.body).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/);
      expect(t.title).toContain('(servers)');
    }
  });

  it('When the config holds secrets, references and markup, then no secret is in any file and the markup arrives as text', () => {
    for (const t of tasks) {
      for (const s of SECRETS) expect({ file: t.file, leaked: t.xml.includes(s) }).toEqual({ file: t.file, leaked: false });
      // Outside the embedded script itself, nothing the Task writes mentions a secret ID or a token value.
      for (const [delim, block] of createfileBlocks(t.script)) {
        if (delim !== '__CREDENTIAL_BROKER_SCRIPT_END__') expect({ delim, body: block.body }).not.toEqual({ delim, body: expect.stringMatching(/secret|hvs\./) });
      }
    }
    const invoke = tasks.find((t) => t.file === 'credential-broker-invoke-open_ticket-windows.bes') as ParsedTask;
    // The description is HTML: the action's own description is escaped in it, so the console shows it and runs nothing.
    expect(invoke.description).toContain('Opens a ticket in the &quot;ops&quot; queue &amp; assigns it &lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; {x}');
    expect(invoke.description).not.toContain('<script>alert');
  });

  it('When generated in-process without a role ID or broker URL, then the deploy Task asks for them', () => {
    const config = parseConfig(CONFIG);
    const files = generateFixlets(config, { action: 'restart', os: ['linux'] });
    const deploy = parseBes(files[1]?.fileName as string, files[1]?.xml as string);
    expect(deploy.script).toContain('action parameter query "broker_url"');
    expect(deploy.script).toContain('action parameter query "role_id" with description "The role_id of the endpoint group, from vault bootstrap --print-role-ids"');
    expect(createfileBlocks(deploy.script).get('__CREDENTIAL_BROKER_CONF_END__')?.body).toBe('broker_url={parameter "broker_url" of action}\nrole_id={parameter "role_id" of action}');
    const invoke = parseBes(files[0]?.fileName as string, files[0]?.xml as string);
    expect(createfileBlocks(invoke.script).get('__CREDENTIAL_BROKER_PARAMS_END__')?.body).toBe('');
  });
});
