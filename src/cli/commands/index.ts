import type { Command } from 'commander';
import { register as registerCheckConfig } from './check-config';
import { register as registerDev } from './dev';
import { register as registerDevvault } from './devvault';
import { register as registerExplain } from './explain';
import { register as registerFixlet } from './fixlet';
import { register as registerSecretId } from './secret-id';
import { register as registerServe } from './serve';
import { register as registerSimulate } from './simulate';
import { register as registerVault } from './vault';

/**
 * One line per command module. Each module exports `register(program)`.
 * Keep this list sorted by command name.
 */
export function registerCommands(program: Command): void {
  registerCheckConfig(program);
  registerDev(program);
  registerDevvault(program);
  registerExplain(program);
  registerFixlet(program);
  registerSecretId(program);
  registerServe(program);
  registerSimulate(program);
  registerVault(program);
}
