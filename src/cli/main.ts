#!/usr/bin/env node
/**
 * The credential-broker command line. Each command lives in its own module under
 * ./commands and registers itself on the program; this file only wires them up.
 */
import { Command } from 'commander';
import { registerCommands } from './commands';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('credential-broker')
    .description('Lets BigFix fixlets call other tools while their keys stay in Vault.')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).catch((err: unknown) => {
    const e = err as { code?: string; exitCode?: number; message?: string };
    // commander reports --help/--version (exit code 0) and usage errors through
    // exitOverride. Usage errors exit 2 ("bad flags"), as every command documents;
    // commander itself would use 1, which our commands keep for unexpected errors.
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      process.exit(e.exitCode === 0 ? 0 : 2);
    }
    process.stderr.write(`credential-broker: ${e.message ?? String(err)}\n`);
    process.exit(1);
  });
}
