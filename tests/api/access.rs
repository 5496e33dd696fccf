//! The access model over a real database: organizations, members and sharing decide what a user
//! may do with an app; resources, rights, roles and grants decide what a token carries.

use std::collections::BTreeMap;

use tessera::access::{
    self, AccessError, Constraints, OrgRole, Permission, ShareAccess, Subject, TokenAccess,
};
use tessera::apps::NewApp;

use crate::common::{spawn_app, TestApp};

mod refusals;

const API: &str = "https://api.example.com/reports";

/// A client-credentials app, owned by `owner` when given; returns its client id.
async fn app_owned_by(app: &TestApp, owner: Option<&str>) -> String {
    let new = NewApp {
        name: "Reports".into(),
        grant_types: vec!["client_credentials".into()],
        ..Default::default()
    };
    tessera::apps::create_app(
        &app.state.dbs.ops,
        &app.state.clock,
        new.validate().unwrap(),
        owner.map(str::to_owned),
    )
    .await
    .unwrap()
    .client_id
}

async fn user(app: &TestApp, name: &str) -> String {
    app.create_user(
        &format!("{name}@example.com"),
        "correct horse battery staple",
    )
    .await
}

async fn permission(app: &TestApp, user: &str, client_id: &str) -> Permission {
    access::app_permission(&app.state.dbs.ops, user, client_id)
        .await
        .unwrap()
}

fn constraints(pairs: &[(&str, &[&str])]) -> Constraints {
    pairs
        .iter()
        .map(|(p, vs)| {
            (
                (*p).to_owned(),
                vs.iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect()
}

/// A resource with `reports:read` (by region and station) and `reports:write` (no parameter).
struct Catalog {
    resource: String,
    read: String,
    write: String,
}

async fn catalog(app: &TestApp) -> Catalog {
    let db = &app.state.dbs.ops;
    let resource = access::register_resource(db, &app.state.clock, API, "Reports API")
        .await
        .unwrap();
    let read = access::add_right(
        db,
        &resource.id,
        "reports:read",
        "Read reports",
        &["region".into(), "station_id".into()],
    )
    .await
    .unwrap();
    let write = access::add_right(db, &resource.id, "reports:write", "", &[])
        .await
        .unwrap();
    Catalog {
        resource: resource.id,
        read: read.id,
        write: write.id,
    }
}

async fn token(app: &TestApp, subject: Subject, org: Option<&str>) -> TokenAccess {
    access::token_access(&app.state.dbs.ops, subject, API, org)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_org_admin_manages_a_members_app_and_users_get_only_what_is_shared() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let admin = user(&app, "admin").await;
    let developer = user(&app, "developer").await;
    let colleague = user(&app, "colleague").await;
    let outsider = user(&app, "outsider").await;
    let org = access::create_org(db, clock, "Acme", Some(&admin))
        .await
        .unwrap();
    for member in [&developer, &colleague] {
        access::add_member(db, clock, &org.id, member, OrgRole::User)
            .await
            .unwrap();
    }
    let client_id = app_owned_by(&app, Some(&developer)).await;
    let unshared = app_owned_by(&app, Some(&developer)).await;
    for id in [&client_id, &unshared] {
        access::assign_app_to_org(db, &app.state.clock, id, Some(&org.id))
            .await
            .unwrap();
    }

    assert_eq!(
        permission(&app, &developer, &client_id).await,
        Permission::Manage
    );
    assert_eq!(
        permission(&app, &admin, &client_id).await,
        Permission::Manage
    );
    assert_eq!(
        permission(&app, &colleague, &client_id).await,
        Permission::None
    );

    access::share_app(db, clock, &client_id, &colleague, ShareAccess::Read)
        .await
        .unwrap();
    assert_eq!(
        permission(&app, &colleague, &client_id).await,
        Permission::Read
    );
    let share = access::share_app(db, clock, &client_id, &colleague, ShareAccess::Modify)
        .await
        .unwrap();
    assert_eq!(share.access, ShareAccess::Modify, "sharing again replaces");
    assert_eq!(
        permission(&app, &colleague, &client_id).await,
        Permission::Modify
    );
    assert_eq!(
        permission(&app, &colleague, &unshared).await,
        Permission::None,
        "only the shared app"
    );
    assert_eq!(
        permission(&app, &outsider, &client_id).await,
        Permission::None
    );
    assert_eq!(
        permission(&app, &admin, "no-such-app").await,
        Permission::None
    );
    let shares = access::list_shares(db, &client_id).await.unwrap();
    assert_eq!(shares.len(), 1);
    assert_eq!(shares[0].user_id, colleague);
    let mine = access::list_user_shares(db, &colleague).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].client_id, client_id);

    access::unshare_app(db, &client_id, &colleague)
        .await
        .unwrap();
    assert_eq!(
        permission(&app, &colleague, &client_id).await,
        Permission::None
    );
    assert_eq!(
        access::list_org_apps(db, &org.id).await.unwrap().len(),
        2,
        "the org's apps"
    );
}

#[tokio::test]
async fn a_guest_gets_at_most_read_even_with_a_modify_share() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let admin = user(&app, "admin").await;
    let guest = user(&app, "guest").await;
    let org = access::create_org(db, clock, "Acme", Some(&admin))
        .await
        .unwrap();
    access::add_member(db, clock, &org.id, &guest, OrgRole::Guest)
        .await
        .unwrap();
    let client_id = app_owned_by(&app, None).await;
    access::assign_app_to_org(db, &app.state.clock, &client_id, Some(&org.id))
        .await
        .unwrap();
    assert_eq!(permission(&app, &guest, &client_id).await, Permission::None);
    access::share_app(db, clock, &client_id, &guest, ShareAccess::Modify)
        .await
        .unwrap();
    assert_eq!(permission(&app, &guest, &client_id).await, Permission::Read);

    // Promoted to user, the same share lets them modify.
    let member = access::update_member(db, &org.id, &guest, OrgRole::User)
        .await
        .unwrap();
    assert_eq!(member.role, OrgRole::User);
    assert_eq!(
        permission(&app, &guest, &client_id).await,
        Permission::Modify
    );
}

