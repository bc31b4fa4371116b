import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { nameSkeleton } from "../../src/domain/names";

type Executor = Pick<ReturnType<typeof drizzle>, "execute">;

/** Replaces the generated rows' placeholder skeletons with src/domain/names.ts's, in batches. */
async function fillSkeletons(db: Executor) {
  for (;;) {
    const { rows } = await db.execute<{ id: string; name: string }>(
      sql`select id, name from items where name_skeleton like chr(1) || '%' and name like 'Synthetic %' limit 5000`,
    );
    if (!rows.length) return;
    await db.execute(sql`
      update items set name_skeleton = v.skeleton
      from unnest(${sql.param(rows.map((r) => r.id))}::uuid[], ${sql.param(rows.map((r) => nameSkeleton(r.name)))}::text[]) as v(id, skeleton)
      where items.id = v.id`);
  }
}

/**
 * Adds `count` approved marketplace items (all five types, spread over the demo categories, with
 * tags and skewed install counts) plus their first versions, generated inside the database with
 * generate_series. Needs the demo catalog's categories, tools and publisher (seedIfEmpty).
 */
export async function seedSyntheticCatalog(databaseUrl: string, count: number): Promise<{ inserted: number; total: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = drizzle({ client });
    const start = Number((await db.execute<{ n: number }>(sql`select count(*)::int as n from items where name like 'Synthetic %'`)).rows[0]!.n);
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        with words(list) as (
          select array['Sales','Support','Invoice','Research','Data','Code','Review','Planner','Writer','Analyst',
                       'Scout','Triage','Report','Sync','Monitor','Deploy','Ledger','Insight','Outreach','Scheduler']
        ), cats as (
          select array_agg(id order by sort_order) as ids, array_agg(name order by sort_order) as names from categories
        ), tools as (
          select array_agg(id order by app_name) as ids from tool_catalog
        ), publisher as (
          select id from workspaces where slug = 'automatos-labs'
        ), generated as (
          select n,
                 (array['agent','recipe','skill','llm','tool'])[1 + n % 5] as type,
                 1 + (n * 7) % array_length(cats.ids, 1) as cat,
                 words.list[1 + n % 20] || ' ' || words.list[1 + (n / 20) % 20] as phrase,
                 cats.ids as cat_ids, cats.names as cat_names, tools.ids as tool_ids, words.list as list
          from generate_series(${start + 1}::int, ${start + count}::int) as n, words, cats, tools
        )
        insert into items (type, name, name_skeleton, description, owner_type, is_approved, is_featured, install_count,
                           category_id, marketplace_category, marketplace_icon, version, tags, details,
                           tool_id, publisher_workspace_id, actor_type, created_at)
        select type,
               'Synthetic ' || phrase || ' ' || n,
               -- Placeholder, unique per row; the real skeleton is computed in TypeScript below.
               chr(1) || n,
               'A generated ' || type || ' that helps with ' || lower(phrase) || ' work, item ' || n || '.',
               'marketplace', true, n % 97 = 0,
               -- Skewed like real catalogs: a few very popular items, a long tail.
               (100000 / (1 + n % 1000))::int,
               cat_ids[cat], cat_names[cat], '✨', '1.0.0',
               jsonb_build_array(lower(list[1 + n % 20]), lower(list[1 + (n / 7) % 20]), 'synthetic'),
               case when type = 'llm' then jsonb_build_object('model_id', 'synthetic-model-' || n, 'provider', 'synthetic')
                    else jsonb_build_object('agent_type', 'custom') end,
               case when type = 'tool' then tool_ids[1 + n % array_length(tool_ids, 1)] end,
               (select id from publisher), 'system',
               now() - make_interval(mins => n)
        from generated`);
      await tx.execute(sql`
        insert into item_versions (item_id, version, content, content_sha256, review_status, changelog, actor_type)
        select id, '1.0.0', jsonb_build_object('name', name), encode(sha256(convert_to(name, 'UTF8')), 'hex'), 'approved', 'Generated.', 'system'
        from items where latest_version_id is null and name like 'Synthetic %'`);
      await fillSkeletons(tx);
      await tx.execute(sql`
        update items set latest_version_id = v.id from item_versions v
        where v.item_id = items.id and items.latest_version_id is null and items.name like 'Synthetic %'`);
    });
    await db.execute(sql`analyze items`);
    const total = Number((await db.execute<{ n: number }>(sql`select count(*)::int as n from items where owner_type = 'marketplace'`)).rows[0]!.n);
    return { inserted: count, total };
  } finally {
    await client.end();
  }
}
