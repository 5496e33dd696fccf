//! Sharing an app from its page: the owner shares it with a user for read or modify and ends the
//! share; someone who may only modify it cannot touch its sharing.

use tessera::access::{self, Share, ShareAccess};

use super::{element_text, form_token, Developer};
use crate::common::{location, spawn_app, TestApp};

async fn shares(app: &TestApp, client_id: &str) -> Vec<Share> {
    access::list_shares(&app.state.dbs.ops, client_id)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_disabled_user_is_refused_like_an_unknown_address() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let carol = app
        .create_user("carol@example.com", "carol-password-1")
        .await;
    tessera::identity::disable_user(&app.state.dbs, &carol, chrono::Utc::now())
        .await
        .unwrap();
    let (client_id, _) = alice.create_app(&app, "Reports").await;
    let shares_path = format!("/dashboard/apps/{client_id}/shares");
    let (page, _) = alice.app_page(&app, &client_id).await;
    let token = form_token(&page, &shares_path);
    let form = [
        ("csrf_token", token.as_str()),
        ("share_user", "carol@example.com"),
        ("share_access", "read"),
    ];
    let res = alice.post(&app, &shares_path, &form).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(!element_text(&page, "share_user-error").is_empty());
    assert!(
        page.contains("carol@example.com"),
        "the typed value is kept"
    );
    assert!(shares(&app, &client_id).await.is_empty());
}

#[tokio::test]
async fn the_owner_shares_and_unshares_and_a_modifier_cannot() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let bob = Developer::sign_in(&app, "bob@example.com").await;
    let (client_id, _) = alice.create_app(&app, "Reports").await;
    let path = format!("/dashboard/apps/{client_id}");
    let shares_path = format!("{path}/shares");
    let (page, _) = alice.app_page(&app, &client_id).await;
    assert!(page.contains("This app is not shared with anyone."));
    let token = form_token(&page, &shares_path);

    let refusals = [
        (
            ("share_user", "nobody@example.com"),
            ("share_access", "read"),
            "share_user-error",
        ),
        (
            ("share_user", "not an email"),
            ("share_access", "read"),
            "share_user-error",
        ),
        (
            ("share_user", "bob@example.com"),
            ("share_access", "write"),
            "share_access-error",
        ),
    ];
    for (user, access, error) in refusals {
        let form = [("csrf_token", token.as_str()), user, access];
        let res = alice.post(&app, &shares_path, &form).await;
        assert_eq!(res.status(), 422, "{error}");
        let page = res.text().await.unwrap();
        assert!(
            !element_text(&page, error).is_empty(),
            "{error} next to the field"
        );
        assert!(page.contains(user.1), "the typed value is kept");
        assert!(shares(&app, &client_id).await.is_empty());
    }
    let forged = [
        ("csrf_token", "forged"),
        ("share_user", "bob@example.com"),
        ("share_access", "modify"),
    ];
    assert_eq!(alice.post(&app, &shares_path, &forged).await.status(), 403);
    assert!(shares(&app, &client_id).await.is_empty());

    let form = [
        ("csrf_token", token.as_str()),
        ("share_user", "bob@example.com"),
        ("share_access", "modify"),
    ];
    let res = alice.post(&app, &shares_path, &form).await;
    assert_eq!(location(&res), format!("{path}?done=shared"));
    let now = shares(&app, &client_id).await;
    assert_eq!(now.len(), 1);
    assert_eq!(
        (now[0].user_id.as_str(), now[0].access),
        (bob.user_id.as_str(), ShareAccess::Modify)
    );
    let page = alice.page(&app, &location(&res)).await;
    assert!(page.contains("App shared.") && page.contains("bob@example.com"));

    // Bob may change the app but not its sharing, even with a form he crafts.
    let (bobs_page, bobs_token) = bob.app_page(&app, &client_id).await;
    assert!(!bobs_page.contains(&format!("action=\"{shares_path}\"")));
    Developer::new(&app, "carol@example.com").await;
    for (token, action) in [
        ("forged", shares_path.clone()),
        (bobs_token.as_str(), shares_path.clone()),
        (
            bobs_token.as_str(),
            format!("{shares_path}/{}/remove", bob.user_id),
        ),
    ] {
        let form = [
            ("csrf_token", token),
            ("share_user", "carol@example.com"),
            ("share_access", "modify"),
        ];
        let res = bob.post(&app, &action, &form).await;
        assert_eq!(res.status(), 403, "{action}");
        assert_eq!(shares(&app, &client_id).await, now, "nothing changed");
    }

    let remove = format!("{shares_path}/{}/remove", bob.user_id);
    let page = alice.page(&app, &path).await;
    let token = form_token(&page, &remove);
    let res = alice
        .post(&app, &remove, &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(location(&res), format!("{path}?done=unshared"));
    assert!(shares(&app, &client_id).await.is_empty());
    assert_eq!(
        bob.get(&app, &path).await.status(),
        404,
        "no longer his to see"
    );
    assert!(!bob.page(&app, "/dashboard").await.contains(&client_id));
    let res = alice
        .post(&app, &remove, &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(res.status(), 404, "a share that is gone");
}