#[tokio::test]
async fn an_org_that_owns_apps_is_deleted_only_by_force() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let admin = user(&app, "admin").await;
    let org = access::create_org(db, clock, "Acme", Some(&admin))
        .await
        .unwrap();
    let client_id = app_owned_by(&app, None).await;
    access::assign_app_to_org(db, &app.state.clock, &client_id, Some(&org.id))
        .await
        .unwrap();

    let err = access::delete_org(db, &app.state.clock, &org.id, false)
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::OrgOwnsApps(1)), "{err:?}");
    assert!(err.to_string().contains("still owns 1 app"), "{err}");
    assert!(access::find_org(db, &org.id).await.unwrap().is_some());
    assert_eq!(access::list_members(db, &org.id).await.unwrap().len(), 1);
    let kept = access::find_app_access(db, &client_id).await.unwrap();
    assert_eq!(kept.org_id.as_deref(), Some(org.id.as_str()));

    assert_eq!(
        access::delete_org(db, &app.state.clock, &org.id, true)
            .await
            .unwrap(),
        1
    );
    assert!(access::find_org(db, &org.id).await.unwrap().is_none());
    assert!(access::list_user_orgs(db, &admin).await.unwrap().is_empty());
    let detached = access::find_app_access(db, &client_id).await.unwrap();
    assert_eq!(detached.org_id, None, "the app is detached, not deleted");
    assert!(tessera::apps::find_app(db, &client_id)
        .await
        .unwrap()
        .is_some());
    assert!(matches!(
        access::delete_org(db, &app.state.clock, &org.id, true).await,
        Err(AccessError::UnknownOrg(_))
    ));

    let empty = access::create_org(db, clock, "Empty", None).await.unwrap();
    assert_eq!(
        access::delete_org(db, &app.state.clock, &empty.id, false)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn the_last_admin_can_neither_leave_nor_be_demoted() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let first = user(&app, "first").await;
    let second = user(&app, "second").await;
    let org = access::create_org(db, clock, "Acme", Some(&first))
        .await
        .unwrap();
    access::add_member(db, clock, &org.id, &second, OrgRole::User)
        .await
        .unwrap();

    let err = access::remove_member(db, &org.id, &first)
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::LastAdmin), "{err:?}");
    let err = access::update_member(db, &org.id, &first, OrgRole::Guest)
        .await
        .unwrap_err();
    assert!(matches!(err, AccessError::LastAdmin), "{err:?}");
    let roles = |members: Vec<access::Member>| {
        members
            .into_iter()
            .map(|m| (m.user_id, m.role))
            .collect::<BTreeMap<_, _>>()
    };
    let members = roles(access::list_members(db, &org.id).await.unwrap());
    assert_eq!(members[&first], OrgRole::Admin, "unchanged");
    assert_eq!(members.len(), 2);

    access::update_member(db, &org.id, &second, OrgRole::Admin)
        .await
        .unwrap();
    access::update_member(db, &org.id, &first, OrgRole::Guest)
        .await
        .unwrap();
    access::remove_member(db, &org.id, &first).await.unwrap();
    let members = roles(access::list_members(db, &org.id).await.unwrap());
    assert_eq!(members, BTreeMap::from([(second.clone(), OrgRole::Admin)]));
    assert!(matches!(
        access::remove_member(db, &org.id, &second).await,
        Err(AccessError::LastAdmin)
    ));
    assert!(matches!(
        access::remove_member(db, &org.id, &first).await,
        Err(AccessError::NotMember { .. })
    ));
}

