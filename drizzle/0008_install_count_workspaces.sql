-- install_count counts workspaces that ever installed an item (design.md §53, issue 26 item 8);
-- until now every install added one, so a workspace that installed an item again after an uninstall
-- counted again. Install rows are kept forever, so the repeats are count(*) - count(distinct
-- workspace_id) per item, and only they are subtracted: a seeded count with no rows behind it stays.
-- greatest(…, 0) keeps items_install_count_check for a count that was set lower than its rows by hand.
-- Data only: the schema and its snapshot do not change. Run once, by the migrator's record.
UPDATE "items" AS i
SET "install_count" = greatest(i."install_count" - r."repeats", 0)
FROM (
  SELECT "item_id", count(*) - count(DISTINCT "workspace_id") AS "repeats"
  FROM "marketplace_installs"
  GROUP BY "item_id"
  HAVING count(*) > count(DISTINCT "workspace_id")
) AS r
WHERE i."id" = r."item_id";
