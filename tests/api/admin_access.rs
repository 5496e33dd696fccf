//! The admin API for the access model: resources, rights, roles and grants walked through end
//! to end, and every bad input refused with nothing changed; memberships, apps in organizations
//! and sharing in `memberships.rs`. (Who may call which route is the rule-table matrix in
//! `admin_api.rs`.)

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::access::{self, Subject, TokenAccess};
use tessera::operators::OperatorRole;

use crate::admin_api::operator_token;
use crate::common::{spawn_app, TestApp};

mod memberships;
mod unknown_users;

const API: &str = "https://api.example.com";

/// The admin API as one operator calls it.
struct Api<'a> {
    app: &'a TestApp,
    token: String,
}

impl<'a> Api<'a> {
    async fn new(app: &'a TestApp, role: OperatorRole) -> Self {
        Self {
            app,
            token: operator_token(app, role).await,
        }
    }

    /// The status and the JSON body (`null` when there is none).
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.app.admin_url);
        let mut req = self
            .app
            .client
            .request(method, url)
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        };
        (status, body)
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.send(Method::GET, path, None).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Sends and expects `status`; returns the body.
    async fn expect(
        &self,
        status: StatusCode,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let what = format!("{method} {path} {body:?}");
        let (got, body) = self.send(method, path, body).await;
        assert_eq!(got, status, "{what}: {body}");
        body
    }

    /// Expects an error in the admin API's shape.
    async fn refused(
        &self,
        status: StatusCode,
        code: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) {
        let what = format!("{method} {path} {body:?}");
        let body = self.expect(status, method, path, body).await;
        assert_eq!(body["error"], code, "{what}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{what}: {body}"
        );
    }
}

fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

/// The ids of a resource, a right with the parameter `region`, a role, and a user.
struct Catalog {
    resource: String,
    right: String,
    role: String,
    user: String,
}

/// Registers `API` with `reports:read` (parameter `region`) and the role `analyst`, through
/// the API.
async fn catalog(api: &Api<'_>) -> Catalog {
    let resource = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            "/api/resources",
            Some(json!({ "identifier": API, "name": "Reports API" })),
        )
        .await;
    assert_eq!(resource["identifier"], API);
    assert!(resource["token_encryption_key"].is_null(), "{resource}");
    assert!(resource["server_client_id"].is_null(), "{resource}");
    let resource = id(&resource);
    let right = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            &format!("/api/resources/{resource}/rights"),
            Some(json!({
                "name": "reports:read",
                "description": "Read reports",
                "parameters": ["region"],
            })),
        )
        .await;
    assert_eq!(right["parameters"], json!(["region"]));
    let role = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            &format!("/api/resources/{resource}/roles"),
            Some(json!({ "name": "analyst", "description": "Reads EU reports" })),
        )
        .await;
    let user = api
        .app
        .create_user("analyst@example.com", "correct horse battery")
        .await;
    Catalog {
        resource,
        right: id(&right),
        role: id(&role),
        user,
    }
}

