//! The developer dashboard (`/dashboard`): sign-in, apps nobody sees unless they own, administer
//! or were given them, settings saved or refused next to the field with nothing changed, CSRF on
//! every form, keys shown once. Organizations and sharing are in the submodules.

use tessera::apps::{self, AppSummary, NewApp};

use crate::common::{location, spawn_app, TestApp};

mod organizations;
mod sharing;

const PASSWORD: &str = "correct horse battery";

/// The CSRF token of the form posting to `action`.
fn form_token(html: &str, action: &str) -> String {
    let form = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in page:\n{html}"));
    let marker = "name=\"csrf_token\" value=\"";
    let start = html[form..].find(marker).unwrap() + form + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// The text of the element with this id.
fn element_text(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in page:\n{html}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].to_owned()
}

/// A developer's browser (keeps cookies, does not follow redirects).
struct Developer {
    browser: reqwest::Client,
    user_id: String,
}

impl Developer {
    /// A new user, not signed in yet.
    async fn new(app: &TestApp, email: &str) -> Self {
        let user_id = app.create_user(email, PASSWORD).await;
        let browser = app.browser();
        Self { browser, user_id }
    }

    /// A new user, signed in through `/dashboard/login`.
    async fn sign_in(app: &TestApp, email: &str) -> Self {
        let dev = Self::new(app, email).await;
        let res = dev.sign_in_with(app, email, PASSWORD).await;
        assert_eq!(res.status(), 303);
        assert_eq!(location(&res), "/dashboard");
        dev
    }

    async fn sign_in_with(&self, app: &TestApp, email: &str, password: &str) -> reqwest::Response {
        let page = self.page(app, "/dashboard/login").await;
        let token = form_token(&page, "/dashboard/login");
        let form = [
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ];
        self.post(app, "/dashboard/login", &form).await
    }

    async fn page(&self, app: &TestApp, path: &str) -> String {
        self.get(app, path).await.text().await.unwrap()
    }

    async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        let url = format!("{}{path}", app.public_url);
        self.browser.get(url).send().await.unwrap()
    }

    async fn post(&self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let url = format!("{}{path}", app.public_url);
        self.browser.post(url).form(form).send().await.unwrap()
    }

    /// Creates a confidential app; returns its id and the page showing its secret.
    async fn create_app(&self, app: &TestApp, name: &str) -> (String, String) {
        let page = self.page(app, "/dashboard/apps/new").await;
        let token = form_token(&page, "/dashboard/apps/new");
        let res = self
            .post(
                app,
                "/dashboard/apps/new",
                &[
                    ("csrf_token", &token),
                    ("name", name),
                    ("app_type", "confidential"),
                    ("redirect_uris", "https://app.example.com/callback\n\n"),
                ],
            )
            .await;
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let html = res.text().await.unwrap();
        (element_text(&html, "client-id"), html)
    }

    /// The app's page and its settings form's token.
    async fn app_page(&self, app: &TestApp, client_id: &str) -> (String, String) {
        let path = format!("/dashboard/apps/{client_id}");
        let res = self.get(app, &path).await;
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        let token = form_token(&html, &path);
        (html, token)
    }
}

async fn stored(app: &TestApp, client_id: &str) -> AppSummary {
    apps::find_app(&app.state.dbs.ops, client_id)
        .await
        .unwrap()
        .unwrap()
}

/// The settings form as the page fills it for an app created with one redirect URI.
fn settings_form<'a>(token: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf_token", token),
        ("name", "Reports"),
        ("redirect_uris", "https://app.example.com/callback"),
        ("grant_types", "authorization_code"),
        ("grant_types", "refresh_token"),
        ("require_pkce", "on"),
        ("id_token_alg", "RS256"),
    ];
    // A changed field replaces the page's value; checked grants add to the page's ones.
    form.retain(|(n, _)| *n == "grant_types" || !changes.iter().any(|(c, _)| c == n));
    form.extend_from_slice(changes);
    form
}

