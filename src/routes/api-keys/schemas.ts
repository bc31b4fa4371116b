import { z } from "@hono/zod-openapi";
import { API_KEY_SCOPES } from "../../lib/access";

export const ApiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: "The key's first characters, to tell keys apart; never the secret." }),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    rate_limit_per_minute: z.number().int().nullable(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");
