import type { Command } from 'commander';

/**
 * One line per command module. Each module exports `register(program)`.
 * Keep this list sorted by command name.
 */
export function registerCommands(_program: Command): void {
  // commands are added here as they land
}
