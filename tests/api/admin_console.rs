//! The admin console's pages: each renders for a guest operator without personal data or
//! forms; each form refuses a bad CSRF token and a bad value (422, the error next to its field,
//! the typed value kept) with nothing changed, and a good one changes the database and answers
//! 303 back to the page; a guest's POST is 403. (Who may call which route at all is the
//! rule-table matrix in `admin_api.rs`.)

mod apps;
mod code_step;
mod resources;

use reqwest::StatusCode;
use tessera::access::{self, OrgRole};
use tessera::identity;
use tessera::operators::OperatorRole;

use crate::common::console::{form_token, Console};
use crate::common::{location, spawn_app, TestApp};

const ALICE: &str = "alice@example.com";
const PASSWORD: &str = "correct horse battery";

/// The tag of the element with this id.
pub(crate) fn tag<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in page:\n{html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = html[at..].find('>').unwrap() + at;
    &html[start..=end]
}

/// A refused form: 422, the message next to `field` (which is marked invalid); the page.
pub(crate) async fn refused(res: reqwest::Response, field: &str) -> String {
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    let input = tag(&html, field);
    assert!(input.contains("aria-invalid=\"true\""), "{input}");
    assert!(input.contains(&format!("{field}-error")), "{input}");
    assert!(html.contains(&format!("id=\"{field}-error\"")), "{html}");
    html
}

/// A POST whose token is not good: back to `page` with nothing changed.
pub(crate) async fn forged(console: &Console, action: &str, fields: &[(&str, &str)], page: &str) {
    let mut form = vec![("csrf_token", "forged")];
    form.extend_from_slice(fields);
    let res = console.post(action, &form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{action}");
    assert_eq!(location(&res), format!("{page}?done=expired"), "{action}");
}

/// A change that worked: 303 to `to`.
pub(crate) fn changed(res: &reqwest::Response, to: &str) {
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(res), to);
}

/// Alice, a user who is no operator.
async fn alice(app: &TestApp) -> String {
    app.create_user(ALICE, PASSWORD).await
}

