//! What disabling and deleting a user ends beyond their sessions: refresh tokens, the access
//! tokens of the same grants and outstanding codes; deleting also their memberships, shares and
//! grants, and the only admin of an organization only when forced.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tessera::access::{self, OrgRole, ShareAccess, Subject};
use tessera::identity;
use tessera::operators::{self, OperatorRole};

use super::send;
use crate::admin_api::operator_token;
use crate::common::{spawn_app, TestApp};
use crate::flow::{code_for_scopes, exchange, urlencode, EMAIL, PASSWORD};

const API: &str = "https://api.example.com/reports";

/// Alice's tokens for the web app: (access token, refresh token), for `API` when `resource`.
async fn tokens(app: &TestApp, (id, secret): (&str, &str), resource: bool) -> (String, String) {
    let mut scopes = "openid%20offline_access".to_owned();
    if resource {
        scopes.push_str(&format!("&resource={}", urlencode(API)));
    }
    let (_, code, verifier) = code_for_scopes(app, id, &scopes).await;
    let (status, body) = exchange(app, (id, secret), &code, Some(&verifier)).await;
    assert_eq!(status, 200, "{body}");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, creds: (&str, &str), token: &str) -> (StatusCode, Value) {
    let res = app
        .post_token(
            &[("grant_type", "refresh_token"), ("refresh_token", token)],
            Some(creds),
        )
        .await;
    (res.status(), res.json().await.unwrap())
}

fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// A role `analyst` of `API` holding `reports:read`; returns its id.
async fn analyst_role(app: &TestApp) -> String {
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let api = access::register_resource(db, clock, API, "Reports API")
        .await
        .unwrap();
    let read = access::add_right(db, &api.id, "reports:read", "", &[])
        .await
        .unwrap();
    let role = access::create_role(db, &api.id, "analyst", "")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &read.id, Default::default())
        .await
        .unwrap();
    role.id
}

