import type { Queryable } from "../db/client";
import {
  claimIdempotencyKey,
  findIdempotencyKey,
  releaseIdempotencyKey,
  storeIdempotentResponse,
} from "../db/queries/idempotency";
import { contentSha256 } from "../domain/content-hash";
import { ApiError } from "../lib/errors";

export interface IdempotentCall {
  workspaceId: string;
  key: string;
  /** What identifies "the same request": method, route, path parameters and parsed body. */
  request: unknown;
}

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Runs `work` at most once per (workspace, Idempotency-Key) within 24 h (issue 12 item 2, design.md
 * §8). The same key and request afterwards get the first response again (`replayed: true`); the
 * same key with another request is 422 `idempotency_key_reused`; the same key while the first
 * request still runs is 409 `idempotency_in_progress` (Retry-After: 1). `work` receives `record`,
 * which it must call inside its own transaction, so the stored response commits with the work. A
 * failed request stores nothing and frees the key: its retry runs again.
 */
export async function idempotent(
  db: Queryable,
  call: IdempotentCall,
  work: (record: (tx: Queryable, response: StoredResponse) => Promise<void>) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  const requestHash = await contentSha256(call.request);
  if (!(await claimIdempotencyKey(db, call.workspaceId, call.key, requestHash))) {
    const held = await findIdempotencyKey(db, call.workspaceId, call.key);
    if (held && held.requestHash !== requestHash) {
      throw new ApiError(422, "idempotency_key_reused", "This Idempotency-Key was used for a different request in the last 24 hours.");
    }
    if (held && held.responseStatus !== null) return { status: held.responseStatus, body: held.response, replayed: true };
    // Still running (or freed an instant ago): the client retries.
    throw new ApiError(409, "idempotency_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly.", {
      headers: { "Retry-After": "1" },
    });
  }
  try {
    const response = await work((tx, stored) => storeIdempotentResponse(tx, call.workspaceId, call.key, stored.status, stored.body));
    return { ...response, replayed: false };
  } catch (error) {
    await releaseIdempotencyKey(db, call.workspaceId, call.key).catch(() => {});
    throw error;
  }
}
