/**
 * Plays the POSIX Tasks' ActionScript the way the BigFix client would, for the commands the
 * generator uses (reference/bigfix.md §2): `{relevance}` substitution with `{{` as a literal
 * `{` and `}}` as a literal `}` inside a substitution; `createfile until`, `delete`, `move`,
 * `parameter`, `action parameter query`, `wait`, `continue if`. A relevance expression the
 * test did not expect is an error, so an unescaped `{` in an embedded script cannot slip by.
 *
 * `wait /bin/sh …` runs under the shell the test chooses (dash or bash), in the site folder.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runScript, type ScriptRun } from '../support/endpoint-scripts';

export interface ClientContext {
  /** The action's working directory (the site folder on a real client). */
  siteDir: string;
  /** Values of client relevance expressions, exactly as written in the Task. */
  relevance: Record<string, string>;
  /** `parameter "x" of action`: action and secure parameters given when the action was taken. */
  actionParameters: Record<string, string>;
  shell: string;
  env: Record<string, string>;
  psEveryMs?: number;
}

export interface ActionOutcome {
  status: 'Completed' | 'Failed';
  /** The line the action stopped at, when Failed. */
  failedAt?: string;
  exitCode?: number;
  waits: ScriptRun[];
  /** The relevance expressions substituted, in order. */
  substituted: string[];
}

export function substitute(line: string, evaluate: (relevance: string) => string, seen: string[]): string {
  let out = '';
  for (let i = 0; i < line.length; ) {
    if (line.startsWith('{{', i)) {
      out += '{';
      i += 2;
    } else if (line[i] === '{') {
      let rel = '';
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line.startsWith('}}', j)) {
          rel += '}';
          j++;
        } else if (line[j] === '}') break;
        else rel += line[j];
      }
      if (j >= line.length) throw new Error(`unterminated substitution in: ${line}`);
      seen.push(rel);
      out += evaluate(rel);
      i = j + 1;
    } else {
      out += line[i];
      i++;
    }
  }
  return out;
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** Splits a command line into words, honouring double quotes. */
function words(cmd: string): string[] {
  return [...cmd.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

export async function runActionScript(script: string, ctx: ClientContext): Promise<ActionOutcome> {
  const lines = script.split('\n');
  const params: Record<string, string> = {};
  const waits: ScriptRun[] = [];
  const substituted: string[] = [];
  let exitCode: number | undefined;
  const path = (p: string) => resolve(ctx.siteDir, unquote(p));

  const evaluate = (rel: string): string => {
    if (rel in ctx.relevance) return ctx.relevance[rel] as string;
    let m = /^parameter "([^"]+)" of action$/.exec(rel);
    if (m) {
      const v = ctx.actionParameters[m[1] as string];
      if (v === undefined) throw new Error(`action parameter ${m[1]} was not given`);
      return v;
    }
    m = /^parameter "([^"]+)"$/.exec(rel);
    if (m && (m[1] as string) in params) return params[m[1] as string] as string;
    if (rel === 'exit code of action = 0') return exitCode === 0 ? 'True' : 'False';
    m = /^exists file "([^"]+)" of folder \(parameter "([^"]+)"\)$/.exec(rel);
    if (m) return existsSync(join(params[m[2] as string] ?? '/nonexistent', m[1] as string)) ? 'True' : 'False';
    throw new Error(`unexpected relevance substitution: {${rel}}`);
  };
  const sub = (l: string) => substitute(l, evaluate, substituted);

  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] as string;
    if (raw.trim() === '' || raw.startsWith('//')) continue;
    if (raw.startsWith('action parameter query ')) {
      // Not substituted; the console asks for the value when the action is taken.
      const name = /^action parameter query "([^"]+)"/.exec(raw)?.[1] as string;
      if (!(name in ctx.actionParameters)) throw new Error(`the action asks for parameter ${name}, the test gave none`);
      continue;
    }
    if (raw.startsWith('createfile until ')) {
      const delim = raw.slice('createfile until '.length).trim();
      const body: string[] = [];
      for (n++; n < lines.length && lines[n] !== delim; n++) body.push(sub(lines[n] as string));
      if (n >= lines.length) throw new Error(`createfile until ${delim} never ends`);
      writeFileSync(join(ctx.siteDir, '__createfile'), body.map((l) => `${l}\n`).join(''));
      continue;
    }
    const line = sub(raw);
    let m: RegExpExecArray | null;
    if (line === 'action log command' || line.startsWith('action uses wow64 redirection')) continue;
    if ((m = /^parameter "([^"]+)" = "(.*)"$/.exec(line))) {
      if (m[1] as string in params) throw new Error(`parameter ${m[1]} set twice`);
      params[m[1] as string] = m[2] as string;
    } else if ((m = /^delete (.+)$/.exec(line))) {
      rmSync(path(m[1] as string), { force: true });
    } else if ((m = /^move (\S+|"[^"]*") (\S+|"[^"]*")$/.exec(line))) {
      const to = path(m[2] as string);
      if (existsSync(to)) return { status: 'Failed', failedAt: raw, waits, substituted };
      renameSync(path(m[1] as string), to);
    } else if ((m = /^wait (.+)$/.exec(line))) {
      const [program, script, ...args] = words(m[1] as string);
      if (program !== '/bin/sh') throw new Error(`this runner only runs /bin/sh, not ${program}`);
      const run = await runScript(ctx.shell, join(ctx.siteDir, script as string), args, { cwd: ctx.siteDir, env: ctx.env, psEveryMs: ctx.psEveryMs });
      waits.push(run);
      exitCode = run.code ?? -1;
    } else if ((m = /^continue if (.+)$/.exec(line))) {
      if (m[1] !== 'True') return { status: 'Failed', failedAt: raw, exitCode, waits, substituted };
    } else {
      throw new Error(`unknown ActionScript command: ${raw}`);
    }
  }
  return { status: 'Completed', exitCode, waits, substituted };
}
