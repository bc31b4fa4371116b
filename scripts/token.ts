// `npm run token -- --user <clerk id> ...`: a dev Clerk session token for the local worker, with the
// user (and optionally a workspace membership) written to the database it will look them up in.
// Only the token goes to stdout, so `TOKEN=$(npm run -s token -- --user u1)` works.
import { parseArgs } from "node:util";
import { decodeJwt } from "jose";
import { WORKSPACE_ROLES } from "../src/db/schema";
import { liveDevState } from "./stack/dev-state";
import { withDatabase } from "./stack/database-target";
import { ensureUserWorkspaceMembership, signDevToken, withDrizzle, type MembershipOptions, type MembershipResult, type WorkspaceRole } from "./stack/dev-auth";

const USAGE = `usage: npm run token -- --user <clerk user id> [options]

  --user <id>          Clerk user id, the token's sub (e.g. user_alice); created when missing
  --email <email>      e-mail claim; also stored on the user
  --name <name>        name claim; also stored on the user
  --workspace <ref>    workspace UUID (must exist) or name (found case-insensitively, else created
                       with the user as owner)
  --role <role>        membership role: ${WORKSPACE_ROLES.join(" | ")} (needs --workspace;
                       default: keep the current role, else editor)
  --admin              make the user a platform admin (never lowers super_admin)
  --ttl <seconds>      token lifetime (default 3600)

The token is printed alone on stdout:  TOKEN=$(npm run -s token -- --user user_alice)`;

interface TokenRequest {
  membership: MembershipOptions;
  ttlSeconds: number;
}

function usageError(message: string): never {
  console.error(`token: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseRequest(argv: string[]): TokenRequest {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: "string" },
        email: { type: "string" },
        name: { type: "string" },
        workspace: { type: "string" },
        role: { type: "string" },
        admin: { type: "boolean", default: false },
        ttl: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.error(USAGE);
    process.exit(0);
  }
  if (!values.user?.trim()) usageError("--user is required");
  if (values.role !== undefined && !isRole(values.role)) usageError(`--role must be one of ${WORKSPACE_ROLES.join(", ")}`);
  if (values.role !== undefined && values.workspace === undefined) usageError("--role needs --workspace");
  if (values.workspace !== undefined && !values.workspace.trim()) usageError("--workspace must not be empty");
  return {
    membership: {
      clerkUserId: values.user.trim(),
      email: values.email,
      name: values.name,
      workspace: values.workspace?.trim(),
      role: values.role as WorkspaceRole | undefined,
      admin: values.admin,
    },
    ttlSeconds: parseTtl(values.ttl),
  };
}

function isRole(value: string): value is WorkspaceRole {
  return (WORKSPACE_ROLES as readonly string[]).includes(value);
}

function parseTtl(raw: string | undefined): number {
  if (raw === undefined) return 3600;
  if (!/^[1-9][0-9]*$/.test(raw)) usageError("--ttl must be a positive whole number of seconds");
  return Number(raw);
}

function summary(result: MembershipResult, source: string, expiresAt: Date): string {
  const apiUrl = liveDevState()?.apiUrl ?? "http://127.0.0.1:8787";
  const { user, workspace, role } = result;
  const who = [user.email, user.name].filter(Boolean).join(", ");
  const lines = [
    `token for ${user.clerkUserId}${who ? ` (${who})` : ""}, user id ${user.id}, system role ${user.systemRole}`,
    workspace
      ? `  workspace  ${workspace.name} (${workspace.id}) as ${role}${result.workspaceCreated ? ", just created" : ""}`
      : "  workspace  none (pass --workspace to add a membership)",
    `  expires    ${expiresAt.toISOString()}`,
    `  database   ${source}`,
    `  example    curl -H "Authorization: Bearer $TOKEN"${workspace ? ` -H "X-Workspace-ID: ${workspace.id}"` : ""} ${apiUrl}${workspace ? `/api/workspaces/${workspace.id}/members` : "/api/workspaces"}`,
  ];
  return lines.join("\n");
}

async function main(): Promise<void> {
  const request = parseRequest(process.argv.slice(2));
  const { result, source } = await withDatabase(async (databaseUrl, source) => ({
    result: await withDrizzle(databaseUrl, (db) => ensureUserWorkspaceMembership(db, request.membership)),
    source,
  }));
  // Only the claims asked for: Clerk's default session token has no email or name (design.md §11),
  // and the worker must cope with both shapes.
  const { clerkUserId: sub, email, name } = request.membership;
  const token = await signDevToken({ sub, email, name, ttlSeconds: request.ttlSeconds });
  process.stdout.write(`${token}\n`);
  console.error(summary(result, source, new Date(decodeJwt(token).exp! * 1000)));
}

main().catch((error: unknown) => {
  console.error(`token: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
