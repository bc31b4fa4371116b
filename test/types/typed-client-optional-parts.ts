/**
 * What the contract makes optional, the typed client must accept without it (issue 30 item 4,
 * honojs/middleware#424); checked by test/node/typed-client.test.ts and `npm run typecheck`. Each
 * call below type-checks; each line below an @ts-expect-error must still be an error.
 */
import { hc } from "hono/client";
import type { AppType } from "../../src/client";
const api = hc<AppType>("http://localhost:8787");

export async function optionalParts(id: string) {
  // The example: the optional Idempotency-Key header and the optional body left out.
  await api.api.marketplace.items[":id"].install.$post({ param: { id } });
  // Either may still be given.
  await api.api.marketplace.items[":id"].install.$post({ param: { id }, header: { "idempotency-key": "k1" } });
  await api.api.marketplace.items[":id"].install.$post({ param: { id }, json: { version: "1.0.0" } });
  // Other optional bodies and all-optional queries: apply-update, the catalog list.
  await api.api.marketplace.items[":id"].update.$post({ param: { id } });
  await api.api.marketplace.items.$get();
  await api.api.marketplace.installs.$get();
  // The feature toggle's two paths (they were missing from AppType while registered through `.map`).
  await api.api.marketplace.items[":id"].feature.$post({ param: { id } });
  await api.api.marketplace.items[":id"]["toggle-featured"].$post({ param: { id }, json: { featured: true } });
  // @ts-expect-error the path parameter stays required
  await api.api.marketplace.items[":id"].install.$post({});
  // @ts-expect-error a required body stays required (the batch status call)
  await api.api.marketplace.versions.status.$post({});
  // @ts-expect-error an optional part keeps its type
  await api.api.marketplace.items[":id"].install.$post({ param: { id }, json: { version: 1 } });
}
