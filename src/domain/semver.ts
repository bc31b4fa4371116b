// Per-function imports: the package's range parser is not needed and stays out of the bundle.
import compare from "semver/functions/compare";
import inc from "semver/functions/inc";
import parse from "semver/functions/parse";
import type SemVer from "semver/classes/semver";

export type { SemVer };

/**
 * Parses a Semantic Versioning 2.0.0 string (https://semver.org) with the maintained `semver`
 * package, strictly: the text must already be in canonical form, so `v1.0.0`, `=1.0.0` or
 * surrounding spaces (which the package tolerates) are refused, as the database CHECK refuses them.
 * Returns null for anything else, including numeric parts above Number.MAX_SAFE_INTEGER.
 */
export function parseSemver(text: string): SemVer | null {
  const parsed = parse(text);
  if (!parsed) return null;
  const canonical = parsed.build.length ? `${parsed.version}+${parsed.build.join(".")}` : parsed.version;
  return canonical === text ? parsed : null;
}

/** True for a canonical Semantic Versioning 2.0.0 string (see parseSemver). */
export function isSemver(text: string): boolean {
  return parseSemver(text) !== null;
}

function parsed(text: string): SemVer {
  const version = parseSemver(text);
  if (!version) throw new Error(`not a semantic version: ${text}`);
  return version;
}

/**
 * Semver 2.0.0 precedence (§11): -1, 0 or 1. Build metadata is ignored and a pre-release ranks
 * below its release. Throws on a string that is not a version (callers pass stored, checked ones).
 */
export function compareSemver(a: string, b: string): -1 | 0 | 1 {
  return compare(parsed(a), parsed(b));
}

/** True for a pre-release (`1.1.0-beta.1`); build metadata alone (`1.0.0+build.5`) is a release. */
export function isPrerelease(version: string): boolean {
  return parsed(version).prerelease.length > 0;
}

/** The same major.minor.patch: a pre-release line and its release (`2.0.0-rc.1`, `2.0.0`). */
export function sameRelease(a: string, b: string): boolean {
  const x = parsed(a);
  const y = parsed(b);
  return x.major === y.major && x.minor === y.minor && x.patch === y.patch;
}

/** The highest by precedence, or null for none; of two equal by precedence, the first given. */
export function highestVersion(versions: string[]): string | null {
  return versions.reduce<string | null>((best, v) => (best === null || compareSemver(v, best) > 0 ? v : best), null);
}

/** The next patch release after `version` (a pre-release's next patch is its release). */
export function bumpPatch(version: string): string {
  const next = inc(parsed(version), "patch");
  if (!next) throw new Error(`cannot bump ${version}`);
  return next;
}
