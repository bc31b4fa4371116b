import { eq, sql } from "drizzle-orm";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import pg from "pg";
import * as schema from "../../src/db/schema";
import { contentSha256 } from "../../src/domain/content-hash";
import type { ItemType } from "../../src/domain/item-types";
import { nameSkeleton } from "../../src/domain/names";
import { AGENTS, CATEGORIES, DEMO_USER, DEMO_WORKSPACE, FEATURED, LLMS, PLUGIN_CATEGORIES, RECIPES, SKILLS, TOOLS } from "./demo-catalog";

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

const SYSTEM_ACTOR = { actorType: "system" as const, actorId: null };

interface CatalogEntry {
  type: ItemType;
  name: string;
  description: string;
  category: { id: string; name: string };
  tags: string[];
  icon: string;
  details: Record<string, unknown>;
  installs: number;
  toolId?: string;
  dependencyIds?: string[];
}

/** A curated marketplace row with its first, approved version, as the publishing flow would leave it. */
async function insertMarketplaceItem(tx: Tx, publisherWorkspaceId: string, creatorId: string, entry: CatalogEntry) {
  const [item] = await tx
    .insert(schema.items)
    .values({
      type: entry.type,
      name: entry.name,
      nameSkeleton: nameSkeleton(entry.name),
      description: entry.description,
      ownerType: "marketplace",
      isApproved: true,
      isFeatured: FEATURED.has(entry.name),
      installCount: entry.installs,
      originalCreatorId: creatorId,
      categoryId: entry.category.id,
      marketplaceCategory: entry.category.name,
      marketplaceIcon: entry.icon,
      version: "1.0.0",
      tags: entry.tags,
      details: entry.details,
      toolId: entry.toolId,
      publisherWorkspaceId,
      ...SYSTEM_ACTOR,
    })
    .returning({ id: schema.items.id });
  const content = {
    name: entry.name,
    description: entry.description,
    category: entry.category.name,
    tags: entry.tags,
    icon: entry.icon,
    details: entry.details,
  };
  const [version] = await tx
    .insert(schema.itemVersions)
    .values({
      itemId: item!.id,
      version: "1.0.0",
      content,
      dependencyIds: entry.dependencyIds ?? [],
      changelog: "Initial release.",
      contentSha256: await contentSha256(content),
      reviewStatus: "approved",
      reviewedAt: new Date(),
      ...SYSTEM_ACTOR,
    })
    .returning({ id: schema.itemVersions.id });
  await tx.update(schema.items).set({ latestVersionId: version!.id }).where(eq(schema.items.id, item!.id));
  return item!.id;
}

