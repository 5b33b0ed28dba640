/**
 * `credential-broker check-config --config FILE`: validates a broker config the way
 * `serve` does and reports every problem at once, each with its path.
 * Exit codes: 0 valid, 2 problems found (or bad flags), 1 unexpected error.
 */
import type { Command } from 'commander';
import { checkReferences, ConfigError, loadConfig } from '../../config';

interface Flags {
  config: string;
  references: boolean;
}

function checkConfig(flags: Flags): number {
  let config;
  try {
    config = loadConfig(flags.config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // Files (certificates, role_id/secret_id files) and environment variables the config
  // names: only checked where they will be used, so CI can skip them.
  const problems = flags.references ? checkReferences(config, process.env) : [];
  if (problems.length > 0) {
    process.stderr.write(`${new ConfigError(flags.config, problems).message}\n`);
    return 2;
  }
  const targets = Object.keys(config.targets).length;
  const actions = Object.keys(config.actions).length;
  process.stdout.write(`${flags.config}: ok (${targets} target${targets === 1 ? '' : 's'}, ${actions} action${actions === 1 ? '' : 's'})\n`);
  return 0;
}

export function register(program: Command): void {
  program
    .command('check-config')
    .description('Validate a broker config file and list every problem with its path (exit 0 valid, 2 problems)')
    .requiredOption('--config <file>', 'broker config (YAML)')
    .option('--no-references', 'do not check that the files and environment variables the config names exist')
    .action((flags: Flags) => {
      process.exitCode = checkConfig(flags);
    });
}
