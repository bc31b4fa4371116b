import { cleanName, nameSkeleton, nameWithSuffix } from "../../domain/names";
import { cleanTags } from "../../domain/tags";

/** What a name backfill reads of a row: the fields it may rewrite. */
export interface NamedRow {
  id: string;
  name: string;
  name_skeleton: string;
  tags: unknown;
}

/** A row's name, skeleton and tags under the rules, as a backfill will write them. */
export interface PlannedName<R extends NamedRow> {
  row: R;
  name: string;
  skeleton: string;
  tags: string[];
  /** The older row whose name this one's collided with, when it had to take a suffix. */
  collidedWith?: string;
}

/**
 * Plans the names, skeletons and tags of `rows` (oldest first: the caller's order) under the rules
 * of names (src/domain/names.ts `cleanName`, with `fallbackName` when nothing visible is left) and
 * tags (tags.ts `cleanTags`). `keyOf` says under which unique key a name counts (a look-alike
 * skeleton per type, say); where two names now share a key the OLDEST row keeps it and each younger
 * one takes the first free " (2)", " (3)", … suffix. Pure; nothing is merged, nothing fails.
 */
export function planNames<R extends NamedRow>(rows: R[], fallbackName: (row: R) => string, keyOf: (row: R, name: string) => string): PlannedName<R>[] {
  const claimed = new Map<string, string>();
  const planned = rows.map((row): PlannedName<R> => {
    const name = cleanName(row.name, fallbackName(row));
    return { row, name, skeleton: nameSkeleton(name), tags: cleanTags(row.tags) };
  });
  const losers: PlannedName<R>[] = [];
  for (const p of planned) {
    const key = keyOf(p.row, p.name);
    const holder = claimed.get(key);
    if (holder === undefined) claimed.set(key, p.row.id);
    else {
      p.collidedWith = holder;
      losers.push(p);
    }
  }
  for (const p of losers) {
    for (let n = 2; ; n++) {
      const candidate = nameWithSuffix(p.name, n);
      const key = keyOf(p.row, candidate);
      if (claimed.has(key)) continue;
      claimed.set(key, p.row.id);
      p.name = candidate;
      p.skeleton = nameSkeleton(candidate);
      break;
    }
  }
  return planned;
}

/** Does the plan change the stored row (name, skeleton or tags)? */
export const nameChanged = <R extends NamedRow>(p: PlannedName<R>) =>
  p.name !== p.row.name || p.skeleton !== p.row.name_skeleton || JSON.stringify(p.tags) !== JSON.stringify(p.row.tags);