#[tokio::test]
async fn a_user_may_belong_to_several_organizations() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let someone = user(&app, "someone").await;
    let beta = access::create_org(db, clock, "Beta", Some(&someone))
        .await
        .unwrap();
    let alpha = access::create_org(db, clock, "Alpha", None).await.unwrap();
    access::add_member(db, clock, &alpha.id, &someone, OrgRole::Guest)
        .await
        .unwrap();
    let orgs: Vec<(String, OrgRole)> = access::list_user_orgs(db, &someone)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.org.name, m.role))
        .collect();
    assert_eq!(
        orgs,
        vec![
            ("Alpha".into(), OrgRole::Guest),
            ("Beta".into(), OrgRole::Admin)
        ]
    );
    let renamed = access::rename_org(db, clock, &beta.id, "  Beta Corp ")
        .await
        .unwrap();
    assert_eq!(renamed.name, "Beta Corp");
    let names: Vec<String> = access::list_orgs(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Alpha", "Beta Corp"]);
}

#[tokio::test]
async fn a_role_with_a_constrained_right_yields_exactly_its_claims() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let analyst_user = user(&app, "analyst").await;
    let c = catalog(&app).await;
    let role = access::create_role(db, &c.resource, "analyst", "Reads EU reports")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &c.read, constraints(&[("region", &["eu"])]))
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &c.write, Constraints::new())
        .await
        .unwrap();
    access::grant_role(
        db,
        clock,
        &role.id,
        &Subject::User(analyst_user.clone()),
        None,
    )
    .await
    .unwrap();

    let got = token(&app, Subject::User(analyst_user), None).await;
    let expected = TokenAccess {
        org: None,
        roles: vec!["analyst".into()],
        rights: BTreeMap::from([
            (
                "reports:read".to_owned(),
                BTreeMap::from([("region".to_owned(), vec!["eu".to_owned()])]),
            ),
            ("reports:write".to_owned(), BTreeMap::new()),
        ]),
    };
    assert_eq!(got, expected);
    assert_eq!(
        serde_json::to_string(&got).unwrap(),
        r#"{"roles":["analyst"],"rights":{"reports:read":{"region":["eu"]},"reports:write":{}}}"#
    );
    let listed = access::list_role_rights(db, &role.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.right.as_str()).collect::<Vec<_>>(),
        ["reports:read", "reports:write"]
    );
}

