/**
 * The user's home directory, as each platform names it.
 *
 * @module
 */
import { type Environment, getNonEmptyEnv } from "./env.ts";

/** The user's home directory: `HOME`; on Windows `USERPROFILE`, then `HOMEDRIVE`+`HOMEPATH`, then `HOME`. */
export function homeDirectory(env: Environment, platform: string): { value: string; variable: string } | null {
  const get = (name: string) => getNonEmptyEnv(env, name, platform);
  if (platform === "win32") {
    const profile = get("USERPROFILE");
    if (profile !== undefined) return { value: profile, variable: `USERPROFILE=${profile}` };
    const drive = get("HOMEDRIVE");
    const homePath = get("HOMEPATH");
    if (drive !== undefined && homePath !== undefined) {
      return { value: drive + homePath, variable: `HOMEDRIVE+HOMEPATH=${drive}${homePath}` };
    }
  }
  const home = get("HOME");
  return home === undefined ? null : { value: home, variable: `HOME=${home}` };
}