#[tokio::test]
async fn every_page_needs_a_session() {
    let app = spawn_app().await;
    for path in [
        "/dashboard",
        "/dashboard/apps/new",
        "/dashboard/apps/some-app",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(location(&res), "/dashboard/login", "{path}");
    }
    let res = app
        .client
        .post(format!("{}/dashboard/apps/some-app", app.public_url))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/dashboard/login");
}

#[tokio::test]
async fn signing_in_and_out() {
    let app = spawn_app().await;
    let dev = Developer::new(&app, "dev@example.com").await;
    let no_token = [("email", "dev@example.com"), ("password", PASSWORD)];
    let res = dev.post(&app, "/dashboard/login", &no_token).await;
    assert_eq!(res.status(), 403, "no CSRF token, no sign-in");

    // One answer for a wrong password and an unknown user.
    for (email, password) in [
        ("dev@example.com", "wrong"),
        ("nobody@example.com", PASSWORD),
    ] {
        let res = dev.sign_in_with(&app, email, password).await;
        assert_eq!(location(&res), "/dashboard/login?error=1");
    }
    let page = dev.page(&app, "/dashboard/login?error=1").await;
    assert!(page.contains("The email or password is wrong."));

    let res = dev.sign_in_with(&app, "dev@example.com", PASSWORD).await;
    assert_eq!(location(&res), "/dashboard");
    let res = dev.get(&app, "/dashboard").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("You have no apps yet."));
    let res = dev.get(&app, "/dashboard/login").await;
    assert_eq!(location(&res), "/dashboard", "already signed in");

    let res = dev
        .post(&app, "/dashboard/logout", &[("csrf_token", "forged")])
        .await;
    assert_eq!(res.status(), 403);
    let token = form_token(&page, "/dashboard/logout");
    let res = dev
        .post(&app, "/dashboard/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(location(&res), "/dashboard/login");
    let res = dev.get(&app, "/dashboard").await;
    assert_eq!(location(&res), "/dashboard/login", "the session is over");
}

#[tokio::test]
async fn pages_speak_czech_when_asked() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(format!("{}/dashboard/login", app.public_url))
        .header("Accept-Language", "cs-CZ, en;q=0.5")
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains("lang=\"cs\""));
    assert!(page.contains("Přihlášení do vývojářského panelu"));
}