async fn user_access(app: &TestApp, user: &str) -> TokenAccess {
    access::token_access(
        &app.state.dbs.ops,
        Subject::User(user.to_owned()),
        API,
        None,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_role_granted_through_the_api_gives_exactly_its_rights() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::Admin).await;
    let c = catalog(&api).await;
    assert_eq!(user_access(&app, &c.user).await, TokenAccess::default());

    let link = api
        .expect(
            StatusCode::CREATED,
            Method::PUT,
            &format!("/api/roles/{}/rights/{}", c.role, c.right),
            Some(json!({ "constraints": { "region": ["eu"] } })),
        )
        .await;
    assert_eq!(link["right"], "reports:read");
    assert_eq!(link["constraints"], json!({ "region": ["eu"] }));
    // A role in nobody's hands gives nobody anything.
    assert_eq!(user_access(&app, &c.user).await, TokenAccess::default());

    let grant = api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            &format!("/api/roles/{}/grants", c.role),
            Some(json!({ "subject_kind": "user", "subject_id": c.user })),
        )
        .await;
    assert_eq!(grant["subject_kind"], "user");
    assert_eq!(grant["subject_id"], c.user.as_str());
    assert!(grant["org_id"].is_null());
    let expected: TokenAccess = serde_json::from_value(json!({
        "roles": ["analyst"],
        "rights": { "reports:read": { "region": ["eu"] } },
    }))
    .unwrap();
    assert_eq!(user_access(&app, &c.user).await, expected);
    let other = app
        .create_user("bystander@example.com", "correct horse battery")
        .await;
    assert_eq!(user_access(&app, &other).await, TokenAccess::default());

    // The reads show what was built.
    let resources = api.get("/api/resources").await;
    assert_eq!(resources["resources"][0]["id"], c.resource.as_str());
    let resource = api.get(&format!("/api/resources/{}", c.resource)).await;
    assert_eq!(resource["name"], "Reports API");
    let rights = api
        .get(&format!("/api/resources/{}/rights", c.resource))
        .await;
    assert_eq!(rights["rights"][0]["description"], "Read reports");
    let roles = api
        .get(&format!("/api/resources/{}/roles", c.resource))
        .await;
    assert_eq!(roles["roles"][0]["name"], "analyst");
    let in_role = api.get(&format!("/api/roles/{}/rights", c.role)).await;
    assert_eq!(in_role["rights"], json!([link]));
    let grants = api.get(&format!("/api/roles/{}/grants", c.role)).await;
    assert_eq!(grants["grants"], json!([grant]));
    // A guest operator reads them too.
    let guest = Api::new(&app, OperatorRole::Guest).await;
    assert_eq!(
        guest.get(&format!("/api/roles/{}/grants", c.role)).await,
        grants
    );

    // Taking things away takes the access away.
    api.expect(
        StatusCode::NO_CONTENT,
        Method::DELETE,
        &format!("/api/grants/{}", id(&grant)),
        None,
    )
    .await;
    assert_eq!(user_access(&app, &c.user).await, TokenAccess::default());
    api.expect(
        StatusCode::NO_CONTENT,
        Method::DELETE,
        &format!("/api/roles/{}/rights/{}", c.role, c.right),
        None,
    )
    .await;
    assert_eq!(
        api.get(&format!("/api/roles/{}/rights", c.role)).await["rights"],
        json!([])
    );
    for path in [
        format!("/api/roles/{}", c.role),
        format!("/api/rights/{}", c.right),
        format!("/api/resources/{}", c.resource),
    ] {
        api.expect(StatusCode::NO_CONTENT, Method::DELETE, &path, None)
            .await;
    }
    api.refused(
        StatusCode::NOT_FOUND,
        "not_found",
        Method::GET,
        &format!("/api/resources/{}", c.resource),
        None,
    )
    .await;
    assert_eq!(api.get("/api/resources").await["resources"], json!([]));
}

