/**
 * Environment variables as the platform spells them: on Windows names are case-insensitive.
 *
 * @module
 */

/** An environment: variable names to values. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads an environment variable. On Windows names are case-insensitive (`Path` is `PATH`); an
 * exact-case match wins if several spellings exist. On other platforms names are exact.
 */
export function getEnv(env: Environment, name: string, platform: string): string | undefined {
  const exact = env[name];
  if (exact !== undefined || platform !== "win32") return exact;
  const wanted = name.toUpperCase();
  for (const key of Object.keys(env)) {
    if (key.toUpperCase() === wanted) return env[key];
  }
  return undefined;
}

/** Like {@link getEnv}, but an empty value counts as unset (as Codex does for `CODEX_HOME`). */
export function getNonEmptyEnv(env: Environment, name: string, platform: string): string | undefined {
  const value = getEnv(env, name, platform);
  return value === undefined || value === "" ? undefined : value;
}