#[tokio::test]
async fn every_page_renders_for_a_guest_without_personal_data_or_forms() {
    let app = spawn_app().await;
    let alice_id = alice(&app).await;
    let ops = &app.state.dbs.ops;
    let org = access::create_org(ops, &app.state.clock, "Acme", Some(&alice_id))
        .await
        .unwrap();
    let resource =
        access::register_resource(ops, &app.state.clock, "https://api.example.com", "Reports")
            .await
            .unwrap();
    let right = access::add_right(ops, &resource.id, "reports:read", "", &["region".into()])
        .await
        .unwrap();
    let role = access::create_role(ops, &resource.id, "analyst", "")
        .await
        .unwrap();
    let constraints = [("region".to_owned(), ["eu".to_owned()].into())].into();
    access::add_role_right(ops, &role.id, &right.id, constraints)
        .await
        .unwrap();
    let subject = access::Subject::User(alice_id.clone());
    access::grant_role(ops, &app.state.clock, &role.id, &subject, Some(&org.id))
        .await
        .unwrap();

    let (client_id, _) = app.web_app().await;
    access::share_app(
        ops,
        &app.state.clock,
        &client_id,
        &alice_id,
        access::ShareAccess::Read,
    )
    .await
    .unwrap();

    let guest = Console::sign_in(&app, "guest@example.com", OperatorRole::Guest).await;
    let pages = [
        "/".to_owned(),
        "/users".to_owned(),
        format!("/users/{alice_id}"),
        "/organizations".to_owned(),
        format!("/organizations/{}", org.id),
        "/resources".to_owned(),
        format!("/resources/{}", resource.id),
        "/apps".to_owned(),
        format!("/apps/{client_id}"),
        "/keys".to_owned(),
    ];
    for path in &pages {
        let (status, html) = guest.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}:\n{html}");
        assert!(html.contains("<nav aria-label=\"Console\""), "{path}");
        for pii in [ALICE, "guest@example.com", "Alice Doe"] {
            assert!(!html.contains(pii), "{path} shows {pii} to a guest");
        }
        // The only form a guest gets is the one signing out.
        assert_eq!(
            html.matches("method=\"post\"").count(),
            1,
            "{path}:\n{html}"
        );
    }
    let (_, html) = guest.get("/users").await;
    assert!(html.contains(&alice_id), "users are listed by id");
    let (_, html) = guest.get(&format!("/resources/{}", resource.id)).await;
    assert!(html.contains("region=eu") && html.contains(&alice_id) && html.contains("Acme"));

    // A guest may not search by email, which reads personal data.
    let (status, html) = guest.get("/users?q=alice%40example.com").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(tag(&html, "q").contains("aria-invalid=\"true\""));
    assert!(html.contains("needs the user operator role"));

    // Nor post anything, even with a token made for the form.
    let admin = Console::sign_in(&app, "admin@example.com", OperatorRole::Admin).await;
    let token = admin.token("/organizations", "/organizations").await;
    let res = guest
        .post(
            "/organizations",
            &[("csrf_token", &token), ("name", "Evil")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(access::list_orgs(ops).await.unwrap().len(), 1);
    for (path, form) in [
        (
            "/users".to_owned(),
            vec![("email", "x@example.com"), ("password", PASSWORD)],
        ),
        (format!("/users/{alice_id}/disable"), vec![]),
        (
            format!("/organizations/{}/rename", org.id),
            vec![("name", "Evil")],
        ),
        (
            format!("/resources/{}/roles", resource.id),
            vec![("role_name", "evil")],
        ),
    ] {
        let res = guest.post(&path, &form).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        !identity::find_user_record(&app.state.dbs.accounts, &app.state.pii, &alice_id, false)
            .await
            .unwrap()
            .is_disabled
    );
    // Without a session, every page leads to the sign-in page.
    let res = app
        .browser()
        .get(format!("{}/organizations", app.admin_url))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/login");
}

#[tokio::test]
async fn users_are_created_searched_disabled_and_deleted() {
    let app = spawn_app().await;
    let accounts = &app.state.dbs.accounts;
    let op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;
    let count = || async {
        identity::find_users_page(
            accounts,
            &app.state.pii,
            &identity::UserSearch::All,
            1,
            200,
            false,
        )
        .await
        .unwrap()
        .total
    };
    assert_eq!(count().await, 1);

    forged(
        &op,
        "/users",
        &[("email", ALICE), ("password", PASSWORD)],
        "/users",
    )
    .await;
    let res = op
        .submit(
            "/users",
            "/users",
            &[
                ("email", "not an email"),
                ("name", "Alice"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let html = refused(res, "email").await;
    assert!(
        tag(&html, "name").contains("value=\"Alice\""),
        "the typed name is kept"
    );
    let res = op
        .submit(
            "/users",
            "/users",
            &[("email", ALICE), ("password", "short")],
        )
        .await;
    let html = refused(res, "password").await;
    assert!(tag(&html, "email").contains(&format!("value=\"{ALICE}\"")));
    assert!(
        !tag(&html, "password").contains("short"),
        "a password is never sent back"
    );
    assert_eq!(count().await, 1, "nothing was created");

    let res = op
        .submit(
            "/users",
            "/users",
            &[("email", ALICE), ("name", "Alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let id = page
        .strip_prefix("/users/")
        .and_then(|rest| rest.strip_suffix("?done=created"))
        .unwrap()
        .to_owned();
    assert_eq!(count().await, 2);
    let res = op
        .submit(
            "/users",
            "/users",
            &[("email", ALICE), ("password", PASSWORD)],
        )
        .await;
    refused(res, "email").await;

    // An operator who may read personal data finds a user by email.
    let (status, html) = op.get("/users?q=alice%40example.com").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&id) && html.contains(ALICE) && !html.contains("op@example.com"));
    let (status, html) = op.get("/users?q=no%20such").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"q-error\""));

    // Disabling ends the user's sessions.
    let session = identity::start_session(
        &app.state.dbs.ops,
        &id,
        vec!["pwd".into()],
        app.state.clock.now(),
        std::time::Duration::from_secs(600),
    )
    .await
    .unwrap();
    let user_page = format!("/users/{id}");
    forged(&op, &format!("{user_page}/disable"), &[], &user_page).await;
    let is_live = || async {
        identity::find_live_session(&app.state.dbs.ops, &session.id, app.state.clock.now())
            .await
            .unwrap()
            .is_some()
    };
    let is_disabled = || async {
        identity::find_user_record(accounts, &app.state.pii, &id, false)
            .await
            .unwrap()
            .is_disabled
    };
    assert!(is_live().await && !is_disabled().await);
    let res = op
        .submit(&user_page, &format!("{user_page}/disable"), &[])
        .await;
    changed(&res, &format!("{user_page}?done=disabled"));
    assert!(!is_live().await && is_disabled().await);
    let (_, html) = op.get(&format!("{user_page}?done=disabled")).await;
    assert!(
        html.contains("their sessions have ended") && html.contains("disabled: cannot sign in")
    );
    let res = op
        .submit(&user_page, &format!("{user_page}/enable"), &[])
        .await;
    changed(&res, &format!("{user_page}?done=enabled"));
    assert!(!is_disabled().await);
    let res = op
        .submit(&user_page, &format!("{user_page}/sessions/revoke"), &[])
        .await;
    changed(&res, &format!("{user_page}?done=sessions"));

    // Deleting needs the admin role: the page offers no such form to a user operator.
    let (_, html) = op.get(&user_page).await;
    assert!(!html.contains(&format!("{user_page}/delete")));
    let res = op
        .post(&format!("{user_page}/delete"), &[("csrf_token", "x")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let admin = Console::sign_in(&app, "admin@example.com", OperatorRole::Admin).await;
    forged(&admin, &format!("{user_page}/delete"), &[], &user_page).await;
    assert_eq!(count().await, 3);
    // The only admin of an organization is not deleted: 409, the reason shown, nothing changed.
    let ops = &app.state.dbs.ops;
    let org = access::create_org(ops, &app.state.clock, "Acme", Some(&id))
        .await
        .unwrap();
    let res = admin
        .submit(&user_page, &format!("{user_page}/delete"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("only admin"));
    assert_eq!(count().await, 3);
    assert_eq!(access::list_members(ops, &org.id).await.unwrap().len(), 1);
    access::delete_org(ops, &app.state.clock, &org.id, false)
        .await
        .unwrap();
    let res = admin
        .submit(&user_page, &format!("{user_page}/delete"), &[])
        .await;
    changed(&res, "/users?done=deleted");
    assert_eq!(count().await, 2);
    assert_eq!(admin.get(&user_page).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn organizations_are_created_renamed_and_deleted() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let alice_id = alice(&app).await;
    let op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;

    forged(&op, "/organizations", &[("name", "Acme")], "/organizations").await;
    let res = op
        .submit(
            "/organizations",
            "/organizations",
            &[("name", "  "), ("first_admin", ALICE)],
        )
        .await;
    let html = refused(res, "name").await;
    assert!(tag(&html, "first_admin").contains(&format!("value=\"{ALICE}\"")));
    let res = op
        .submit(
            "/organizations",
            "/organizations",
            &[("name", "Acme"), ("first_admin", "nobody@example.com")],
        )
        .await;
    refused(res, "first_admin").await;
    assert!(access::list_orgs(ops).await.unwrap().is_empty());

    let res = op
        .submit(
            "/organizations",
            "/organizations",
            &[("name", "Acme"), ("first_admin", ALICE)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let orgs = access::list_orgs(ops).await.unwrap();
    assert_eq!(orgs.len(), 1);
    let org = &orgs[0];
    let page = format!("/organizations/{}", org.id);
    assert_eq!(location(&res), format!("{page}?done=created"));
    let members = access::list_members(ops, &org.id).await.unwrap();
    assert_eq!(
        (members[0].user_id.as_str(), members[0].role),
        (alice_id.as_str(), OrgRole::Admin)
    );
    let (_, html) = op.get(&page).await;
    assert!(
        html.contains(ALICE),
        "members are shown by email to a user operator"
    );

    access::create_org(ops, &app.state.clock, "Globex", None)
        .await
        .unwrap();
    let rename = format!("{page}/rename");
    forged(&op, &rename, &[("name", "Initech")], &page).await;
    let res = op.submit(&page, &rename, &[("name", "Globex")]).await;
    let html = refused(res, "name").await;
    assert!(html.contains("already exists") && tag(&html, "name").contains("value=\"Globex\""));
    let res = op.submit(&page, &rename, &[("name", "Initech")]).await;
    changed(&res, &format!("{page}?done=renamed"));
    assert_eq!(
        access::find_org(ops, &org.id).await.unwrap().unwrap().name,
        "Initech"
    );

    // Deleting needs the admin role; an organization that owns apps needs "force".
    let delete = format!("{page}/delete");
    assert_eq!(
        op.post(&delete, &[("csrf_token", "x")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let (client_id, _) = app.web_app().await;
    access::assign_app_to_org(ops, &app.state.clock, &client_id, Some(&org.id))
        .await
        .unwrap();
    let admin = Console::sign_in(&app, "admin@example.com", OperatorRole::Admin).await;
    forged(&admin, &delete, &[("force", "on")], &page).await;
    let res = admin.submit(&page, &delete, &[]).await;
    let html = refused(res, "force").await;
    assert!(html.contains("still owns 1 app(s)"), "{html}");
    assert!(access::find_org(ops, &org.id).await.unwrap().is_some());
    let res = admin.submit(&page, &delete, &[("force", "on")]).await;
    changed(&res, "/organizations?done=deleted");
    assert!(access::find_org(ops, &org.id).await.unwrap().is_none());
    assert_eq!(
        access::find_app_access(ops, &client_id)
            .await
            .unwrap()
            .org_id,
        None
    );
    assert_eq!(admin.get(&page).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_are_added_changed_and_removed_with_refusals_next_to_the_field() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let alice_id = alice(&app).await;
    let bob_id = app.create_user("bob@example.com", PASSWORD).await;
    let org = access::create_org(ops, &app.state.clock, "Acme", Some(&alice_id))
        .await
        .unwrap();
    let page = format!("/organizations/{}", org.id);
    let add = format!("{page}/members");
    let op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;
    let roles = || async {
        access::list_members(ops, &org.id)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.user_id, m.role))
            .collect::<Vec<_>>()
    };

    forged(
        &op,
        &add,
        &[("member_user", "bob@example.com"), ("member_role", "user")],
        &page,
    )
    .await;
    let res = op
        .submit(
            &page,
            &add,
            &[
                ("member_user", "nobody@example.com"),
                ("member_role", "user"),
            ],
        )
        .await;
    let html = refused(res, "member_user").await;
    assert!(tag(&html, "member_user").contains("value=\"nobody@example.com\""));
    let res = op
        .submit(
            &page,
            &add,
            &[("member_user", ALICE), ("member_role", "user")],
        )
        .await;
    let html = refused(res, "member_user").await;
    assert!(html.contains("already a member"));
    let res = op
        .submit(
            &page,
            &add,
            &[("member_user", "bob@example.com"), ("member_role", "owner")],
        )
        .await;
    refused(res, "member_role").await;
    // A disabled user is refused until enabled again.
    identity::disable_user(&app.state.dbs, &bob_id, app.state.clock.now())
        .await
        .unwrap();
    let res = op
        .submit(
            &page,
            &add,
            &[("member_user", &bob_id), ("member_role", "guest")],
        )
        .await;
    let html = refused(res, "member_user").await;
    assert!(html.contains("is disabled"), "{html}");
    identity::enable_user(&app.state.dbs, &bob_id, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(roles().await, vec![(alice_id.clone(), OrgRole::Admin)]);

    // By id as well as by email.
    let res = op
        .submit(
            &page,
            &add,
            &[("member_user", &bob_id), ("member_role", "guest")],
        )
        .await;
    changed(&res, &format!("{page}?done=added"));
    assert_eq!(roles().await[1], (bob_id.clone(), OrgRole::Guest));

    // The last admin can be neither demoted nor removed: the refusal is in their row.
    let demote = format!("{page}/members/{alice_id}/role");
    forged(&op, &demote, &[("role", "user")], &page).await;
    let res = op.submit(&page, &demote, &[("role", "user")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("must keep at least one admin"), "{html}");
    assert!(html.contains("aria-describedby=\"role-1-error\""));
    let remove_alice = format!("{page}/members/{alice_id}/remove");
    let res = op.submit(&page, &remove_alice, &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(roles().await[0], (alice_id.clone(), OrgRole::Admin));

    let promote = format!("{page}/members/{bob_id}/role");
    let res = op.submit(&page, &promote, &[("role", "admin")]).await;
    changed(&res, &format!("{page}?done=saved"));
    let res = op.submit(&page, &remove_alice, &[]).await;
    changed(&res, &format!("{page}?done=removed"));
    assert_eq!(roles().await, vec![(bob_id.clone(), OrgRole::Admin)]);

    // A token for one organization's form does not work for another's.
    let other = access::create_org(ops, &app.state.clock, "Globex", Some(&alice_id))
        .await
        .unwrap();
    let token = form_token(&op.get(&page).await.1, &add);
    let res = op
        .post(
            &format!("/organizations/{}/members", other.id),
            &[
                ("csrf_token", &token),
                ("member_user", &bob_id),
                ("member_role", "admin"),
            ],
        )
        .await;
    assert_eq!(
        location(&res),
        format!("/organizations/{}?done=expired", other.id)
    );
    assert_eq!(access::list_members(ops, &other.id).await.unwrap().len(), 1);
}