/// Everything the access model holds, as the API and the token claims show it.
async fn snapshot(api: &Api<'_>, c: &Catalog) -> Vec<Value> {
    vec![
        api.get("/api/resources").await,
        api.get(&format!("/api/resources/{}/rights", c.resource))
            .await,
        api.get(&format!("/api/resources/{}/roles", c.resource))
            .await,
        api.get(&format!("/api/roles/{}/rights", c.role)).await,
        api.get(&format!("/api/roles/{}/grants", c.role)).await,
        serde_json::to_value(user_access(api.app, &c.user).await).unwrap(),
    ]
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let api = Api::new(&app, OperatorRole::Admin).await;
    let c = catalog(&api).await;
    api.expect(
        StatusCode::CREATED,
        Method::PUT,
        &format!("/api/roles/{}/rights/{}", c.role, c.right),
        Some(json!({ "constraints": { "region": ["eu"] } })),
    )
    .await;
    api.expect(
        StatusCode::CREATED,
        Method::POST,
        &format!("/api/roles/{}/grants", c.role),
        Some(json!({ "subject_kind": "user", "subject_id": c.user })),
    )
    .await;
    // A right without parameters, in no role.
    let plain = id(&api
        .expect(
            StatusCode::CREATED,
            Method::POST,
            &format!("/api/resources/{}/rights", c.resource),
            Some(json!({ "name": "reports:write" })),
        )
        .await);
    let before = snapshot(&api, &c).await;

    let resource = c.resource.as_str();
    let role = c.role.as_str();
    let right = c.right.as_str();
    let (bad, missing, conflict, unprocessable) = (
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
        StatusCode::CONFLICT,
        StatusCode::UNPROCESSABLE_ENTITY,
    );
    #[rustfmt::skip]
    let cases: Vec<(StatusCode, Method, String, Option<Value>)> = vec![
        // Resources.
        (bad, Method::POST, "/api/resources".into(), Some(json!({ "identifier": "ftp://files.example.com", "name": "Files" }))),
        (bad, Method::POST, "/api/resources".into(), Some(json!({ "identifier": "https://other.example.com", "name": "" }))),
        (bad, Method::POST, "/api/resources".into(), Some(json!({ "name": "No identifier" }))),
        (conflict, Method::POST, "/api/resources".into(), Some(json!({ "identifier": API, "name": "Again" }))),
        (missing, Method::GET, "/api/resources/no-such-resource".into(), None),
        (missing, Method::DELETE, "/api/resources/no-such-resource".into(), None),
        (missing, Method::PATCH, "/api/resources/no-such-resource".into(), Some(json!({ "name": "Renamed" }))),
        (bad, Method::PATCH, format!("/api/resources/{resource}"), Some(json!({ "name": "" }))),
        (bad, Method::PATCH, format!("/api/resources/{resource}"), Some(json!({ "identifier": "https://other.example.com" }))),
        (unprocessable, Method::PATCH, format!("/api/resources/{resource}"), Some(json!({ "name": "Renamed", "server_client_id": "no-such-app" }))),
        (unprocessable, Method::PATCH, format!("/api/resources/{resource}"), Some(json!({ "name": "Renamed", "token_encryption_key": { "kty": "oct", "k": "AAAA" } }))),
        (unprocessable, Method::POST, "/api/resources".into(), Some(json!({ "identifier": "https://other.example.com", "name": "Other", "server_client_id": "no-such-app" }))),
        // Rights.
        (missing, Method::GET, "/api/resources/no-such-resource/rights".into(), None),
        (missing, Method::POST, "/api/resources/no-such-resource/rights".into(), Some(json!({ "name": "reports:export" }))),
        (bad, Method::POST, format!("/api/resources/{resource}/rights"), Some(json!({ "name": "Reports Read" }))),
        (bad, Method::POST, format!("/api/resources/{resource}/rights"), Some(json!({ "name": "reports:export", "parameters": ["Region"] }))),
        (conflict, Method::POST, format!("/api/resources/{resource}/rights"), Some(json!({ "name": "reports:read" }))),
        (missing, Method::DELETE, "/api/rights/no-such-right".into(), None),
        // Roles.
        (missing, Method::GET, "/api/resources/no-such-resource/roles".into(), None),
        (missing, Method::POST, "/api/resources/no-such-resource/roles".into(), Some(json!({ "name": "viewer" }))),
        (bad, Method::POST, format!("/api/resources/{resource}/roles"), Some(json!({ "name": "-viewer" }))),
        (conflict, Method::POST, format!("/api/resources/{resource}/roles"), Some(json!({ "name": "analyst" }))),
        (missing, Method::DELETE, "/api/roles/no-such-role".into(), None),
        // Rights in roles.
        (missing, Method::GET, "/api/roles/no-such-role/rights".into(), None),
        (missing, Method::PUT, format!("/api/roles/no-such-role/rights/{plain}"), Some(json!({}))),
        (missing, Method::PUT, format!("/api/roles/{role}/rights/no-such-right"), Some(json!({}))),
        (bad, Method::PUT, format!("/api/roles/{role}/rights/{plain}"), Some(json!({ "constraints": { "region": ["eu"] } }))),
        (bad, Method::PUT, format!("/api/roles/{role}/rights/{plain}"), Some(json!({ "constraints": "eu" }))),
        (conflict, Method::PUT, format!("/api/roles/{role}/rights/{right}"), Some(json!({ "constraints": { "region": ["us"] } }))),
        (missing, Method::DELETE, format!("/api/roles/{role}/rights/{plain}"), None),
        (missing, Method::DELETE, format!("/api/roles/no-such-role/rights/{right}"), None),
        // Grants.
        (missing, Method::GET, "/api/roles/no-such-role/grants".into(), None),
        (missing, Method::POST, "/api/roles/no-such-role/grants".into(), Some(json!({ "subject_kind": "user", "subject_id": c.user }))),
        (missing, Method::POST, format!("/api/roles/{role}/grants"), Some(json!({ "subject_kind": "app", "subject_id": "no-such-app" }))),
        (missing, Method::POST, format!("/api/roles/{role}/grants"), Some(json!({ "subject_kind": "user", "subject_id": c.user, "org_id": "no-such-org" }))),
        (bad, Method::POST, format!("/api/roles/{role}/grants"), Some(json!({ "subject_kind": "group", "subject_id": c.user }))),
        (bad, Method::POST, format!("/api/roles/{role}/grants"), Some(json!({ "subject_kind": "user", "subject_id": "" }))),
        (conflict, Method::POST, format!("/api/roles/{role}/grants"), Some(json!({ "subject_kind": "user", "subject_id": c.user }))),
        (missing, Method::DELETE, "/api/grants/no-such-grant".into(), None),
    ];
    for (status, method, path, body) in cases {
        let code = match status {
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
            StatusCode::NOT_FOUND => "not_found",
            _ => "conflict",
        };
        api.refused(status, code, method, &path, body).await;
    }
    // A body that is not JSON.
    let res = app
        .client
        .post(format!("{}/api/resources", app.admin_url))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    assert_eq!(snapshot(&api, &c).await, before, "nothing changed");
}
