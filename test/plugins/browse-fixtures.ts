import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createCache } from "../../src/clients/cache";
import type { Database } from "../../src/db/client";
import * as schema from "../../src/db/schema";
import { nameSkeleton } from "../../src/domain/names";
import { createLogger } from "../../src/lib/logger";
import { invalidateCatalog } from "../../src/services/catalog-cache";
import { uniqueToken } from "../helpers/factories";
import { api } from "../helpers/http";
import { uniqueSlug } from "./fixtures";

/**
 * Plugin rows written straight to the database, for browse tests that need exact counts, dates and
 * categories (the upload pipeline sets none of them). Lists filtered by a test's unique tag are
 * never cached before the test reads them; the category list has no such filter, so a write that
 * changes it (a category, a plugin in one) bumps the catalog generation, as the seed's would.
 */
export interface PluginSpec {
  name?: string;
  description?: string;
  tags?: string[];
  categoryId?: string | null;
  enableCount?: number;
  isActive?: boolean;
  /** Review state of the one version; only `approved` lists the plugin. */
  status?: "approved" | "pending" | "rejected";
  createdAt?: Date;
  version?: string;
  changelog?: string;
  manifest?: Record<string, unknown>;
}

export async function insertPlugin(db: Database, spec: PluginSpec = {}) {
  const slug = uniqueSlug("brw");
  const name = spec.name ?? `Plugin ${slug}`;
  const status = spec.status ?? "approved";
  const [plugin] = await db
    .insert(schema.marketplacePlugins)
    .values({
      slug,
      name,
      nameSkeleton: nameSkeleton(name),
      description: spec.description ?? "A plugin for browse tests.",
      tags: spec.tags ?? [],
      categoryId: spec.categoryId ?? null,
      enableCount: spec.enableCount ?? 0,
      isActive: spec.isActive ?? true,
      originalAuthor: "Browse Author",
      license: "MIT",
      actorType: "system",
      ...(spec.createdAt ? { createdAt: spec.createdAt } : {}),
    })
    .returning();
  const version = spec.version ?? "1.0.0";
  const manifest = spec.manifest ?? {
    slug,
    name,
    version,
    description: "A plugin for browse tests.",
    author: "Browse Author",
    tags: spec.tags ?? [],
    contents: { skills: ["skills/pr-review/SKILL.md"], commands: [{ path: "commands/review.md", name: "review", description: "Reviews" }], agents: [], hooks: [], tools: [] },
  };
  const [row] = await db
    .insert(schema.pluginVersions)
    .values({
      pluginId: plugin!.id,
      version,
      storagePrefix: `plugins/${slug}/${version}/`,
      manifest,
      bundleSha256: "a".repeat(64),
      bundleSizeBytes: 100,
      fileCount: 2,
      skillsCount: 1,
      commandsCount: 1,
      tokenEstimate: 500,
      changelog: spec.changelog ?? null,
      securityStatus: "safe",
      approvalStatus: status,
      rejectionReason: status === "rejected" ? "not good" : null,
      approvedAt: status === "approved" ? new Date() : null,
      actorType: "system",
    })
    .returning();
  await db.insert(schema.pluginSecurityScans).values({ pluginVersionId: row!.id, staticScanStatus: "passed", overallVerdict: "safe" });
  if (status === "approved") await db.update(schema.marketplacePlugins).set({ latestVersionId: row!.id }).where(eq(schema.marketplacePlugins.id, plugin!.id));
  if (spec.categoryId) await bumpGeneration();
  return { id: plugin!.id, slug, name, versionId: row!.id };
}

const bumpGeneration = () => invalidateCatalog(createCache(env, createLogger({})));

export async function createPluginCategory(db: Database, sortOrder = 0) {
  const token = uniqueToken("pcat");
  const [category] = await db.insert(schema.pluginCategories).values({ slug: token, name: `Plugins ${token}`, sortOrder }).returning();
  await bumpGeneration();
  return category!;
}

export interface PluginListBody {
  items: Array<{ id: string; name: string; slug: string; enable_count: number; approval_status: string; is_active: boolean; version: string | null }>;
  total: number;
  total_exact: boolean;
  limit: number;
  offset: number;
}

export async function listPluginsAs(headers: Record<string, string>, query: string): Promise<PluginListBody & { cache: string | null; etag: string | null }> {
  const response = await api(`/api/marketplace/plugins?${query}`, { headers });
  if (response.status !== 200) throw new Error(`list answered ${response.status}: ${await response.text()}`);
  return { ...((await response.json()) as PluginListBody), cache: response.headers.get("x-cache"), etag: response.headers.get("etag") };
}