#[tokio::test]
async fn rights_held_through_two_roles_merge_their_constraints() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let someone = Subject::User(user(&app, "someone").await);
    let c = catalog(&app).await;
    let eu = access::create_role(db, &c.resource, "eu-reader", "")
        .await
        .unwrap();
    let us = access::create_role(db, &c.resource, "us-reader", "")
        .await
        .unwrap();
    access::add_role_right(
        db,
        &eu.id,
        &c.read,
        constraints(&[("region", &["eu"]), ("station_id", &["7"])]),
    )
    .await
    .unwrap();
    access::add_role_right(db, &us.id, &c.read, constraints(&[("region", &["us"])]))
        .await
        .unwrap();
    for role in [&eu, &us] {
        access::grant_role(db, clock, &role.id, &someone, None)
            .await
            .unwrap();
    }
    let got = token(&app, someone, None).await;
    assert_eq!(
        serde_json::to_value(&got).unwrap(),
        serde_json::json!({
            "roles": ["eu-reader", "us-reader"],
            "rights": {"reports:read": {"region": ["eu", "us"]}},
        }),
        "station_id is unconstrained in us-reader, so it is in the union"
    );
}

#[tokio::test]
async fn no_grant_means_no_rights() {
    let app = spawn_app().await;
    let db = &app.state.dbs.ops;
    let someone = user(&app, "someone").await;
    let c = catalog(&app).await;
    let role = access::create_role(db, &c.resource, "analyst", "")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &c.read, Constraints::new())
        .await
        .unwrap();
    let (client_id, _) = app.machine_app().await;

    for subject in [Subject::User(someone.clone()), Subject::App(client_id)] {
        let got = token(&app, subject, None).await;
        assert_eq!(got, TokenAccess::default());
        assert_eq!(
            serde_json::to_string(&got).unwrap(),
            r#"{"roles":[],"rights":{}}"#
        );
    }
    let unknown = access::token_access(
        db,
        Subject::User(someone),
        "https://unknown.example.com",
        None,
    )
    .await
    .unwrap();
    assert_eq!(unknown, TokenAccess::default(), "an unknown resource");
}

#[tokio::test]
async fn an_org_scoped_grant_applies_only_for_that_org() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let someone = user(&app, "someone").await;
    let acme = access::create_org(db, clock, "Acme", Some(&someone))
        .await
        .unwrap();
    let other = access::create_org(db, clock, "Other", Some(&someone))
        .await
        .unwrap();
    let foreign = access::create_org(db, clock, "Foreign", None)
        .await
        .unwrap();
    let c = catalog(&app).await;
    let role = access::create_role(db, &c.resource, "analyst", "")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &c.write, Constraints::new())
        .await
        .unwrap();
    let subject = Subject::User(someone.clone());
    access::grant_role(db, clock, &role.id, &subject, Some(&acme.id))
        .await
        .unwrap();

    let for_acme = token(&app, subject.clone(), Some(&acme.id)).await;
    assert_eq!(for_acme.org.as_deref(), Some(acme.id.as_str()));
    assert_eq!(for_acme.roles, ["analyst"]);
    assert!(for_acme.rights.contains_key("reports:write"));
    let json = serde_json::to_value(&for_acme).unwrap();
    assert_eq!(json["org"], acme.id.as_str());

    let for_other = token(&app, subject.clone(), Some(&other.id)).await;
    assert_eq!(for_other.org.as_deref(), Some(other.id.as_str()));
    assert!(for_other.roles.is_empty() && for_other.rights.is_empty());
    assert_eq!(
        token(&app, subject.clone(), None).await,
        TokenAccess::default()
    );
    let not_member = token(&app, subject, Some(&foreign.id)).await;
    assert_eq!(not_member, TokenAccess::default(), "not a member: no org");

    // An app acts for the organization it belongs to.
    let (client_id, _) = app.machine_app().await;
    let machine = Subject::App(client_id.clone());
    access::grant_role(db, clock, &role.id, &machine, Some(&acme.id))
        .await
        .unwrap();
    assert!(token(&app, machine.clone(), Some(&acme.id))
        .await
        .roles
        .is_empty());
    access::assign_app_to_org(db, &app.state.clock, &client_id, Some(&acme.id))
        .await
        .unwrap();
    assert_eq!(
        token(&app, machine.clone(), Some(&acme.id)).await.roles,
        ["analyst"]
    );
    assert!(token(&app, machine, None).await.roles.is_empty());
}

