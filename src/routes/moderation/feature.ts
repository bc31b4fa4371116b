import { z } from "@hono/zod-openapi";
import { AUTH_PROBLEMS, problemResponses } from "../../lib/openapi";
import { defineRoute } from "../../lib/route";
import { withRoutes, type Router } from "../../lib/router";
import { featureItem } from "../../services/moderation";
import { ADMIN, ItemIdParam, moderationDeps } from "./schemas";

const FeatureResult = z.object({ item_id: z.uuid(), is_featured: z.boolean() }).openapi("FeatureResult");

function featureRouteAt(path: string, operationId: string, summary: string) {
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

export function registerFeature(router: Router) {
  return withRoutes(
    router,
    ...[featureRoute, toggleFeaturedRoute].map((route) => {
      return router.openapi(route, async (c) => {
        const body = c.req.valid("json") ?? {};
        return c.json(await featureItem(moderationDeps(c), c.req.valid("param").id, body.featured), 200);
      });
    }),
  );
}
