import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/stack/paths";
import { startLocalApi, workspaceKey, type LocalApi } from "../node/local-api";

// Debian's chromium (apt-get install chromium; .ci/run installs it), never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// A CI artifact (git-ignored); DOCS_SCREENSHOT moves it.
const SCREENSHOT = resolve(PROJECT_ROOT, process.env.DOCS_SCREENSHOT ?? ".ci/artifacts/docs.png");

/** The marketplace operations a key holder looks for on the page: method and path. */
const MARKETPLACE_OPERATIONS: Array<[string, string]> = [
  ["get", "/api/marketplace/items"],
  ["get", "/api/marketplace/items/{id}"],
  ["post", "/api/marketplace/items/{id}/install"],
  ["delete", "/api/marketplace/items/{id}/install"],
  ["get", "/api/marketplace/installs"],
  ["get", "/api/marketplace/updates"],
  ["post", "/api/marketplace/items/{id}/update"],
];

let api: LocalApi;
let browser: Browser;
let page: Page;
let key: string;

const operation = (method: string, path: string) => page.locator(`.opblock-${method}:has(.opblock-summary-path[data-path="${path}"])`).first();

beforeAll(async () => {
  api = await startLocalApi();
  ({ key } = await workspaceKey(api, ["catalog:read"]));
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

describe("the docs UI in chromium", () => {
  it("lists the marketplace operations, authorizes with an API key and executes list items with a 200 and items", async () => {
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(`${api.url}/docs`);
    for (const [method, path] of MARKETPLACE_OPERATIONS) {
      await expect.poll(() => operation(method, path).count(), { message: `${method.toUpperCase()} ${path}`, timeout: 20_000 }).toBe(1);
    }

    // Authorize with the key in the X-API-Key scheme of the Authorize dialog.
    await page.locator(".auth-wrapper .authorize").first().click();
    const scheme = page.locator(".auth-container").filter({ hasText: "X-API-Key" }).first();
    await scheme.locator("input").first().fill(key);
    await scheme.locator("button.authorize").click();
    await expect.poll(() => scheme.locator("button", { hasText: "Logout" }).count()).toBe(1);
    await page.locator(".dialog-ux .close-modal").first().click();

    // "list items": open it, Try it out when the page does not start there, Execute.
    const listItems = operation("get", "/api/marketplace/items");
    await listItems.locator(".opblock-summary").first().click();
    const tryItOut = listItems.locator(".try-out__btn");
    if ((await tryItOut.count()) > 0 && (await tryItOut.first().innerText()).includes("Try it out")) await tryItOut.first().click();
    const [request, response] = await Promise.all([
      page.waitForRequest((r) => new URL(r.url()).pathname === "/api/marketplace/items"),
      page.waitForResponse((r) => new URL(r.url()).pathname === "/api/marketplace/items"),
      listItems.locator(".btn.execute").first().click(),
    ]);
    expect(request.headers()["x-api-key"]).toBe(key);
    expect(response.status()).toBe(200);
    const body = (await response.json()) as { items: unknown[] };
    expect(body.items.length).toBeGreaterThan(0);

    // What the page shows: the 200 in its live response.
    const status = listItems.locator(".live-responses-table .response .response-col_status").first();
    await expect.poll(() => status.innerText(), { timeout: 10_000 }).toContain("200");
    expect(await listItems.locator(".live-responses-table .response .response-col_description").first().innerText()).toContain('"items"');
    expect(pageErrors).toEqual([]);

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await listItems.scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
  });
});
