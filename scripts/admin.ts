// `npm run admin -- grant|revoke|list`: platform roles for local users. system_role lives only in
// the database (design.md §11), so this is how a developer becomes an admin locally.
import { parseArgs } from "node:util";
import { asc, eq, ne, or, sql } from "drizzle-orm";
import * as schema from "../src/db/schema";
import { withDatabase } from "./stack/database-target";
import { withDrizzle, type DevDb, type UserRow } from "./stack/dev-auth";
import { liveDevState } from "./stack/dev-state";
import { forgetCachedUser } from "./stack/forget-principal";

const USAGE = `usage: npm run admin -- <command>

  grant <clerk user id or email> [--super]   make the user an admin (super_admin with --super)
  revoke <clerk user id or email>            make the user a plain user again
  list                                       show every admin and super_admin`;

type SystemRole = (typeof schema.SYSTEM_ROLES)[number];
type Command = { kind: "set"; ref: string; role: SystemRole } | { kind: "list" };

function usageError(message: string): never {
  console.error(`admin: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { super: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.error(USAGE);
    process.exit(0);
  }
  const [verb, ref, ...extra] = positionals;
  if (extra.length > 0) usageError(`unexpected arguments: ${extra.join(" ")}`);
  if (verb === "list") {
    if (ref !== undefined || values.super) usageError("list takes no arguments");
    return { kind: "list" };
  }
  if (verb !== "grant" && verb !== "revoke") usageError(verb ? `unknown command "${verb}"` : "a command is required");
  if (!ref?.trim()) usageError(`${verb} needs a Clerk user id or an email`);
  if (verb === "revoke" && values.super) usageError("--super only goes with grant");
  const role: SystemRole = verb === "revoke" ? "user" : values.super ? "super_admin" : "admin";
  return { kind: "set", ref: ref.trim(), role };
}

async function findUser(db: DevDb, ref: string): Promise<UserRow> {
  const matches = await db
    .select()
    .from(schema.users)
    .where(or(eq(schema.users.clerkUserId, ref), sql`lower(${schema.users.email}) = lower(${ref})`));
  // A Clerk id is unique; an email need not be, so an exact id match wins over email matches.
  const byId = matches.find((u) => u.clerkUserId === ref);
  if (byId) return byId;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new Error(`no user "${ref}"; create one with: npm run token -- --user <clerk user id> --email <email>`);
  }
  throw new Error(`${matches.length} users have the email ${ref} (${matches.map((u) => u.clerkUserId).join(", ")}); name one by Clerk id`);
}

function describe(user: UserRow): string {
  const who = [user.email, user.name].filter(Boolean).join(", ");
  return `${user.clerkUserId}${who ? ` (${who})` : ""}`;
}

async function setRole(db: DevDb, ref: string, role: SystemRole): Promise<string> {
  const user = await findUser(db, ref);
  if (user.systemRole === role) return `${describe(user)} is already ${role}; nothing changed`;
  await db.update(schema.users).set({ systemRole: role, updatedAt: sql`now()` }).where(eq(schema.users.id, user.id));
  // The worker caches users for 60 s (src/services/auth/principal-cache.ts): drop the entry so a
  // running `npm run dev` sees the new role on the next request.
  const forgotten = await forgetCachedUser(liveDevState()?.bindings, user.clerkUserId);
  return `${describe(user)}: ${user.systemRole} -> ${role} (${forgotten ? "in effect on the next request" : "running workers see it within 60 s"})`;
}

async function listAdmins(db: DevDb): Promise<string> {
  const admins = await db
    .select()
    .from(schema.users)
    .where(ne(schema.users.systemRole, "user"))
    .orderBy(asc(schema.users.systemRole), asc(schema.users.clerkUserId));
  if (admins.length === 0) return "no admins; grant one with: npm run admin -- grant <clerk user id or email>";
  return admins.map((u) => `${u.systemRole.padEnd(12)}${describe(u)}`).join("\n");
}

async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  const output = await withDatabase((databaseUrl) =>
    withDrizzle(databaseUrl, (db) => (command.kind === "list" ? listAdmins(db) : setRole(db, command.ref, command.role))),
  );
  console.log(output);
}

main().catch((error: unknown) => {
  console.error(`admin: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
