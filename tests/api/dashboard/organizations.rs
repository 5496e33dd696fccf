//! The dashboard under the access model: an org admin manages every app of the organization, a
//! user changes only what is shared with them for modify, a guest only reads.

use tessera::access::{self, OrgRole, ShareAccess};
use tessera::apps::{self, KeySummary};

use super::{form_token, settings_form, stored, Developer};
use crate::common::{spawn_app, TestApp};

/// Puts an app in an organization and makes this instance see it at once.
async fn assign(app: &TestApp, client_id: &str, org_id: &str) {
    access::assign_app_to_org(
        &app.state.dbs.ops,
        &app.state.clock,
        client_id,
        Some(org_id),
    )
    .await
    .unwrap();
    app.state.apps.refresh_if_changed().await.unwrap();
}

async fn org(app: &TestApp, name: &str, admin: &Developer) -> String {
    access::create_org(
        &app.state.dbs.ops,
        &app.state.clock,
        name,
        Some(&admin.user_id),
    )
    .await
    .unwrap()
    .id
}

async fn join(app: &TestApp, org_id: &str, member: &Developer, role: OrgRole) {
    access::add_member(
        &app.state.dbs.ops,
        &app.state.clock,
        org_id,
        &member.user_id,
        role,
    )
    .await
    .unwrap();
}

async fn share(app: &TestApp, client_id: &str, with: &Developer, access: ShareAccess) {
    access::share_app(
        &app.state.dbs.ops,
        &app.state.clock,
        client_id,
        &with.user_id,
        access,
    )
    .await
    .unwrap();
}

async fn keys(app: &TestApp, client_id: &str) -> Vec<KeySummary> {
    let registered = app.state.apps.find(client_id).await.unwrap().unwrap();
    apps::list_keys(&app.state.dbs.ops, &registered)
        .await
        .unwrap()
}

/// The row of the app in the developer's list, from its App ID to the end of the row.
fn list_row(list: &str, client_id: &str) -> String {
    let at = list
        .find(&format!("<code>{client_id}</code>"))
        .unwrap_or_else(|| panic!("{client_id} not listed:\n{list}"));
    let end = list[at..].find("</tr>").unwrap() + at;
    list[at..end].to_owned()
}

#[tokio::test]
async fn an_org_admin_opens_and_changes_a_members_app() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let carol = Developer::sign_in(&app, "carol@example.com").await;
    let (client_id, _) = alice.create_app(&app, "Reports").await;
    let path = format!("/dashboard/apps/{client_id}");
    assert_eq!(
        carol.get(&app, &path).await.status(),
        404,
        "not the org's app yet"
    );

    let org_id = org(&app, "Acme", &carol).await;
    join(&app, &org_id, &alice, OrgRole::User).await;
    assign(&app, &client_id, &org_id).await;

    let list = carol.page(&app, "/dashboard").await;
    assert!(list_row(&list, &client_id).contains("Manage"));
    let (page, token) = carol.app_page(&app, &client_id).await;
    assert!(
        page.contains(&format!("action=\"{path}/shares\"")),
        "an admin manages the app's sharing"
    );
    let form = settings_form(&token, &[("name", "Renamed by the admin")]);
    let res = carol.post(&app, &path, &form).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        stored(&app, &client_id).await.settings.name,
        "Renamed by the admin"
    );

    let keys_token = form_token(&page, &format!("{path}/keys"));
    let form = [("csrf_token", keys_token.as_str()), ("label", "admin")];
    let res = carol.post(&app, &format!("{path}/keys"), &form).await;
    assert_eq!(res.status(), 201);
    assert!(keys(&app, &client_id)
        .await
        .iter()
        .any(|k| k.label == "admin"));

    // The owner keeps managing it.
    let list = alice.page(&app, "/dashboard").await;
    assert!(list_row(&list, &client_id).contains("Manage"));
}

