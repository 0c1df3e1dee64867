// Where the global configuration file is.

export const DEFAULT_CONFIG_PATH = '/etc/pullback/pullback.yaml';

/** The config path: --config, else $PULLBACK_CONFIG, else /etc/pullback/pullback.yaml. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.PULLBACK_CONFIG) return env.PULLBACK_CONFIG;
  return DEFAULT_CONFIG_PATH;
}
