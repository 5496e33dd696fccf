// The developer dashboard in headless Chromium, with no JavaScript on the pages: sign in, create
// an app (its secret shown once), open it, turn on IP protection, save, and see the saved value;
// then a wrong entry is refused next to its field.
//
//   node dashboard.mjs ISSUER EMAIL PASSWORD [SCREENSHOT_DIR]
import { chromium } from "playwright-core";

const [issuer, email, password, shots] = process.argv.slice(2);
const ips = "10.0.0.0/8\n203.0.113.7";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = 0;
const check = (ok, what) => { console.log(`${ok ? "ok" : "FAILED"}: ${what}`); if (!ok) failed++; };
try {
  const page = await browser.newPage();
  const errors = [];
  // Chromium also reports the refused form's 422 and its own /favicon.ico request as "Failed to
  // load resource"; those are expected. Anything else (a CSP violation) is a failure.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource")
    && errors.push(m.text()));

  await page.goto(`${issuer}/dashboard`);
  check(page.url() === `${issuer}/dashboard/login`, `no session leads to the sign-in page (${page.url()})`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${issuer}/dashboard`);
  check(await page.getByRole("heading", { name: "My apps" }).isVisible(), "signed in, the app list is shown");

  await page.getByRole("link", { name: "New app" }).click();
  await page.waitForURL(`${issuer}/dashboard/apps/new`);
  await page.getByLabel("Display name").fill("Browser test app");
  await page.getByLabel(/^Confidential/).check();
  await page.getByLabel("Redirect URIs").fill("https://app.example.com/callback");
  await page.getByRole("button", { name: "Create app" }).click();
  await page.waitForLoadState();
  const clientId = (await page.locator("#client-id").textContent())?.trim();
  const secret = (await page.locator("#client-secret").textContent())?.trim();
  check(!!clientId, `the App ID is shown (${clientId})`);
  check(secret?.length === 43, "the secret is shown once");
  check(await page.getByText("it will not be shown again").isVisible(), "with a warning");
  if (shots) await page.screenshot({ path: `${shots}/dashboard-created.png`, fullPage: true });

  await page.getByRole("link", { name: "Open the app's settings" }).click();
  await page.waitForURL(`${issuer}/dashboard/apps/${clientId}`);
  check(!(await page.content()).includes(secret), "the app's page never shows the secret");
  const ipField = page.getByLabel("Allowed IP addresses (IP protection)");
  await ipField.fill(ips);
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.waitForURL(`${issuer}/dashboard/apps/${clientId}?done=saved`);
  check(await page.getByText("Settings saved.").isVisible(), "the save is confirmed");
  check(await ipField.inputValue() === ips, `the saved addresses are shown (${JSON.stringify(await ipField.inputValue())})`);
  if (shots) await page.screenshot({ path: `${shots}/dashboard-saved.png`, fullPage: true });

  await ipField.fill("10.0.0.300");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.waitForLoadState();
  const fieldError = page.locator("#allowed_ips-error");
  check((await fieldError.textContent())?.includes("allowed IP"), "a wrong address is refused next to its field");
  check(await ipField.getAttribute("aria-invalid") === "true", "the field is marked invalid");
  check(await ipField.inputValue() === "10.0.0.300", "the typed value is kept");
  if (shots) await page.screenshot({ path: `${shots}/dashboard-error.png`, fullPage: true });
  await page.goto(`${issuer}/dashboard/apps/${clientId}`);
  check(await ipField.inputValue() === ips, "nothing was saved");

  await page.goto(`${issuer}/dashboard`);
  check(await page.getByRole("cell", { name: clientId }).isVisible(), "the app is in the list");
  check(errors.length === 0, `no console errors (CSP) ${errors.join("; ")}`);
} catch (err) {
  console.log(`FAILED: ${err.message}`);
  failed++;
} finally {
  await browser.close();
}
console.log(`dashboard: ${failed === 0 ? 1 : 0} passed, ${failed === 0 ? 0 : 1} failed`);
process.exit(failed === 0 ? 0 : 1);
