/**
 * The Windows PowerShell scripts, checked as far as a machine without PowerShell allows:
 * parsed with the tree-sitter PowerShell grammar (no ERROR or MISSING node), and the
 * syntax tree read for the properties that keep secrets safe. Running them is the manual
 * Windows test plan in README "BigFix content".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { EXIT_CODES } from '../../src/bigfix/exit-codes';
import { SCRIPTS_DIR } from '../support/endpoint-scripts';

const PS1 = ['broker-invoke.ps1', 'broker-enroll.ps1'];
let parser: Parser;

beforeAll(async () => {
  await Parser.init();
  // Bytes, not a path: given a path, web-tree-sitter imports fs dynamically, which jest's VM refuses.
  const language = await Language.load(new Uint8Array(readFileSync(require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm'))));
  parser = new Parser();
  parser.setLanguage(language);
});

function parse(source: string): Node {
  const tree = parser.parse(source);
  if (!tree) throw new Error('no tree');
  return tree.rootNode;
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.children) if (c) walk(c, visit);
}

function problems(root: Node): string[] {
  const found: string[] = [];
  walk(root, (n) => {
    if (n.type === 'ERROR' || n.isMissing) found.push(`${n.isMissing ? 'MISSING ' : ''}${n.type} at ${n.startPosition.row + 1}:${n.startPosition.column + 1}: ${n.text.slice(0, 60)}`);
  });
  return found;
}

const source = (name: string) => readFileSync(join(SCRIPTS_DIR, name), 'utf8');

describe.each(PS1)('%s', (name) => {
  it('When parsed with the PowerShell grammar, then the tree has no ERROR or MISSING node', () => {
    const root = parse(source(name));
    expect(root.type).toBe('program');
    expect(problems(root)).toEqual([]);
  });

  it('When a closing brace or a parenthesis is removed, then the parser reports it (the check above can fail)', () => {
    const text = source(name);
    const i = text.indexOf('\n}\n');
    expect(problems(parse(text.slice(0, i + 1) + text.slice(i + 2)))).not.toEqual([]);
    const j = text.indexOf('-notmatch');
    expect(problems(parse(`${text.slice(0, j)}-notmatch (${text.slice(j + 9)}`))).not.toEqual([]);
  });

  it('When the commands it runs are listed, then every one is a cmdlet or its own function: no external program could receive a secret in its arguments', () => {
    const root = parse(source(name));
    const functions = new Set<string>();
    const commands: string[] = [];
    walk(root, (n) => {
      if (n.type === 'function_statement') functions.add(n.children.find((c) => c?.type === 'function_name')?.text ?? '');
      if (n.type === 'command') {
        expect(n.children.some((c) => c?.type === 'command_invokation_operator')).toBe(false); // no "& program" / ". file"
        commands.push(n.childForFieldName('command_name')?.text ?? '');
      }
    });
    const external = commands.filter((c) => !functions.has(c) && !/^(Add-Type|ConvertFrom-Json|ConvertTo-Json|Get-Acl|Get-Date|Get-Random|Join-Path|Move-Item|New-Item|New-Object|Remove-Item|Set-StrictMode|Start-Sleep|Test-Path)$/.test(c));
    expect(external).toEqual([]);
    expect(commands).not.toContain('Invoke-Expression');
  });

  it('When its exit codes are listed, then they are the documented ones, and the sh script of the same name uses the same', () => {
    const codes = (text: string, re: RegExp) => new Set([...text.matchAll(re)].map((m) => Number(m[1])));
    const ps = codes(source(name), /(?:\bexit|Exit-Failed) (\d+)/g);
    // (awk programs inside the sh script have their own exit statuses: left out.)
    const sh = codes(source(name.replace('.ps1', '.sh')).replace(/awk [^']*'[^']*'/g, ''), /(?:\bexit|\bfail) (\d+)/g);
    const documented = new Set(EXIT_CODES.map((e) => e.code));
    for (const c of ps) expect({ c, documented: documented.has(c) }).toEqual({ c, documented: true });
    expect([...ps].sort()).toEqual([...sh].sort());
  });

  it('When it talks to the broker, then TLS 1.2 is switched on and credentials stay in this process (DPAPI machine scope, an ACL of SYSTEM and Administrators)', () => {
    const text = source(name);
    expect(text).toContain('[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12');
    expect(text).toContain("$SystemSid = 'S-1-5-18'");
    expect(text).toContain("$AdminsSid = 'S-1-5-32-544'");
    expect(text).toMatch(/ProtectedData\]::(Protect|Unprotect)\(.*DataProtectionScope\]::LocalMachine\)/);
    expect(text).toContain("$env:BROKER_STATE_DIR");
    // Output goes through the one result-line writer; nothing prints a variable holding a secret.
    expect(text).not.toMatch(/Write-(Host|Output|Verbose|Debug)/);
    expect(text).not.toMatch(/Write-Line[^\n]*\$(SecretId|Token|Basic|secretId|plain)\b/);
  });
});

it('When broker-enroll.ps1 creates the store, then the ACL is protected from inheritance and grants only SYSTEM and Administrators', () => {
  const text = source('broker-enroll.ps1');
  expect(text).toContain('$acl.SetAccessRuleProtection($true, $false)');
  expect(text).toMatch(/foreach \(\$sid in @\(\$SystemSid, \$AdminsSid\)\)/);
  expect(text).toContain('[System.IO.Directory]::SetAccessControl($StateDir, $acl)');
  // The token file is deleted right after it is read, before any request.
  expect(text.indexOf('Remove-Item -LiteralPath $TokenFile -Force')).toBeLessThan(text.indexOf('function Invoke-Enroll'));
});