#[tokio::test]
async fn a_new_app_shows_its_secret_once_and_only_to_its_owner() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let (client_id, created) = alice.create_app(&app, "Reports").await;
    let secret = element_text(&created, "client-secret");
    assert_eq!(secret.len(), 43, "a 256-bit secret, base64url");
    assert!(created.contains("it will not be shown again"));

    let saved = stored(&app, &client_id).await;
    assert_eq!(saved.owner_id.as_deref(), Some(alice.user_id.as_str()));
    assert_eq!(
        saved.settings.redirect_uris,
        ["https://app.example.com/callback"]
    );
    let keys = apps::list_keys(
        &app.state.dbs.ops,
        &app.state.apps.find(&client_id).await.unwrap().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(keys.len(), 1);

    let list = alice.page(&app, "/dashboard").await;
    assert!(list.contains("Reports") && list.contains(&client_id));
    let (page, _) = alice.app_page(&app, &client_id).await;
    assert!(page.contains(&client_id));
    assert!(!page.contains(&secret), "the secret is never shown again");

    let bob = Developer::sign_in(&app, "bob@example.com").await;
    let path = format!("/dashboard/apps/{client_id}");
    assert_eq!(bob.get(&app, &path).await.status(), 404);
    let bobs_list = bob.page(&app, "/dashboard").await;
    assert!(!bobs_list.contains(&client_id));
    let res = bob.post(&app, &path, &[("name", "Taken")]).await;
    assert_eq!(res.status(), 404);
    let res = bob.post(&app, &format!("{path}/keys/rotate"), &[]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(stored(&app, &client_id).await, saved, "nothing changed");

    // An operator's app (no owner) is nobody's on the dashboard.
    let (operator_app, _) = app.web_app().await;
    let res = alice
        .get(&app, &format!("/dashboard/apps/{operator_app}"))
        .await;
    assert_eq!(res.status(), 404);
    let list = alice.page(&app, "/dashboard").await;
    assert!(!list.contains(&operator_app));
}

#[tokio::test]
async fn settings_are_saved_and_shown() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let (client_id, _) = dev.create_app(&app, "Reports").await;
    let (_, token) = dev.app_page(&app, &client_id).await;
    let path = format!("/dashboard/apps/{client_id}");
    let form = settings_form(
        &token,
        &[
            ("allowed_ips", "10.0.0.0/8\n\n 192.0.2.7 "),
            ("allowed_origins", "https://app.example.com"),
            ("redirect_uri_prefixes", "https://app.example.com/cb/"),
            ("is_server_only", "on"),
            ("grant_types", "client_credentials"),
            ("scopes", "openid"),
            ("scopes", "email"),
            ("id_token_alg", "ES256"),
            ("access_token_ttl", "5m"),
            ("logo_uri", "https://app.example.com/logo.png"),
        ],
    );
    let res = dev.post(&app, &path, &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("{path}?done=saved"));

    let s = stored(&app, &client_id).await.settings;
    assert_eq!(s.allowed_ips, ["10.0.0.0/8", "192.0.2.7"]);
    assert_eq!(s.allowed_origins, ["https://app.example.com"]);
    assert_eq!(s.redirect_uri_prefixes, ["https://app.example.com/cb/"]);
    assert!(s.is_server_only);
    assert_eq!(
        s.grant_types,
        ["authorization_code", "refresh_token", "client_credentials"]
    );
    assert_eq!(s.scopes, ["email", "openid"]);
    assert_eq!(s.id_token_alg.as_deref(), Some("ES256"));
    assert_eq!(
        s.access_token_ttl,
        Some(std::time::Duration::from_secs(300))
    );
    assert_eq!(s.id_token_ttl, None, "blank: the server's default");
    assert_eq!(
        s.logo_uri.as_deref(),
        Some("https://app.example.com/logo.png")
    );
    let registered = app.state.apps.find(&client_id).await.unwrap().unwrap();
    assert!(
        registered.is_server_only,
        "this instance serves the change at once"
    );

    let page = dev.page(&app, &location(&res)).await;
    assert!(page.contains("Settings saved."));
    assert!(page.contains("10.0.0.0/8"));
    assert!(page.contains("<option value=\"ES256\" selected>"));
    assert!(page.contains(
        "id=\"is_server_only\" name=\"is_server_only\" type=\"checkbox\" value=\"on\" checked"
    ));
}

