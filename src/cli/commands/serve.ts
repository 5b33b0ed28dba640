/**
 * `credential-broker serve --config FILE`: runs the broker. Logs are JSON lines on
 * stdout. SIGINT/SIGTERM stop it gracefully: no new connections, requests in flight
 * finish (up to listen.shutdown_grace_ms), tokens are revoked.
 * Exit codes: 0 stopped by a signal, 1 could not start (port in use, unreadable
 * certificate…), 2 config problems or bad flags.
 */
import type { Command } from 'commander';
import { stopSignal } from '../signals';
import { composeBroker } from '../../compose';
import { checkReferences, ConfigError, loadConfig } from '../../config';

async function serve(flags: { config: string }): Promise<number> {
  let config;
  try {
    config = loadConfig(flags.config);
    const problems = checkReferences(config, process.env);
    if (problems.length > 0) throw new ConfigError(flags.config, problems);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`credential-broker: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  // Before anything starts: see ../signals.ts.
  const stopRequested = stopSignal();
  // The composition root gets the environment as data; nothing below src/cli reads it.
  const broker = composeBroker({ config, env: process.env });
  try {
    await broker.start();
  } catch (err) {
    process.stderr.write(`credential-broker: could not start: ${(err as Error).message}\n`);
    await broker.stop().catch(() => undefined);
    return 1;
  }
  await stopRequested;
  await broker.stop();
  return 0;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the broker (HTTPS, or HTTP on loopback) until SIGINT/SIGTERM')
    .requiredOption('--config <file>', 'broker config (YAML); see README "Configuration reference"')
    .action(async (flags: { config: string }) => {
      process.exitCode = await serve(flags);
    });
}