#[tokio::test]
async fn a_refresh_after_disable_fails_and_codes_are_dead() {
    let app = spawn_app().await;
    let user_op = operator_token(&app, OperatorRole::User).await;
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let creds = (id.as_str(), secret.as_str());
    let (access_token, refresh_token) = tokens(&app, creds, false).await;
    let (_, pending_code, pending_verifier) = code_for_scopes(&app, &id, "openid").await;
    assert_eq!(app.introspect(creds, &access_token).await["active"], true);

    let (status, body) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("/api/users/{alice}/disable"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked_refresh_tokens"], 1);
    assert_eq!(body["revoked_authorization_codes"], 1);

    let (status, body) = refresh(&app, creds, &refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_grant");
    let (status, body) = exchange(&app, creds, &pending_code, Some(&pending_verifier)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert_eq!(
        app.introspect(creds, &access_token).await["active"],
        false,
        "the access token of the grant is revoked too"
    );

    // Enabling lets the user sign in again; what was revoked stays revoked.
    let (status, _) = send(
        &app,
        &user_op,
        Method::POST,
        &format!("/api/users/{alice}/enable"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = refresh(&app, creds, &refresh_token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (_, fresh) = tokens(&app, creds, false).await;
    let (status, body) = refresh(&app, creds, &fresh).await;
    assert_eq!(status, StatusCode::OK, "a new grant works: {body}");
}

#[tokio::test]
async fn deleting_a_user_removes_their_memberships_shares_and_grants() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let bob = app.create_user("bob@example.com", PASSWORD).await;
    let (id, secret) = app.web_app().await;
    let creds = (id.as_str(), secret.as_str());
    let role = analyst_role(&app).await;
    let org = access::create_org(db, clock, "Acme", Some(&bob))
        .await
        .unwrap();
    access::add_member(db, clock, &org.id, &alice, OrgRole::Admin)
        .await
        .unwrap();
    access::share_app(db, clock, &id, &alice, ShareAccess::Modify)
        .await
        .unwrap();
    access::grant_role(db, clock, &role, &Subject::User(alice.clone()), None)
        .await
        .unwrap();
    access::grant_role(db, clock, &role, &Subject::User(bob.clone()), None)
        .await
        .unwrap();
    let alice_subject = Subject::User(alice.clone());
    operators::add_operator(db, clock, &alice_subject, OperatorRole::Guest)
        .await
        .unwrap();
    let (access_token, refresh_token) = tokens(&app, creds, true).await;
    assert_eq!(
        claims(&access_token)["rights"],
        json!({ "reports:read": {} })
    );

    let (status, body) = send(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/users/{alice}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["revoked_refresh_tokens"], 1);
    assert_eq!(body["removed_memberships"], 1);
    assert_eq!(body["removed_shares"], 1);
    assert_eq!(body["removed_grants"], 1);
    assert_eq!(body["removed_consents"], 1);
    assert_eq!(body["organizations_without_admin"], json!([]));

    let members = access::list_members(db, &org.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user_id, bob, "only Alice's membership went");
    assert!(access::list_user_shares(db, &alice)
        .await
        .unwrap()
        .is_empty());
    assert!(
        access::list_subject_grants(db, &Subject::User(alice.clone()))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(access::list_role_grants(db, &role).await.unwrap().len(), 1);
    assert_eq!(
        operators::find_operator(db, &alice_subject).await.unwrap(),
        None,
        "her operator role went with her"
    );
    let left = access::token_access(db, Subject::User(alice.clone()), API, Some(&org.id))
        .await
        .unwrap();
    assert!(
        left.rights.is_empty() && left.roles.is_empty() && left.org.is_none(),
        "{left:?}"
    );
    assert_eq!(
        app.introspect(creds, &access_token).await,
        json!({ "active": false }),
        "the token that carried her rights is revoked"
    );
    let (status, body) = refresh(&app, creds, &refresh_token).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn the_only_admin_of_an_organization_is_deleted_only_when_forced() {
    let app = spawn_app().await;
    let admin = operator_token(&app, OperatorRole::Admin).await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let bob = app.create_user("bob@example.com", PASSWORD).await;
    let acme = access::create_org(db, clock, "Acme", Some(&alice))
        .await
        .unwrap();
    access::add_member(db, clock, &acme.id, &bob, OrgRole::User)
        .await
        .unwrap();
    let (id, secret) = app.web_app().await;
    let (_, refresh_token) = tokens(&app, (&id, &secret), false).await;
    let path = format!("/api/users/{alice}");

    for query in ["", "?force=false"] {
        let (status, body) = send(
            &app,
            &admin,
            Method::DELETE,
            &format!("{path}{query}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{query}: {body}");
        assert_eq!(body["error"], "conflict");
        assert!(
            body["error_description"]
                .as_str()
                .unwrap()
                .contains(&acme.id),
            "{body}"
        );
    }
    let (status, body) = send(
        &app,
        &admin,
        Method::DELETE,
        &format!("{path}?force=maybe"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Nothing changed: still there, enabled, a member, and her refresh token works.
    let (status, user) = send(&app, &admin, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["is_disabled"], false);
    assert_eq!(access::list_members(db, &acme.id).await.unwrap().len(), 2);
    let (status, body) = refresh(&app, (&id, &secret), &refresh_token).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = send(
        &app,
        &admin,
        Method::DELETE,
        &format!("{path}?force=true"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["organizations_without_admin"], json!([acme.id]));
    let members = access::list_members(db, &acme.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(
        (members[0].user_id.as_str(), members[0].role),
        (bob.as_str(), OrgRole::User)
    );
    let (status, _) = send(&app, &admin, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_last_admin_operator_is_not_deleted() {
    let app = spawn_app().await;
    let (dbs, clock) = (&app.state.dbs, &app.state.clock);
    let alice = app.create_user(EMAIL, PASSWORD).await;
    let bob = app.create_user("bob@example.com", PASSWORD).await;
    let make_operator = |id: &str, role| {
        let subject = Subject::User(id.to_owned());
        async move {
            operators::add_operator(&dbs.ops, clock, &subject, role)
                .await
                .unwrap()
        }
    };
    make_operator(&alice, OperatorRole::Admin).await;
    make_operator(&bob, OperatorRole::User).await;

    let refused = identity::delete_user_data(dbs, &alice, true, clock.now()).await;
    assert!(
        matches!(refused, Err(identity::UserError::LastAdminOperator)),
        "{refused:?}"
    );
    let alice_subject = Subject::User(alice.clone());
    let kept = operators::find_operator(&dbs.ops, &alice_subject)
        .await
        .unwrap();
    assert_eq!(kept.map(|o| o.role), Some(OperatorRole::Admin));
    let record = identity::find_user_record(&dbs.accounts, &app.state.pii, &alice, false)
        .await
        .unwrap();
    assert!(!record.is_disabled, "nothing changed");

    // With another admin operator she can go.
    operators::set_operator(&dbs.ops, clock, &Subject::User(bob), OperatorRole::Admin)
        .await
        .unwrap();
    identity::delete_user_data(dbs, &alice, false, clock.now())
        .await
        .unwrap();
    assert_eq!(
        operators::find_operator(&dbs.ops, &alice_subject)
            .await
            .unwrap(),
        None
    );
}