#[tokio::test]
async fn invalid_settings_are_refused_next_to_the_field() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let (client_id, _) = dev.create_app(&app, "Reports").await;
    let (_, token) = dev.app_page(&app, &client_id).await;
    let path = format!("/dashboard/apps/{client_id}");
    let before = stored(&app, &client_id).await;
    let cases = [
        ("allowed_ips", "10.0.0.300", "allowed IP"),
        (
            "redirect_uri_prefixes",
            "https://app.example.com/cb",
            "redirect URI prefix",
        ),
        (
            "allowed_origins",
            "https://app.example.com/path",
            "allowed origin",
        ),
        ("access_token_ttl", "soon", "Write a duration"),
        (
            "refresh_token_ttl",
            "1s",
            "refresh_token_ttl must be between",
        ),
        ("name", "   ", "app name"),
    ];
    for (field, value, message) in cases {
        let form = settings_form(&token, &[(field, value)]);
        let res = dev.post(&app, &path, &form).await;
        assert_eq!(res.status(), 422, "{field}={value}");
        let page = res.text().await.unwrap();
        assert!(
            element_text(&page, &format!("{field}-error")).contains(message),
            "{field}: the message is next to the field"
        );
        assert!(
            page.contains(&format!(
                "aria-describedby=\"{field}-hint {field}-error\" aria-invalid=\"true\""
            )) || page.contains(&format!(
                "aria-describedby=\"{field}-error\" aria-invalid=\"true\""
            ))
        );
        assert!(
            page.contains(value.trim()),
            "{field}: the typed value is kept"
        );
        assert!(page.contains("Nothing was saved."));
        assert_eq!(
            stored(&app, &client_id).await,
            before,
            "{field}: nothing changed"
        );
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_change_nothing() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let (client_id, _) = dev.create_app(&app, "Reports").await;
    let (other_id, _) = dev.create_app(&app, "Other").await;
    let (page, token) = dev.app_page(&app, &client_id).await;
    let (_, other_token) = dev.app_page(&app, &other_id).await;
    let keys_token = form_token(&page, &format!("/dashboard/apps/{client_id}/keys"));
    let path = format!("/dashboard/apps/{client_id}");
    let before = stored(&app, &client_id).await;
    let change = [("allowed_ips", "10.0.0.0/8")];

    let mut missing = settings_form(&token, &change);
    missing.retain(|(n, _)| *n != "csrf_token");
    for form in [
        missing,
        settings_form("forged", &change),
        settings_form(&other_token, &change),
        settings_form(&keys_token, &change),
    ] {
        let res = dev.post(&app, &path, &form).await;
        assert_eq!(res.status(), 403);
        assert_eq!(stored(&app, &client_id).await, before);
    }

    let registered = app.state.apps.find(&client_id).await.unwrap().unwrap();
    let keys_before = apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap();
    for action in ["keys", "keys/rotate"] {
        let res = dev
            .post(
                &app,
                &format!("{path}/{action}"),
                &[("csrf_token", token.as_str()), ("label", "x")],
            )
            .await;
        assert_eq!(res.status(), 403, "{action}");
    }
    let revoke = format!("{path}/keys/{}/revoke", keys_before[0].key_id);
    let res = dev.post(&app, &revoke, &[("csrf_token", "forged")]).await;
    assert_eq!(res.status(), 403);
    let keys_after = apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap();
    assert_eq!(keys_after, keys_before);

    let res = dev
        .post(
            &app,
            "/dashboard/apps/new",
            &[
                ("name", "Sneaky"),
                ("app_type", "public"),
                ("redirect_uris", "https://x.example/cb"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    let owned = apps::list_owned_apps(&app.state.dbs.ops, &dev.user_id)
        .await
        .unwrap();
    assert_eq!(owned.len(), 2);
}

#[tokio::test]
async fn keys_are_created_rotated_and_revoked() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let (client_id, created) = dev.create_app(&app, "Machine").await;
    let first = element_text(&created, "client-secret");
    let (page, token) = dev.app_page(&app, &client_id).await;
    let path = format!("/dashboard/apps/{client_id}");
    let form = settings_form(&token, &[("grant_types", "client_credentials")]);
    assert_eq!(dev.post(&app, &path, &form).await.status(), 303);
    let keys_token = form_token(&page, &format!("{path}/keys"));
    let token_status = |secret: String| {
        let app = &app;
        let client_id = client_id.clone();
        async move {
            app.post_token(
                &[("grant_type", "client_credentials")],
                Some((&client_id, &secret)),
            )
            .await
            .status()
            .as_u16()
        }
    };
    assert_eq!(token_status(first.clone()).await, 200);

    let bad = [
        ("csrf_token", keys_token.as_str()),
        ("label", "ci"),
        ("expires_in", "soon"),
    ];
    let res = dev.post(&app, &format!("{path}/keys"), &bad).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(element_text(&page, "expires_in-error").contains("Write a duration"));

    let form = [
        ("csrf_token", keys_token.as_str()),
        ("label", "ci"),
        ("expires_in", "90d"),
    ];
    let res = dev.post(&app, &format!("{path}/keys"), &form).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    let second = element_text(&page, "client-secret");
    assert!(page.contains("it will not be shown again"));
    assert_eq!(token_status(second.clone()).await, 200);
    assert_eq!(
        token_status(first.clone()).await,
        200,
        "keys live side by side"
    );

    let form = [("csrf_token", keys_token.as_str()), ("old_valid_for", "0s")];
    let res = dev.post(&app, &format!("{path}/keys/rotate"), &form).await;
    assert_eq!(res.status(), 201);
    let rotated = element_text(&res.text().await.unwrap(), "client-secret");
    assert_eq!(token_status(rotated.clone()).await, 200);
    assert_eq!(token_status(first).await, 401, "rotated with no grace");
    assert_eq!(token_status(second).await, 401);

    let registered = app.state.apps.find(&client_id).await.unwrap().unwrap();
    let keys = apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap();
    let newest = keys.iter().find(|k| k.label == "rotated").unwrap();
    let revoke = format!("{path}/keys/{}/revoke", newest.key_id);
    let res = dev
        .post(&app, &revoke, &[("csrf_token", keys_token.as_str())])
        .await;
    assert_eq!(location(&res), format!("{path}?done=revoked"));
    assert_eq!(token_status(rotated).await, 401, "revoked");
    let keys = apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap();
    assert!(keys
        .iter()
        .find(|k| k.key_id == newest.key_id)
        .unwrap()
        .revoked_at
        .is_some());
    let res = dev
        .post(&app, &revoke, &[("csrf_token", keys_token.as_str())])
        .await;
    assert_eq!(res.status(), 404, "a revoked key is gone");
}

#[tokio::test]
async fn first_party_is_for_operators_only() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let (client_id, _) = dev.create_app(&app, "Reports").await;
    let (page, token) = dev.app_page(&app, &client_id).await;
    assert!(
        !page.contains("name=\"is_first_party\""),
        "not a form field"
    );
    let path = format!("/dashboard/apps/{client_id}");
    let crafted = settings_form(&token, &[("is_first_party", "on")]);
    assert_eq!(dev.post(&app, &path, &crafted).await.status(), 303);
    assert!(!stored(&app, &client_id).await.settings.is_first_party);

    // An operator's choice survives the developer's saves.
    let mut settings = stored(&app, &client_id).await.settings;
    settings.is_first_party = true;
    apps::update_app(&app.state.dbs.ops, &app.state.clock, &client_id, settings)
        .await
        .unwrap();
    let (page, token) = dev.app_page(&app, &client_id).await;
    assert_eq!(element_text(&page, "first-party").trim(), "Yes");
    let form = settings_form(&token, &[("name", "Renamed")]);
    assert_eq!(dev.post(&app, &path, &form).await.status(), 303);
    let s = stored(&app, &client_id).await.settings;
    assert!(s.is_first_party && s.name == "Renamed");
}

#[tokio::test]
async fn a_public_app_has_no_secret_and_no_keys() {
    let app = spawn_app().await;
    let dev = Developer::sign_in(&app, "dev@example.com").await;
    let page = dev.page(&app, "/dashboard/apps/new").await;
    let token = form_token(&page, "/dashboard/apps/new");
    let mut form = vec![
        ("csrf_token", token.as_str()),
        ("name", "SPA"),
        ("app_type", "public"),
    ];
    let res = dev.post(&app, "/dashboard/apps/new", &form).await;
    assert_eq!(res.status(), 422, "a redirect URI is needed");
    let page = res.text().await.unwrap();
    assert!(element_text(&page, "redirect_uris-error").contains("redirect URI"));
    assert!(
        page.contains("value=\"public\" checked"),
        "the choice is kept"
    );

    form.push(("redirect_uris", "http://127.0.0.1:9/cb"));
    let res = dev.post(&app, "/dashboard/apps/new", &form).await;
    assert_eq!(res.status(), 201);
    let page = res.text().await.unwrap();
    let client_id = element_text(&page, "client-id");
    assert!(!page.contains("client-secret"));
    let saved: NewApp = stored(&app, &client_id).await.settings;
    assert!(saved.is_public);
    let (page, _) = dev.app_page(&app, &client_id).await;
    assert!(page.contains("This app does not use secret keys."));
}