#[tokio::test]
async fn a_guest_with_a_share_reads_but_changes_nothing() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let gus = Developer::sign_in(&app, "gus@example.com").await;
    let (client_id, _) = alice.create_app(&app, "Reports").await;
    let org_id = org(&app, "Acme", &alice).await;
    join(&app, &org_id, &gus, OrgRole::Guest).await;
    assign(&app, &client_id, &org_id).await;
    // A guest never gets more than read, whatever the share says.
    share(&app, &client_id, &gus, ShareAccess::Modify).await;
    let path = format!("/dashboard/apps/{client_id}");

    let list = gus.page(&app, "/dashboard").await;
    assert!(list_row(&list, &client_id).contains("Read"));
    let res = gus.get(&app, &path).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"read-only\""));
    assert!(
        page.contains("https://app.example.com/callback"),
        "the settings are shown"
    );
    assert_eq!(
        page.matches("name=\"csrf_token\"").count(),
        1,
        "only the sign-out form"
    );
    for action in [
        format!("action=\"{path}\""),
        format!("action=\"{path}/keys\""),
        format!("action=\"{path}/keys/rotate\""),
        format!("action=\"{path}/shares\""),
        "/revoke\"".to_owned(),
    ] {
        assert!(!page.contains(&action), "no form {action}");
    }

    let before = stored(&app, &client_id).await;
    let keys_before = keys(&app, &client_id).await;
    let form = settings_form("forged", &[("name", "Taken")]);
    let res = gus.post(&app, &path, &form).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("not allowed"));
    let revoke = format!("{path}/keys/{}/revoke", keys_before[0].key_id);
    let key_form = [
        ("csrf_token", "forged"),
        ("label", "x"),
        ("old_valid_for", "0s"),
    ];
    for action in [
        format!("{path}/keys"),
        format!("{path}/keys/rotate"),
        revoke,
    ] {
        let res = gus.post(&app, &action, &key_form).await;
        assert_eq!(res.status(), 403, "{action}");
    }
    assert_eq!(stored(&app, &client_id).await, before);
    assert_eq!(keys(&app, &client_id).await, keys_before);
}

#[tokio::test]
async fn a_user_sees_only_what_is_shared_with_them() {
    let app = spawn_app().await;
    let alice = Developer::sign_in(&app, "alice@example.com").await;
    let ursula = Developer::sign_in(&app, "ursula@example.com").await;
    let (shared_id, _) = alice.create_app(&app, "Shared").await;
    let (unshared_id, _) = alice.create_app(&app, "Unshared").await;
    let org_id = org(&app, "Acme", &alice).await;
    join(&app, &org_id, &ursula, OrgRole::User).await;
    assign(&app, &shared_id, &org_id).await;
    assign(&app, &unshared_id, &org_id).await;
    share(&app, &shared_id, &ursula, ShareAccess::Modify).await;

    let list = ursula.page(&app, "/dashboard").await;
    assert!(list_row(&list, &shared_id).contains("Modify"));
    assert!(
        !list.contains(&unshared_id),
        "an org member sees only what is shared"
    );
    let unshared = format!("/dashboard/apps/{unshared_id}");
    assert_eq!(ursula.get(&app, &unshared).await.status(), 404);
    let before = stored(&app, &unshared_id).await;
    let res = ursula
        .post(
            &app,
            &unshared,
            &settings_form("forged", &[("name", "Taken")]),
        )
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(stored(&app, &unshared_id).await, before);

    let path = format!("/dashboard/apps/{shared_id}");
    let (page, token) = ursula.app_page(&app, &shared_id).await;
    assert!(
        !page.contains(&format!("action=\"{path}/shares\"")),
        "modify does not manage sharing"
    );
    let res = ursula
        .post(&app, &path, &settings_form(&token, &[("name", "Renamed")]))
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(stored(&app, &shared_id).await.settings.name, "Renamed");
    let keys_token = form_token(&page, &format!("{path}/keys"));
    let form = [("csrf_token", keys_token.as_str()), ("label", "ursula")];
    let res = ursula.post(&app, &format!("{path}/keys"), &form).await;
    assert_eq!(res.status(), 201);

    // A read share of the other app lets her read it, no more.
    share(&app, &unshared_id, &ursula, ShareAccess::Read).await;
    let list = ursula.page(&app, "/dashboard").await;
    assert!(list_row(&list, &unshared_id).contains("Read"));
    let page = ursula.page(&app, &unshared).await;
    assert!(!page.contains(&format!("action=\"{unshared}\"")));
}
