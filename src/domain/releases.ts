import { bumpPatch, compareSemver, highestVersion, isPrerelease, sameRelease } from "./semver";

/**
 * Which version of an item is listed, which versions may still be submitted, and which version an
 * install is offered as its update: the version rules of design.md §2 (as amended by the
 * hardening issue), kept apart from storage so every caller applies the same ones.
 */

export interface Release {
  version: string;
}

export interface UsedVersion extends Release {
  reviewStatus: "pending" | "approved" | "rejected";
}

function highest<T extends Release>(releases: T[]): T | undefined {
  const top = highestVersion(releases.map((r) => r.version));
  return top === null ? undefined : releases.find((r) => r.version === top);
}

/**
 * The listed version among an item's approved versions: the highest stable one by semver
 * precedence; only when none is stable, the highest pre-release. Undefined for none.
 */
export function listedRelease<T extends Release>(approved: T[]): T | undefined {
  const stable = approved.filter((r) => !isPrerelease(r.version));
  return highest(stable.length ? stable : approved);
}

/**
 * The version a submission gets when it names none: the patch after the highest stable version
 * ever used (whatever its review status), or 1.0.0 for an item with no stable version yet.
 */
export function defaultNextVersion(used: Release[]): string {
  const stable = used.filter((r) => !isPrerelease(r.version));
  const top = highestVersion(stable.map((r) => r.version));
  return top === null ? "1.0.0" : bumpPatch(top);
}

const USED_AS: Record<UsedVersion["reviewStatus"], string> = {
  pending: "a submission waiting for review",
  approved: "an approved version",
  rejected: "a rejected submission",
};

/**
 * Why `version` cannot be submitted, or null when it can. A number is never reused, even after a
 * rejection; a number equal by precedence (the same version with other build metadata, which
 * precedence ignores) counts as the same number, so two versions never tie in the ordering.
 * Any other valid version may be submitted, lower ones included (a maintenance release).
 */
export function versionRefusal(version: string, used: UsedVersion[]): string | null {
  const clash = used.find((u) => compareSemver(u.version, version) === 0);
  if (!clash) return null;
  const same = clash.version === version ? `${version} was` : `${version} equals ${clash.version} (build metadata is ignored), which was`;
  return `Version ${same} used by ${USED_AS[clash.reviewStatus]}; a version number is never reused.`;
}

/**
 * The approved version an install of `installed` should move to, if any: the highest approved
 * stable version, or, for an install on a pre-release, also newer pre-releases of its own
 * major.minor.patch line; offered only when newer than the installed one by precedence.
 */
export function updateTarget<T extends Release>(installed: string, approved: T[]): T | undefined {
  const onPrerelease = isPrerelease(installed);
  const candidates = approved.filter((r) => !isPrerelease(r.version) || (onPrerelease && sameRelease(r.version, installed)));
  const target = highest(candidates);
  return target && compareSemver(target.version, installed) > 0 ? target : undefined;
}

/** Versions after `installed` up to and including `target`, newest first (their changelogs are the update's notes). */
export function releasesBetween<T extends Release>(installed: string, target: string, releases: T[]): T[] {
  return releases
    .filter((r) => compareSemver(r.version, installed) > 0 && compareSemver(r.version, target) <= 0)
    .sort((a, b) => compareSemver(b.version, a.version));
}
