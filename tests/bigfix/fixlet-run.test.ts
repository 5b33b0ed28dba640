/**
 * The generated Linux/macOS Tasks, played as a BigFix client would play them
 * (action-script-runner.ts) under dash and bash against the live broker: deploy the role
 * ID, enroll with a wrapping token given as the secure parameter, invoke the action. The
 * invoke Task's status is Completed on success and Failed (at `continue if {exit code of
 * action = 0}`) when the script exits non-zero. Nothing secret is left in the site folder.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { generateFixlets } from '../../src/bigfix/fixlet-generator';
import { parseConfig } from '../../src/config';
import { expectNoSecrets } from '../lifecycle/harness';
import { privateTempDir, SHELLS } from '../support/endpoint-scripts';
import { runActionScript, type ClientContext } from './action-script-runner';
import { startLiveSite, type LiveSite } from './live-site';
import { XMLParser } from 'fast-xml-parser';

let site: LiveSite;
let work: string;

beforeAll(async () => {
  site = await startLiveSite();
  work = privateTempDir('fixlet-run-');
}, 60_000);

afterAll(async () => {
  if (site) expectNoSecrets(site.log.text, site.secrets);
  await site?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const STORE_RELEVANCE = 'if exists folder "/Library/Application Support" then "/Library/Application Support/credential-broker" else "/var/lib/credential-broker"';

/** The ActionScript of a generated Task, read from its XML like the console would. */
function actionScriptOf(xml: string): string {
  const doc = new XMLParser({ trimValues: false, parseTagValue: false, ignoreAttributes: false }).parse(xml) as {
    BES: { Task: { DefaultAction: { ActionScript: { '#text': string } } } };
  };
  return doc.BES.Task.DefaultAction.ActionScript['#text'];
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

describe.each(SHELLS)('generated Linux Tasks played under %s', (shell) => {
  it('When the operator deploys, enrolls with a secure wrapping token and invokes, then each action completes, and a refused invoke shows as Failed', async () => {
    const config = parseConfig(readFileSync(site.configFile, 'utf8'));
    const generate = (action: string, relevanceParams: Record<string, string> = {}) =>
      generateFixlets(config, { action, os: ['linux'], brokerUrl: site.url, roleId: site.roleIds.fleet, group: 'fleet', relevanceParams, deadlineSeconds: 20 });
    const [invokeEcho, deploy, enroll] = generate('echo', { message: 'computer name' }).map((f) => actionScriptOf(f.xml));
    const [invokeRestart] = generate('restart').map((f) => actionScriptOf(f.xml));

    const siteDir = join(work, `site-${shell}`);
    const store = join(work, `store-${shell}`);
    mkdirSync(siteDir, { mode: 0o700 });
    const ctx = (actionId: string, actionParameters: Record<string, string> = {}): ClientContext => ({
      siteDir,
      shell,
      env: { BROKER_STATE_DIR: store },
      relevance: { 'computer id': '4711', 'id of active action': `${actionId}${shell === 'dash' ? 1 : 2}`, 'computer name': `host-${shell}`, [STORE_RELEVANCE]: store },
      actionParameters,
      psEveryMs: 20,
    });

    const deployed = await runActionScript(deploy as string, ctx('100'));
    expect(deployed).toMatchObject({ status: 'Completed', exitCode: 0 });
    expect(readFileSync(join(store, 'broker.conf'), 'utf8')).toBe(`broker_url=${site.url}\nrole_id=${site.roleIds.fleet}\nca_file=\n`);

    const token = await site.wrappedSecretId('fleet', ['--computer-id', '4711']);
    const enrolled = await runActionScript(enroll as string, ctx('101', { wrapping_token: token }));
    expect(enrolled).toMatchObject({ status: 'Completed', exitCode: 0 });
    const secretId = readFileSync(join(store, 'secret_id'), 'utf8').trim();
    site.secrets.add(secretId);
    expect(statSync(join(store, 'secret_id')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(store, 'wrapping_token'))).toBe(false);
    expect(existsSync(join(siteDir, '__createfile'))).toBe(false);

    const invoked = await runActionScript(invokeEcho as string, ctx('102', { count: '' }));
    expect(invoked).toMatchObject({ status: 'Completed', exitCode: 0 });
    expect(site.target.stats().by_key[`fleet/4711-102${shell === 'dash' ? 1 : 2}`]).toBe(1);
    const log = readFileSync(join(siteDir, 'broker-invoke.log'), 'utf8');
    expect(log).toMatch(new RegExp(`^credential-broker: OK action=echo request_id=\\S+ result=\\{"message":"host-${shell}","count":null\\}\\n$`));

    const refused = await runActionScript(invokeRestart as string, ctx('103'));
    expect(refused).toMatchObject({ status: 'Failed', failedAt: 'continue if {exit code of action = 0}', exitCode: 13 });
    expect(readFileSync(join(siteDir, 'broker-invoke.log'), 'utf8')).toMatch(/FAILED code=\S+ status=403 .*exit=13/);

    // The token and the secret ID were never on a command line, in script output, or left in the site folder.
    const runs = [...deployed.waits, ...enrolled.waits, ...invoked.waits, ...refused.waits];
    expectNoSecrets(runs.flatMap((r) => [r.stdout, r.stderr, ...r.psSamples]).join('\n'), [...site.secrets, token, secretId]);
    expectNoSecrets(allFiles(siteDir).map((f) => readFileSync(f, 'utf8')).join('\n'), [token, secretId]);
  });
});
