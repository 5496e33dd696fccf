// The admin console in headless Chromium, with no JavaScript on the pages: an operator signs in
// on the admin listener, creates an organization, registers a resource with the right
// reports:read (parameter region), bundles it in a role constrained to region=eu (after a wrong
// role name is refused next to its field), and grants the role to a user in the organization.
//
//   node console.mjs ADMIN_URL OPERATOR_EMAIL PASSWORD USER_EMAIL [SCREENSHOT_DIR]
import { chromium } from "playwright-core";

const [admin, email, password, userEmail, shots] = process.argv.slice(2);
const org = "Acme Research";
const identifier = "https://reports.example.com";

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
  // The refused form's 422 and Chromium's own /favicon.ico request are reported as "Failed to
  // load resource"; those are expected. Anything else (a CSP violation) is a failure.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource")
    && errors.push(m.text()));

  await page.goto(`${admin}/organizations`);
  check(page.url() === `${admin}/login`, `no session leads to the sign-in page (${page.url()})`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${admin}/`);
  check(await page.getByRole("heading", { name: "Tessera admin" }).isVisible(), "signed in, the console is shown");

  // An organization.
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Organizations" }).click();
  await page.waitForURL(`${admin}/organizations`);
  await page.getByLabel("Name").fill(org);
  await page.getByLabel("First admin (optional)").fill(userEmail);
  await page.getByRole("button", { name: "Create organization" }).click();
  await page.waitForURL(/\/organizations\/[^/?]+\?done=created$/);
  check(await page.getByRole("heading", { name: org }).isVisible(), "the organization's page is shown");
  check(await page.getByRole("link", { name: userEmail }).isVisible(), "with its first admin");

  // A resource with a right that has a parameter.
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Resources" }).click();
  await page.waitForURL(`${admin}/resources`);
  await page.getByLabel("Identifier").fill(identifier);
  await page.getByLabel("Name").fill("Reports API");
  await page.getByRole("button", { name: "Register resource" }).click();
  await page.waitForURL(/\/resources\/[^/?]+\?done=created$/);
  const resourcePage = page.url().split("?")[0];
  check((await page.locator("#resource-identifier").textContent()) === identifier, "the resource is registered");
  await page.getByLabel("Right name").fill("reports:read");
  await page.getByLabel("Parameters (optional)").fill("region");
  await page.getByRole("button", { name: "Add right" }).click();
  await page.waitForURL(`${resourcePage}?done=added`);
  check(await page.locator("#rights-table").getByRole("cell", { name: "region" }).isVisible(),
    "the right is in the catalog with its parameter");

  // A role: a wrong name is refused next to the field, then the right name is taken.
  const roleName = page.getByLabel("Role name");
  await roleName.fill("Analyst!");
  await page.getByRole("button", { name: "Create role" }).click();
  await page.waitForLoadState();
  check((await page.locator("#role_name-error").textContent())?.includes("not a valid role name"),
    "a wrong role name is refused next to its field");
  check(await roleName.getAttribute("aria-invalid") === "true", "the field is marked invalid");
  check(await roleName.inputValue() === "Analyst!", "the typed value is kept");
  if (shots) await page.screenshot({ path: `${shots}/console-error.png`, fullPage: true });
  await roleName.fill("analyst");
  await page.getByRole("button", { name: "Create role" }).click();
  await page.waitForURL(`${resourcePage}?done=created`);
  check(await page.getByRole("heading", { name: "Role analyst" }).isVisible(), "the role is created");

  // The right into the role, constrained to region=eu.
  await page.getByLabel("Right to put into analyst").selectOption({ label: "reports:read" });
  await page.getByLabel("Constraints in analyst (optional)").fill("region=eu");
  await page.getByRole("button", { name: "Put right into analyst" }).click();
  await page.waitForURL(`${resourcePage}?done=added`);
  check(await page.getByText("region=eu", { exact: true }).isVisible(), "the role holds the right for region=eu");

  // The role granted to the user in the organization.
  await page.getByLabel("Role", { exact: true }).selectOption({ label: "analyst" });
  await page.getByLabel("User", { exact: true }).fill(userEmail);
  await page.getByLabel("In", { exact: true }).selectOption({ label: org });
  await page.getByRole("button", { name: "Grant role" }).click();
  await page.waitForURL(`${resourcePage}?done=granted`);
  check(await page.getByRole("status").textContent() === "Granted.", "the grant is confirmed");
  const grant = page.locator("#grants-table tbody tr");
  check(await grant.count() === 1, "one grant is listed");
  const row = (await grant.first().innerText()).replace(/\s+/g, " ");
  check(row.includes("analyst") && row.includes(userEmail) && row.includes(org),
    `the page shows the grant (${row})`);
  if (shots) await page.screenshot({ path: `${shots}/console-granted.png`, fullPage: true });

  await page.goto(`${admin}/organizations`);
  check(await page.getByRole("link", { name: org }).isVisible(), "the organization is in the list");
  check(errors.length === 0, `no console errors (CSP) ${errors.join("; ")}`);
} catch (err) {
  console.log(`FAILED: ${err.message}`);
  failed++;
} finally {
  await browser.close();
}
console.log(`console: ${failed === 0 ? 1 : 0} passed, ${failed === 0 ? 0 : 1} failed`);
process.exit(failed === 0 ? 0 : 1);
