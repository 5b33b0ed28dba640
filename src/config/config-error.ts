/** One problem in a config file: where (a dotted path, or `(file)`/`(yaml)`) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** The config could not be loaded; `problems` lists every problem found, not just the first. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n'),
    );
  }
}
