/** A bad emulator config value; `key` is the dotted path of the key at fault. */
export class ConfigError extends Error {
  readonly code = 'EMULATOR_CONFIG_INVALID';
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}
