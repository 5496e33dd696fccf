// Signs in through Tessera's hosted pages in headless Chromium and reaches the app's callback:
// authorize (PKCE S256) -> login page -> consent page -> callback, then exchanges the code.
//
//   node sign_in.mjs ISSUER CLIENT_ID REDIRECT_URI EMAIL PASSWORD [SCREENSHOT_DIR]
import { createHash, randomBytes } from "node:crypto";
import { chromium } from "playwright-core";

const [issuer, clientId, redirectUri, email, password, shots] = process.argv.slice(2);
const b64url = (buf) => buf.toString("base64url");
const verifier = b64url(randomBytes(32));
const challenge = b64url(createHash("sha256").update(verifier).digest());
const state = b64url(randomBytes(16));
const nonce = b64url(randomBytes(16));

const authorize = new URL(`${issuer}/authorize`);
for (const [k, v] of Object.entries({
  response_type: "code", client_id: clientId, redirect_uri: redirectUri,
  scope: "openid email profile", state, nonce,
  code_challenge: challenge, code_challenge_method: "S256",
})) authorize.searchParams.set(k, v);

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
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // The app's callback: answered here, so nothing leaves the machine.
  let callback = null;
  await page.route(`${redirectUri}**`, (route) => {
    callback = new URL(route.request().url());
    route.fulfill({ status: 200, contentType: "text/html", body: "<h1>callback reached</h1>" });
  });

  await page.goto(authorize.toString());
  check(page.url().startsWith(`${issuer}/login`), `authorize leads to the login page (${page.url()})`);
  check(await page.getByLabel("Email").isVisible(), "the email field has a label");
  if (shots) await page.screenshot({ path: `${shots}/login.png` });

  // A wrong password first: one generic message, still on the login page.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForLoadState();
  check((await page.locator("#login-error").textContent())?.includes("email or password is wrong"), "a wrong password shows the generic error");

  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${issuer}/consent**`);
  check(await page.getByText("See your email address").isVisible(), "the consent page lists the scopes");
  if (shots) await page.screenshot({ path: `${shots}/consent.png` });
  await page.getByRole("button", { name: "Allow" }).click();
  await page.waitForURL(`${redirectUri}**`);

  check(callback !== null, "the app's callback was reached");
  check(callback?.searchParams.get("state") === state, "state comes back");
  check(callback?.searchParams.get("iss") === issuer, "iss comes back (RFC 9207)");
  const code = callback?.searchParams.get("code");
  check(!!code, "a code comes back");

  const res = await fetch(`${issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri,
                                client_id: clientId, code_verifier: verifier }),
  });
  const tokens = await res.json();
  check(res.status === 200 && !!tokens.id_token && !!tokens.access_token, `the code is exchanged (${res.status})`);
  const claims = JSON.parse(Buffer.from(tokens.id_token.split(".")[1], "base64url").toString());
  check(claims.nonce === nonce && claims.aud === clientId && claims.iss === issuer, "the ID token carries nonce, aud and iss");
  check(errors.length === 0, `no console errors (CSP) ${errors.join("; ")}`);
} catch (err) {
  console.log(`FAILED: ${err.message}`);
  failed++;
} finally {
  await browser.close();
}
console.log(`browser: ${failed === 0 ? 1 : 0} passed, ${failed === 0 ? 0 : 1} failed`);
process.exit(failed === 0 ? 0 : 1);
