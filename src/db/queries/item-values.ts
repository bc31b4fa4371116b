import { cleanTags } from "../../domain/tags";
import { nameSkeleton, normalizeName } from "../../domain/names";
import type { items } from "../schema";

type ItemWrite = Partial<typeof items.$inferInsert>;

/**
 * Every write of an item's name or tags goes through here, so that `name_skeleton` always belongs to
 * the stored name and every path (workspace CRUD, submit, approval mirroring a version's content)
 * stores names and tags in their normal form (src/domain/names.ts, src/domain/tags.ts). Input from
 * the API is already normal; version content written before the rules is normalized on approval.
 */
export function withNormalizedName<T extends ItemWrite>(values: T): T & Pick<ItemWrite, "nameSkeleton"> {
  const out: T & Pick<ItemWrite, "nameSkeleton"> = { ...values };
  if (values.name !== undefined) {
    out.name = normalizeName(values.name);
    out.nameSkeleton = nameSkeleton(out.name);
  }
  if (values.tags !== undefined) out.tags = cleanTags(values.tags);
  return out;
}
