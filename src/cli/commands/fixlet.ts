/**
 * `credential-broker fixlet generate`: writes the BigFix Tasks for one action (invoke,
 * deploy role ID, enroll) as .bes files ready to import (src/bigfix/fixlet-generator.ts).
 *
 * Exit codes: 0 written; 2 bad flags or config (nothing written); 1 anything else.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FixletInputError, generateFixlets, type FixletOs } from '../../bigfix/fixlet-generator';
import { ConfigError, loadConfig } from '../../config';
import { collect } from '../options';

interface FixletFlags {
  config: string;
  action: string;
  out: string;
  os: string;
  brokerUrl?: string;
  roleId?: string;
  group?: string;
  caFile?: string;
  param: string[];
  deadline: string;
}


export function register(program: Command): void {
  const fixlet = program.command('fixlet').description('BigFix content for the broker');
  fixlet
    .command('generate')
    .description('write .bes Tasks for one action: invoke it, deploy the role ID, enroll with a wrapping token')
    .requiredOption('--config <file>', 'broker config (YAML) that declares the action')
    .requiredOption('--action <name>', 'the action the invoke Task runs')
    .option('--out <dir>', 'folder to write the .bes files to', '.')
    .option('--os <os>', 'windows, linux (also macOS) or all', 'all')
    .option('--broker-url <url>', 'broker URL for the deploy Task (default: asked when the action is taken)')
    .option('--role-id <id>', "the endpoint group's role_id for the deploy Task (default: asked when the action is taken)")
    .option('--group <name>', 'endpoint group the deploy Task is for (titles and file names)')
    .option('--ca-file <file>', "PEM of the CA that signed the broker's certificate, deployed with the role ID")
    .option('--param <name=relevance>', 'take a parameter from client relevance instead of asking; repeatable', collect, [])
    .option('--deadline <seconds>', 'how long the scripts retry 429/503 and connection failures', '120')
    .action((flags: FixletFlags, command: Command) => {
      const fail = (message: string): never => command.error(`fixlet generate: ${message}`, { exitCode: 2 });
      const os: FixletOs[] = flags.os === 'all' ? ['windows', 'linux'] : flags.os === 'windows' || flags.os === 'linux' ? [flags.os] : fail('--os must be windows, linux or all');
      if (!/^[0-9]+$/.test(flags.deadline)) fail('--deadline must be a whole number of seconds');
      const relevanceParams: Record<string, string> = {};
      for (const p of flags.param) {
        const i = p.indexOf('=');
        if (i < 1 || p.slice(i + 1).trim() === '') fail(`--param must be NAME=RELEVANCE, got "${p}"`);
        relevanceParams[p.slice(0, i)] = p.slice(i + 1).trim();
      }
      let config;
      try {
        config = loadConfig(flags.config);
      } catch (err) {
        if (err instanceof ConfigError) fail(err.message);
        throw err;
      }
      let caPem: string | undefined;
      if (flags.caFile) {
        try {
          caPem = readFileSync(flags.caFile, 'utf8');
        } catch (err) {
          fail(`--ca-file: cannot read ${flags.caFile} (${(err as Error).message})`);
        }
      }
      let files;
      try {
        files = generateFixlets(config, {
          action: flags.action,
          os,
          brokerUrl: flags.brokerUrl,
          roleId: flags.roleId,
          group: flags.group,
          caPem,
          relevanceParams,
          deadlineSeconds: Number(flags.deadline),
        });
      } catch (err) {
        if (err instanceof FixletInputError) fail(err.message);
        throw err;
      }
      mkdirSync(flags.out, { recursive: true });
      for (const f of files) {
        const path = join(flags.out, f.fileName);
        writeFileSync(path, f.xml);
        process.stdout.write(`wrote ${path}  (${f.title})\n`);
      }
    });
}
