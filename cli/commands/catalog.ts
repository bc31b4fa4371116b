import type { Command } from "commander";
import { callApi } from "../api";
import { contextOf, intArg, uuidArg } from "../context";
import { pageLine, print, record, table, type Row } from "../output";

type Write = (text: string) => void;

const ITEM_COLUMNS: Array<[string, string]> = [
  ["id", "ID"],
  ["type", "Type"],
  ["name", "Name"],
  ["version", "Version"],
  ["category", "Category"],
  ["install_count", "Installs"],
  ["creator_name", "Publisher"],
];

/** `search` (GET /api/marketplace/items) and `show` (GET /api/marketplace/items/{id}). */
export function registerCatalogCommands(program: Command, write: Write) {
  program
    .command("search")
    .description("Browse or search the catalog (GET /api/marketplace/items)")
    .argument("[query...]", "words to search for; none lists the catalog")
    .option("--type <type>", "agent, recipe, skill, llm or tool")
    .option("--category <category>", "a category slug or id")
    .option("--tags <tags>", "comma-separated; every tag must match")
    .option("--featured", "only featured items")
    .option("--sort <order>", "popular, newest, name or relevance")
    .option("--limit <n>", "1–100 (default 50)", intArg)
    .option("--offset <n>", "skip this many", intArg)
    .option("--cursor <cursor>", "the next_cursor of the previous page (sort newest or name, no search; not with --offset)")
    .action(async (words: string[], options: Record<string, string | number | boolean | undefined>, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const search = words.join(" ").trim() || undefined;
      const page = (await callApi(settings, "GET", "/api/marketplace/items", {
        query: { search, type: options.type, category: options.category, tags: options.tags, featured: options.featured ? "true" : undefined, sort: options.sort, limit: options.limit, offset: options.offset, cursor: options.cursor },
      })) as { items: Row[]; total: number; offset: number };
      print(out, page, () => `${table(page.items, ITEM_COLUMNS)}\n${pageLine(page)}`);
    });

  program
    .command("show")
    .description("One catalog item with its versions (GET /api/marketplace/items/{id})")
    .argument("<item_id>", "the item's id (UUID)", uuidArg)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { settings, out } = contextOf(command, write);
      const item = (await callApi(settings, "GET", `/api/marketplace/items/${id}`)) as Row & { versions?: Row[] };
      print(out, item, () => {
        const { versions = [], ...fields } = item;
        const head = record(fields, ["id", "type", "name", "version", "description", "creator_name", "category", "tags", "install_count"]);
        const versionTable = table(versions, [["version", "Version"], ["prerelease", "Pre-release"], ["lifecycle", "Lifecycle"], ["created_at", "Published"], ["changelog", "Changelog"]]);
        return `${head}\nVersions\n${versionTable}`;
      });
    });
}
