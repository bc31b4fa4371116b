import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { featureItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

const FeatureResult = z.object({ item_id: z.uuid(), is_featured: z.boolean() }).openapi("FeatureResult");

function featureRouteAt<const P extends string>(path: P, operationId: string, summary: string) {
  return defineRoute({
    method: "post",
    path,
    operationId,
    tags: ["Moderation"],
    summary,
    access: ADMIN,
    request: {
      params: ItemIdParam,
      body: { required: false, content: { "application/json": { schema: z.object({ featured: z.boolean().optional() }) } } },
    },
    responses: {
      200: { description: "The new state", content: { "application/json": { schema: FeatureResult } } },
      ...problemResponses(400, 409, ...AUTH_PROBLEMS),
    },
  });
}

export const featureRoute = featureRouteAt("/api/marketplace/items/{id}/feature", "featureItem", "Feature or unfeature an item: `{featured}` sets, no body toggles");
export const toggleFeaturedRoute = featureRouteAt("/api/marketplace/items/{id}/toggle-featured", "toggleFeaturedItem", "Alias of /feature (the frontend's path)");

/**
 * Both paths registered one by one (not through `.map`, which would merge their types and leave
 * them out of the typed client's AppType).
 */
export function registerFeature(router: Router) {
  return withRoutes(
    router,
    router.openapi(featureRoute, async (c) => c.json(await featureItem(moderationDeps(c), c.req.valid("param").id, c.req.valid("json")?.featured), 200)),
    router.openapi(toggleFeaturedRoute, async (c) => c.json(await featureItem(moderationDeps(c), c.req.valid("param").id, c.req.valid("json")?.featured), 200)),
  );
}
