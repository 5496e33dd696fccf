//! A resource's console page: register it, add rights with parameters, bundle them in roles
//! with constraints, grant a role to a user, and undo each; every refusal next to its field.

use reqwest::StatusCode;
use tessera::access::{self, Subject};
use tessera::operators::OperatorRole;

use super::{changed, forged, refused, tag, ALICE, PASSWORD};
use crate::common::console::Console;
use crate::common::{location, spawn_app};

#[tokio::test]
async fn rights_roles_and_grants_are_managed_on_the_resource_page() {
    let app = spawn_app().await;
    let ops = &app.state.dbs.ops;
    let alice_id = app.create_user(ALICE, PASSWORD).await;
    let org = access::create_org(ops, &app.state.clock, "Acme", None)
        .await
        .unwrap();
    let admin = Console::sign_in(&app, "admin@example.com", OperatorRole::Admin).await;

    // Registering needs the admin role.
    let user_op = Console::sign_in(&app, "op@example.com", OperatorRole::User).await;
    let (_, html) = user_op.get("/resources").await;
    assert!(!html.contains("method=\"post\" action=\"/resources\""));
    let res = user_op
        .post(
            "/resources",
            &[
                ("csrf_token", "x"),
                ("identifier", "https://api.example.com"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let fields = [
        ("identifier", "https://api.example.com"),
        ("name", "Reports"),
    ];
    forged(&admin, "/resources", &fields, "/resources").await;
    let res = admin
        .submit(
            "/resources",
            "/resources",
            &[("identifier", "api"), ("name", "Reports")],
        )
        .await;
    let html = refused(res, "identifier").await;
    assert!(tag(&html, "name").contains("value=\"Reports\""));
    assert!(access::list_resources(ops).await.unwrap().is_empty());
    let res = admin.submit("/resources", "/resources", &fields).await;
    let resource = access::list_resources(ops).await.unwrap().remove(0);
    let page = format!("/resources/{}", resource.id);
    changed(&res, &format!("{page}?done=created"));

    // A right with a parameter.
    let rights = format!("{page}/rights");
    let right_form = [
        ("right_name", "reports:read"),
        ("right_parameters", "region"),
    ];
    forged(&admin, &rights, &right_form, &page).await;
    let res = admin
        .submit(
            &page,
            &rights,
            &[
                ("right_name", "reports:read"),
                ("right_parameters", "Region!"),
            ],
        )
        .await;
    refused(res, "right_parameters").await;
    let res = admin
        .submit(&page, &rights, &[("right_name", "Reports Read")])
        .await;
    refused(res, "right_name").await;
    assert!(access::list_rights(ops, &resource.id)
        .await
        .unwrap()
        .is_empty());
    let res = admin.submit(&page, &rights, &right_form).await;
    changed(&res, &format!("{page}?done=added"));
    let right = access::list_rights(ops, &resource.id)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(right.parameters.iter().collect::<Vec<_>>(), ["region"]);

    // A role holding it, constrained to region=eu.
    let roles = format!("{page}/roles");
    forged(&admin, &roles, &[("role_name", "analyst")], &page).await;
    let res = admin
        .submit(&page, &roles, &[("role_name", "Analyst!")])
        .await;
    refused(res, "role_name").await;
    assert!(access::list_roles(ops, &resource.id)
        .await
        .unwrap()
        .is_empty());
    let res = admin
        .submit(&page, &roles, &[("role_name", "analyst")])
        .await;
    changed(&res, &format!("{page}?done=created"));
    let role = access::list_roles(ops, &resource.id)
        .await
        .unwrap()
        .remove(0);
    let put = format!("{page}/roles/{}/rights", role.id);
    forged(
        &admin,
        &put,
        &[("right_id", &right.id), ("constraints", "region=eu")],
        &page,
    )
    .await;
    let res = admin
        .submit(
            &page,
            &put,
            &[("right_id", &right.id), ("constraints", "country=cz")],
        )
        .await;
    let html = refused(res, "constraints-1").await;
    assert!(html.contains("cannot be constrained by `country`"));
    assert!(tag(&html, "constraints-1").contains("value=\"country=cz\""));
    let res = admin
        .submit(
            &page,
            &put,
            &[("right_id", &right.id), ("constraints", "region")],
        )
        .await;
    refused(res, "constraints-1").await;
    assert!(access::list_role_rights(ops, &role.id)
        .await
        .unwrap()
        .is_empty());
    let res = admin
        .submit(
            &page,
            &put,
            &[("right_id", &right.id), ("constraints", "region=eu")],
        )
        .await;
    changed(&res, &format!("{page}?done=added"));
    let held = access::list_role_rights(ops, &role.id).await.unwrap();
    assert_eq!(
        held[0].constraints["region"].iter().collect::<Vec<_>>(),
        ["eu"]
    );
    let res = admin
        .submit(&page, &put, &[("right_id", &right.id), ("constraints", "")])
        .await;
    let html = refused(res, "right_id-1").await;
    assert!(html.contains("already in this role"));

    // Granted to Alice in one organization, by email.
    let grants = format!("{page}/grants");
    let grant_form = [
        ("grant_role", role.id.as_str()),
        ("grant_user", ALICE),
        ("grant_org", org.id.as_str()),
    ];
    forged(&admin, &grants, &grant_form, &page).await;
    let res = admin
        .submit(
            &page,
            &grants,
            &[
                ("grant_role", &role.id),
                ("grant_user", "nobody@example.com"),
                ("grant_org", ""),
            ],
        )
        .await;
    let html = refused(res, "grant_user").await;
    assert!(tag(&html, "grant_user").contains("value=\"nobody@example.com\""));
    let res = admin
        .submit(
            &page,
            &grants,
            &[
                ("grant_role", "no-such-role"),
                ("grant_user", ALICE),
                ("grant_org", ""),
            ],
        )
        .await;
    refused(res, "grant_role").await;
    assert!(access::list_role_grants(ops, &role.id)
        .await
        .unwrap()
        .is_empty());
    let res = admin.submit(&page, &grants, &grant_form).await;
    changed(&res, &format!("{page}?done=granted"));
    let granted = access::list_role_grants(ops, &role.id).await.unwrap();
    assert_eq!(granted.len(), 1);
    assert_eq!(granted[0].subject, Subject::User(alice_id.clone()));
    assert_eq!(granted[0].org_id.as_deref(), Some(org.id.as_str()));
    let (_, html) = admin.get(&page).await;
    let table = &html[html.find("id=\"grants-table\"").unwrap()..];
    assert!(table.contains(ALICE) && table.contains("Acme") && table.contains("analyst"));
    let res = admin.submit(&page, &grants, &grant_form).await;
    refused(res, "grant_user").await;

    // Each undone, with a bad token first.
    let revoke = format!("{page}/grants/{}/delete", granted[0].id);
    forged(&admin, &revoke, &[], &page).await;
    assert_eq!(
        access::list_role_grants(ops, &role.id).await.unwrap().len(),
        1
    );
    let res = admin.submit(&page, &revoke, &[]).await;
    changed(&res, &format!("{page}?done=revoked"));
    assert!(access::list_role_grants(ops, &role.id)
        .await
        .unwrap()
        .is_empty());
    let take_out = format!("{page}/roles/{}/rights/{}/remove", role.id, right.id);
    forged(&admin, &take_out, &[], &page).await;
    let res = admin.submit(&page, &take_out, &[]).await;
    changed(&res, &format!("{page}?done=removed"));
    assert!(access::list_role_rights(ops, &role.id)
        .await
        .unwrap()
        .is_empty());
    let delete_role = format!("{page}/roles/{}/delete", role.id);
    let res = admin.submit(&page, &delete_role, &[]).await;
    changed(&res, &format!("{page}?done=deleted"));
    let delete_right = format!("{page}/rights/{}/delete", right.id);
    let res = admin.submit(&page, &delete_right, &[]).await;
    changed(&res, &format!("{page}?done=deleted"));
    assert!(access::list_rights(ops, &resource.id)
        .await
        .unwrap()
        .is_empty());
    let delete = format!("{page}/delete");
    forged(&admin, &delete, &[], &page).await;
    let res = admin.submit(&page, &delete, &[]).await;
    changed(&res, "/resources?done=deleted");
    assert!(access::list_resources(ops).await.unwrap().is_empty());
    assert_eq!(
        location(&admin.post(&delete, &[("csrf_token", "x")]).await),
        format!("{page}?done=expired")
    );
}