export async function seedDemoCatalog(db: Db): Promise<{ items: number }> {
  return db.transaction(async (tx) => {
    const [user] = await tx.insert(schema.users).values(DEMO_USER).returning({ id: schema.users.id });
    const [workspace] = await tx
      .insert(schema.workspaces)
      .values({ ...DEMO_WORKSPACE, createdByUserId: user!.id })
      .returning({ id: schema.workspaces.id });
    await tx.insert(schema.workspaceMembers).values({ workspaceId: workspace!.id, userId: user!.id, role: "owner" });

    const categoryRows = await tx
      .insert(schema.categories)
      .values(CATEGORIES.map((c, i) => ({ ...c, sortOrder: (i + 1) * 10 })))
      .returning();
    const category = (slug: string) => {
      const row = categoryRows.find((c) => c.slug === slug);
      if (!row) throw new Error(`unknown category ${slug}`);
      return { id: row.id, name: row.name };
    };
    await tx.insert(schema.pluginCategories).values(PLUGIN_CATEGORIES);
    const toolRows = await tx.insert(schema.toolCatalog).values(TOOLS).returning();
    const toolByName = new Map(toolRows.map((t) => [t.appName, t]));

    const publish = (entry: CatalogEntry) => insertMarketplaceItem(tx, workspace!.id, user!.id, entry);
    let count = 0;

    for (const tool of toolRows) {
      await publish({
        type: "tool",
        name: tool.displayName,
        description: tool.description ?? "",
        category: category("integrations"),
        tags: tool.categories,
        icon: tool.logoUrl ?? "🔌",
        details: { app_name: tool.appName, auth_schemes: tool.authSchemes },
        installs: 0,
        toolId: tool.id,
      });
      count++;
    }
    for (const [i, llm] of LLMS.entries()) {
      await publish({
        type: "llm",
        name: llm.displayName,
        description: `${llm.displayName} by ${llm.provider}, ${llm.contextWindow.toLocaleString("en")} tokens of context.`,
        category: category("language-models"),
        tags: [llm.provider, ...llm.capabilities],
        icon: "🧠",
        details: {
          provider: llm.provider,
          model_id: llm.modelId,
          context_window: llm.contextWindow,
          input_cost_per_1k_tokens: llm.inputCostPer1k,
          output_cost_per_1k_tokens: llm.outputCostPer1k,
          capabilities: llm.capabilities,
        },
        installs: 300 - i * 15,
      });
      count++;
    }
    const skillIds = new Map<string, string>();
    for (const [i, skill] of SKILLS.entries()) {
      const id = await publish({
        type: "skill",
        name: skill.name,
        description: skill.description,
        category: category(skill.category),
        tags: skill.tags,
        icon: "🧩",
        details: { skill_type: "prompt", prompt_template: `You are an expert at ${skill.name.toLowerCase()}. ${skill.description}` },
        installs: 90 - i * 7,
      });
      skillIds.set(skill.name, id);
      count++;
    }
    const agentIds = new Map<string, string>();
    for (const agent of AGENTS) {
      const agentSkills = agent.skills.map((s) => skillIds.get(s)!);
      const id = await publish({
        type: "agent",
        name: agent.name,
        description: agent.description,
        category: category(agent.category),
        tags: agent.tags,
        icon: "🤖",
        details: {
          agent_type: "custom",
          persona_prompt: `You are ${agent.name}. ${agent.description}`,
          model_config: { model_id: agent.model, temperature: 0.3, max_tokens: 4096 },
          tool_names: agent.tools,
        },
        installs: agent.installs,
        dependencyIds: agentSkills,
      });
      agentIds.set(agent.name, id);
      if (agentSkills.length) {
        await tx.insert(schema.agentSkills).values(agentSkills.map((skillId, priority) => ({ agentId: id, skillId, priority })));
      }
      await tx
        .insert(schema.agentToolAssignments)
        .values(agent.tools.map((name) => ({ agentId: id, toolId: toolByName.get(name)!.id, ...SYSTEM_ACTOR })));
      count++;
    }
    for (const recipe of RECIPES) {
      const recommended = recipe.agents.map((a) => agentIds.get(a)!);
      const id = await publish({
        type: "recipe",
        name: recipe.name,
        description: recipe.description,
        category: category(recipe.category),
        tags: recipe.tags,
        icon: "📋",
        details: {
          steps: recipe.steps.map((title, order) => ({ order, title, agent_name: recipe.agents[0] })),
          required_tools: recipe.tools,
          inputs: {},
          outputs: {},
        },
        installs: recipe.installs,
        dependencyIds: recommended,
      });
      await tx.insert(schema.recipeRecommendedAgents).values(recommended.map((agentId, position) => ({ recipeId: id, agentId, position })));
      count++;
    }
    return { items: count };
  });
}

/** Seeds the demo catalog unless the database already holds marketplace items. */
export async function seedIfEmpty(databaseUrl: string): Promise<{ items: number } | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = drizzle({ client, schema });
    const [{ present } = { present: false }] = await db.execute<{ present: boolean }>(
      sql`select exists (select 1 from items where owner_type = 'marketplace') as present`,
    ).then((r) => r.rows);
    if (present) return null;
    return await seedDemoCatalog(db);
  } finally {
    await client.end();
  }
}