#[tokio::test]
async fn a_new_right_is_in_nobodys_token_until_a_role_with_it_is_granted() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let subject = Subject::User(user(&app, "someone").await);
    let c = catalog(&app).await;
    let analyst = access::create_role(db, &c.resource, "analyst", "")
        .await
        .unwrap();
    access::add_role_right(db, &analyst.id, &c.read, Constraints::new())
        .await
        .unwrap();
    access::grant_role(db, clock, &analyst.id, &subject, None)
        .await
        .unwrap();
    let before = token(&app, subject.clone(), None).await;

    let export = access::add_right(db, &c.resource, "reports:export", "", &[])
        .await
        .unwrap();
    assert_eq!(token(&app, subject.clone(), None).await, before);
    let exporter = access::create_role(db, &c.resource, "exporter", "")
        .await
        .unwrap();
    access::add_role_right(db, &exporter.id, &export.id, Constraints::new())
        .await
        .unwrap();
    assert_eq!(
        token(&app, subject.clone(), None).await,
        before,
        "a role nobody holds"
    );

    let grant = access::grant_role(db, clock, &exporter.id, &subject, None)
        .await
        .unwrap();
    let after = token(&app, subject.clone(), None).await;
    assert_eq!(after.roles, ["analyst", "exporter"]);
    assert!(after.rights.contains_key("reports:export"));
    assert_eq!(
        access::list_subject_grants(db, &subject)
            .await
            .unwrap()
            .len(),
        2
    );

    access::revoke_grant(db, &grant.id).await.unwrap();
    assert_eq!(token(&app, subject.clone(), None).await, before);
    access::remove_role_right(db, &analyst.id, &c.read)
        .await
        .unwrap();
    let emptied = token(&app, subject, None).await;
    assert_eq!(emptied.roles, ["analyst"]);
    assert!(emptied.rights.is_empty());
}

#[tokio::test]
async fn deleting_a_resource_takes_its_rights_roles_and_grants() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let subject = Subject::User(user(&app, "someone").await);
    let c = catalog(&app).await;
    let role = access::create_role(db, &c.resource, "analyst", "")
        .await
        .unwrap();
    access::add_role_right(db, &role.id, &c.read, Constraints::new())
        .await
        .unwrap();
    access::grant_role(db, clock, &role.id, &subject, None)
        .await
        .unwrap();
    let client_id = app_owned_by(&app, None).await;
    access::set_default_resource(db, &app.state.clock, &client_id, Some(API))
        .await
        .unwrap();
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .default_resource
            .as_deref(),
        Some(API)
    );

    access::delete_resource(db, &c.resource).await.unwrap();
    assert!(access::list_resources(db).await.unwrap().is_empty());
    assert!(access::find_role(db, &role.id).await.unwrap().is_none());
    assert!(access::list_subject_grants(db, &subject)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(token(&app, subject, None).await, TokenAccess::default());
}
