/** The shared description of the two report routes (issue 29 item 1; design.md §45). */
export const REPORT_FILING_DESCRIPTION = (subject: "item" | "plugin") =>
  [
    `Files a report on a ${subject} you can see, for the workspace you act in (X-Workspace-ID for a user; a key acts for its own). Any member (viewer and up) and keys with \`catalog:read\`.`,
    "A report only puts the subject in the platform admins' queue: it never hides, yanks or quarantines anything by itself, however many are filed (an admin resolves each group). Your workspace sees its reports and their outcome on `GET /api/marketplace/reports`; the publisher never learns who reported.",
    "Limits: one open report per subject and version for each workspace and for each person (for a key, the user who created it); 20 open reports per workspace; after a dismissal, the same workspace or person may report the same subject and version again only once it changed (a new listed version) or after 30 days.",
    "Errors: 400 `validation_failed` (unknown reason, `details` missing for `other`, over 2,000 characters, or with control, zero-width or bidi characters);",
    `404 \`${subject}_not_found\` (unknown, or not visible to you); 404 \`version_not_found\` (a version you cannot see); 409 \`report_exists\` (\`report_id\` names your open report); 409 \`report_recently_dismissed\`; 429 \`report_limit\` (with Retry-After, seconds).`,
  ].join(" ");
