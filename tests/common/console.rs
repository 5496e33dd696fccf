//! An operator signed in on the admin console, as a browser would be: a user who is an operator
//! with a role, a client that keeps the console's cookies, and the CSRF token of any form.

use reqwest::StatusCode;
use secrecy::SecretString;
use tessera::access::Subject;
use tessera::operators::{self, OperatorRole};

use super::{hidden, location, TestApp};

/// The password of console operators made here.
pub const OPERATOR_PASSWORD: &str = "operator password 42";

/// The CSRF token of the form posting to `action` in a page.
pub fn form_token(html: &str, action: &str) -> String {
    let form = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action} in page:\n{html}"));
    let marker = "name=\"csrf_token\" value=\"";
    let start = html[form..].find(marker).unwrap() + form + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// A signed-in console operator.
pub struct Console {
    pub browser: reqwest::Client,
    pub admin_url: String,
    pub user_id: String,
}

impl Console {
    /// Creates the user `email`, makes them an operator with `role`, and signs them in.
    pub async fn sign_in(app: &TestApp, email: &str, role: OperatorRole) -> Self {
        let user_id = tessera::identity::create_user(
            &app.state.dbs.accounts,
            &app.state.pii,
            &app.state.passwords,
            &app.state.clock,
            tessera::identity::NewUser {
                email: email.parse().unwrap(),
                name: Some(format!("{role} operator")),
                password: SecretString::from(OPERATOR_PASSWORD.to_owned()),
            },
        )
        .await
        .unwrap();
        let subject = Subject::User(user_id.clone());
        operators::add_operator(&app.state.dbs.ops, &app.state.clock, &subject, role)
            .await
            .unwrap();
        let console = Self {
            browser: app.browser(),
            admin_url: app.admin_url.clone(),
            user_id,
        };
        let (_, html) = console.get("/login").await;
        let res = console
            .post(
                "/login",
                &[
                    ("csrf_token", hidden(&html, "csrf_token").as_str()),
                    ("email", email),
                    ("password", OPERATOR_PASSWORD),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), "/", "{email} could not sign in");
        console
    }

    /// `GET path`: the status and the page.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .browser
            .get(format!("{}{path}", self.admin_url))
            .send()
            .await
            .unwrap();
        (res.status(), res.text().await.unwrap())
    }

    /// `POST path` with a urlencoded form.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.browser
            .post(format!("{}{path}", self.admin_url))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// The CSRF token of the form on `page` that posts to `action`.
    pub async fn token(&self, page: &str, action: &str) -> String {
        let (status, html) = self.get(page).await;
        assert_eq!(status, StatusCode::OK, "{page}:\n{html}");
        form_token(&html, action)
    }

    /// Fills the form on `page` posting to `action` with `fields` and its token, and posts it.
    pub async fn submit(
        &self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.token(page, action).await;
        let mut form = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post(action, &form).await
    }
}
