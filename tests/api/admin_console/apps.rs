//! An app's console page (its organization, sharing and secret keys; a new secret shown once,
//! never cached) and the signing keys' page.

use reqwest::StatusCode;
use tessera::access;
use tessera::apps::{self, KeySummary};
use tessera::operators::OperatorRole;

use super::{changed, forged, refused, tag, ALICE, PASSWORD};
use crate::common::console::Console;
use crate::common::{spawn_app, TestApp};

async fn keys(app: &TestApp, client_id: &str) -> Vec<KeySummary> {
    let registered = app.state.apps.find(client_id).await.unwrap().unwrap();
    apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_apps_organization_sharing_and_keys_are_managed_on_its_page() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let (client_id, _) = app.web_app().await;
    let alice_id = app.create_user(ALICE, PASSWORD).await;
    let org = access::create_org(ops, &app.state.clock, "Acme", None)
        .await
        .unwrap();
    let page = format!("/apps/{client_id}");
    let op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;

    // The list, searched by name.
    let (status, html) = op.get("/apps?q=repo").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&client_id) && html.contains("Reports"));
    let (_, html) = op.get("/apps?q=nothing-like-it").await;
    assert!(html.contains("id=\"no-apps\"") && !html.contains(&client_id));

    // Its organization.
    let move_app = format!("{page}/organization");
    forged(&op, &move_app, &[("org_id", &org.id)], &page).await;
    let res = op
        .submit(&page, &move_app, &[("org_id", "no-such-org")])
        .await;
    refused(res, "org_id").await;
    assert_eq!(
        access::find_app_access(ops, &client_id)
            .await
            .unwrap()
            .org_id,
        None
    );
    let res = op.submit(&page, &move_app, &[("org_id", &org.id)]).await;
    changed(&res, &format!("{page}?done=saved"));
    let placed = access::find_app_access(ops, &client_id).await.unwrap();
    assert_eq!(placed.org_id.as_deref(), Some(org.id.as_str()));

    // Shared with Alice, by email, then not.
    let share = format!("{page}/shares");
    forged(
        &op,
        &share,
        &[("share_user", ALICE), ("share_access", "modify")],
        &page,
    )
    .await;
    let res = op
        .submit(
            &page,
            &share,
            &[
                ("share_user", "nobody@example.com"),
                ("share_access", "modify"),
            ],
        )
        .await;
    let html = refused(res, "share_user").await;
    assert!(tag(&html, "share_user").contains("value=\"nobody@example.com\""));
    let res = op
        .submit(
            &page,
            &share,
            &[("share_user", ALICE), ("share_access", "own")],
        )
        .await;
    refused(res, "share_access").await;
    assert!(access::list_shares(ops, &client_id)
        .await
        .unwrap()
        .is_empty());
    let res = op
        .submit(
            &page,
            &share,
            &[("share_user", ALICE), ("share_access", "modify")],
        )
        .await;
    changed(&res, &format!("{page}?done=added"));
    assert_eq!(
        access::list_shares(ops, &client_id).await.unwrap()[0].user_id,
        alice_id
    );
    let (_, html) = op.get(&page).await;
    assert!(html.contains(ALICE));
    let unshare = format!("{page}/shares/{alice_id}/remove");
    let res = op.submit(&page, &unshare, &[]).await;
    changed(&res, &format!("{page}?done=removed"));
    assert!(access::list_shares(ops, &client_id)
        .await
        .unwrap()
        .is_empty());

    // A new key: its secret is shown once, on a page no cache keeps.
    let create = format!("{page}/keys");
    let before = keys(&app, &client_id).await;
    assert_eq!(before.len(), 1);
    forged(&op, &create, &[("key_label", "ci")], &page).await;
    let res = op
        .submit(
            &page,
            &create,
            &[("key_label", "ci"), ("key_expires_in", "soon")],
        )
        .await;
    let html = refused(res, "key_expires_in").await;
    assert!(tag(&html, "key_label").contains("value=\"ci\""));
    assert_eq!(keys(&app, &client_id).await.len(), 1);
    let res = op
        .submit(
            &page,
            &create,
            &[("key_label", "ci"), ("key_expires_in", "90d")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    let secret = html
        .split("id=\"client-secret\" class=\"secret\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    assert_eq!(secret.len(), 43);
    let now = keys(&app, &client_id).await;
    assert_eq!(now.len(), 2);
    let created = now.iter().find(|k| k.label == "ci").unwrap();
    assert!(created.expires_at.is_some());
    assert!(
        !op.get(&page).await.1.contains(&secret),
        "the page never shows it again"
    );

    // Rotating the first key: a bad validity is refused in its row.
    let old = &before[0].key_id;
    let rotate = format!("{page}/keys/{old}/rotate");
    forged(&op, &rotate, &[("old_valid_for", "1d")], &page).await;
    let res = op
        .submit(&page, &rotate, &[("old_valid_for", "tomorrow")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("aria-describedby=\"old_valid_for-1-error\""),
        "{html}"
    );
    assert_eq!(keys(&app, &client_id).await.len(), 2);
    let res = op.submit(&page, &rotate, &[("old_valid_for", "1h")]).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let after = keys(&app, &client_id).await;
    assert_eq!(after.len(), 3);
    assert!(after
        .iter()
        .find(|k| &k.key_id == old)
        .unwrap()
        .expires_at
        .is_some());

    // Revoking the created key.
    let revoke = format!("{page}/keys/{}/revoke", created.key_id);
    forged(&op, &revoke, &[], &page).await;
    let res = op.submit(&page, &revoke, &[]).await;
    changed(&res, &format!("{page}?done=revoked"));
    let revoked = keys(&app, &client_id).await;
    let revoked = revoked.iter().find(|k| k.key_id == created.key_id).unwrap();
    assert!(revoked.revoked_at.is_some());

    // A guest reads the page but gets no form, and may post none.
    let guest = Console::sign_in(&app, "guest@example.com", OperatorRole::Guest).await;
    let (status, html) = guest.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("method=\"post\"").count(), 1, "{html}");
    let res = guest.post(&create, &[("csrf_token", "x")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(keys(&app, &client_id).await.len(), 3);
    assert_eq!(
        guest.get("/apps/no-such-app").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn signing_keys_are_listed_and_rotated_by_admins_only() {
    let app = spawn_app().await;
    let count = || async { app.state.keys.list().await.unwrap().len() };
    let before = count().await;
    let guest = Console::sign_in(&app, "guest@example.com", OperatorRole::Guest).await;
    let (status, html) = guest.get("/keys").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"signing-keys\"") && html.contains("active"));
    assert_eq!(html.matches("method=\"post\"").count(), 1);
    let user_op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;
    let res = user_op.post("/keys/rotate", &[("csrf_token", "x")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let admin = Console::sign_in(&app, "admin@example.com", OperatorRole::Admin).await;
    forged(&admin, "/keys/rotate", &[("alg", "ES256")], "/keys").await;
    let res = admin
        .submit(
            "/keys",
            "/keys/rotate",
            &[("alg", "ES256"), ("remove_previous", "on")],
        )
        .await;
    let html = refused(res, "remove_previous").await;
    assert!(tag(&html, "remove_previous").contains("checked"));
    let res = admin
        .submit("/keys", "/keys/rotate", &[("alg", "HS256")])
        .await;
    refused(res, "alg").await;
    assert_eq!(count().await, before);
    let res = admin
        .submit("/keys", "/keys/rotate", &[("alg", "ES256")])
        .await;
    changed(&res, "/keys?done=rotated");
    assert_eq!(count().await, before + 1);
    let (_, html) = admin.get("/keys?done=rotated").await;
    assert!(html.contains("Rotated.") && html.contains(">next<"));
}
