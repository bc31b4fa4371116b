import { bumpPatch, compareSemver, highestVersion, isPrerelease, parseSemver, sameRelease } from "./semver";
import { LISTABLE_STATUSES, VISIBLE_STATUSES, type ReviewStatus, type VersionStatus } from "./version-status";

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

/** A version with its review outcome and status: what the status rules read (design.md §34). */
export interface StatusedRelease extends Release {
  reviewStatus: ReviewStatus;
  status: VersionStatus;
}

/** Approved with status active or deprecated: may be listed, installed by default, offered (design.md §34). */
export const isListable = (r: StatusedRelease) => r.reviewStatus === "approved" && LISTABLE_STATUSES.includes(r.status);

/**
 * The listed version (design.md §34, amending §2): the highest listable stable version, else the
 * highest listable pre-release; undefined when none is listable (then the item is not installable).
 */
export function listedVersion<T extends StatusedRelease>(versions: T[]): T | undefined {
  return listedRelease(versions.filter(isListable));
}

/**
 * Whether non-admins may see the item or plugin at all (design.md §34): some approved version is
 * active, deprecated or yanked (removal and a plugin's `is_active` are checked by the caller).
 */
export const isVisible = (versions: StatusedRelease[]) => versions.some((r) => r.reviewStatus === "approved" && VISIBLE_STATUSES.includes(r.status));

/**
 * What `items.version` shows (design.md §34): the listed version, else the highest yanked one;
 * undefined when neither exists.
 */
export function shownVersion<T extends StatusedRelease>(versions: T[]): T | undefined {
  return listedVersion(versions) ?? highest(versions.filter((r) => r.reviewStatus === "approved" && r.status === "yanked"));
}

/** How far an update may move: `latest` any newer version, `minor` within the major, `patch` within major.minor. */
export type UpdateStrategy = "manual" | "patch" | "minor" | "latest";

export interface UpdateTargetOptions {
  strategy?: UpdateStrategy;
  includePrereleases?: boolean;
  /** Statuses a target may have: manual offers take active and deprecated; policies active only. */
  allowed?: readonly VersionStatus[];
  /** Policies' cooldown: only versions approved before this time (ignored when leaving an unsafe version). */
  approvedBefore?: Date;
}

const withinStrategy = (strategy: UpdateStrategy, from: string, to: string) => {
  if (strategy === "latest" || strategy === "manual") return true;
  const a = parseSemver(from)!;
  const b = parseSemver(to)!;
  return a.major === b.major && (strategy === "minor" || a.minor === b.minor);
};

/**
 * The one update target (design.md §39), used by the installs, updates and enabled-plugin lists,
 * the batch status call, the CLI and policies. Candidates: approved, status in `allowed`, within
 * the strategy, stable (for an install on a pre-release also pre-releases of its own
 * major.minor.patch; with `includePrereleases` any pre-release), and higher than the installed
 * version. Policies (an `approvedBefore` cutoff) moving off a yanked, quarantined or revoked
 * version ignore the cooldown and may go down within the strategy. Undefined when none.
 */
export function updateTarget<T extends StatusedRelease & { approvedAt?: Date | null }>(
  installed: { version: string; status: VersionStatus },
  versions: T[],
  options: UpdateTargetOptions = {},
): T | undefined {
  const { strategy = "latest", includePrereleases = false, allowed = LISTABLE_STATUSES, approvedBefore } = options;
  const unsafe = !LISTABLE_STATUSES.includes(installed.status);
  const onPrerelease = isPrerelease(installed.version);
  const candidates = versions.filter(
    (r) =>
      r.reviewStatus === "approved" &&
      allowed.includes(r.status) &&
      compareSemver(r.version, installed.version) !== 0 &&
      withinStrategy(strategy, installed.version, r.version) &&
      (!isPrerelease(r.version) || includePrereleases || (onPrerelease && sameRelease(r.version, installed.version))),
  );
  const cooled = approvedBefore && !unsafe ? candidates.filter((r) => r.approvedAt && r.approvedAt < approvedBefore) : candidates;
  const higher = highest(cooled.filter((r) => compareSemver(r.version, installed.version) > 0));
  if (higher) return higher;
  // Only a policy leaving an unsafe version may go down (design.md §39); a manual offer names the
  // way down as `safe_version` instead.
  return approvedBefore && unsafe ? highest(cooled) : undefined;
}

/**
 * The update fields of an installed row (design.md §39, §52): `update` (the target or null),
 * `update_available`, `latest_version` (the target, else the installed version; never lower than
 * installed), `listed_version`, and `safe_version` (the installed version itself when active or
 * deprecated, else the target, else the listed version, else null: the only downgrade offered).
 */
export function updateFields<T extends StatusedRelease & { approvedAt?: Date | null }>(
  installed: { version: string; status: VersionStatus },
  versions: T[],
  options: UpdateTargetOptions = {},
) {
  const target = updateTarget(installed, versions, options);
  const listed = listedVersion(versions);
  const safe = LISTABLE_STATUSES.includes(installed.status) ? installed.version : (target?.version ?? listed?.version ?? null);
  return {
    update: target?.version ?? null,
    update_available: target !== undefined,
    latest_version: target?.version ?? installed.version,
    listed_version: listed?.version ?? null,
    safe_version: safe,
  };
}

/** Versions after `installed` up to and including `target`, newest first (their changelogs are the update's notes). */
export function releasesBetween<T extends Release>(installed: string, target: string, releases: T[]): T[] {
  return releases
    .filter((r) => compareSemver(r.version, installed) > 0 && compareSemver(r.version, target) <= 0)
    .sort((a, b) => compareSemver(b.version, a.version));
}
