/**
 * Misuses of the typed client that tsc must refuse (checked by `npm run typecheck` and
 * test/node/typed-client.test.ts): each line below an @ts-expect-error has to be an error, or tsc
 * reports the unused directive, so a client typed as `any` fails the check.
 */
import { hc } from "hono/client";
import type { AppType } from "../../src/client";
const api = hc<AppType>("http://localhost:8787");
export async function misuses() {
  // @ts-expect-error no such route
  void api.api.marketplace.itemz;
  // @ts-expect-error an item type the API does not have
  await api.api.marketplace.items.$get({ query: { type: "robot" } });
  // @ts-expect-error the install path needs the item id
  await api.api.marketplace.items[":id"].install.$post({ json: {} });
  const found = await api.api.marketplace.items.$get({ query: {} });
  if (found.status === 200) {
    const page = await found.json();
    const total: number = page.total;
    // @ts-expect-error catalog items have no such field
    void page.items[0]?.no_such_field;
    return total;
  }
  return 0;
}
