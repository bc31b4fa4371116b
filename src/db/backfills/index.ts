import type { Queryable } from "../client";
import { normalizeNamesAndTags } from "./normalize-names-and-tags";
import { normalizePluginNames } from "./normalize-plugin-names";
import { refilterPublishedConfig } from "./refilter-published-config";

/**
 * A data change that SQL alone cannot express (it needs a rule that lives in TypeScript, such as the
 * published-configuration filter or a name's confusable skeleton). Backfills run after the SQL
 * migrations in drizzle/, in the order listed here, each once per database and each in its own
 * transaction; `backfills_applied` records which ran. A backfill must be idempotent and must leave
 * rows valid for every constraint that the SQL migrations already created.
 */
export interface Backfill {
  /** Stable and unique, e.g. "0002-normalize-tags"; recorded once applied. */
  id: string;
  description: string;
  run(db: Queryable): Promise<void>;
}

/** Every backfill, oldest first. Append; never reorder or remove an applied one. */
export const BACKFILLS: Backfill[] = [refilterPublishedConfig, normalizeNamesAndTags, normalizePluginNames];
