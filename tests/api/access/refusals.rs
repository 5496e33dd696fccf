//! Each bad input to the access model is refused with a clear error, and nothing is written.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::ConnectionTrait;
use tessera::access::{self, AccessError, Constraints, OrgRole, ShareAccess, Subject};

use super::{app_owned_by, catalog, constraints, user, API};
use crate::common::spawn_app;

/// Asserts that `$call` fails with the `$pattern` error, and prints its message.
macro_rules! refused {
    ($call:expr, $pattern:pat) => {{
        let err = $call.await.unwrap_err();
        assert!(matches!(err, $pattern), "{err:?}");
        assert!(!err.to_string().is_empty());
        err.to_string()
    }};
}

#[tokio::test]
async fn bad_organizations_members_and_shares_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let admin = user(&app, "admin").await;
    let org = access::create_org(db, clock, "Acme", Some(&admin))
        .await
        .unwrap();
    let client_id = app_owned_by(&app, None).await;

    for bad in ["", "  ", "bell\u{7}", &"x".repeat(201)] {
        refused!(
            access::create_org(db, clock, bad, None),
            AccessError::InvalidOrgName
        );
    }
    let msg = refused!(
        access::create_org(db, clock, "Acme", None),
        AccessError::DuplicateOrgName(_)
    );
    assert_eq!(msg, "an organization named `Acme` already exists");
    refused!(
        access::create_org(db, clock, "Beta", Some("not a user id")),
        AccessError::InvalidUserId
    );
    let beta = access::create_org(db, clock, "Beta", None).await.unwrap();
    refused!(
        access::rename_org(db, clock, &beta.id, "Acme"),
        AccessError::DuplicateOrgName(_)
    );
    refused!(
        access::rename_org(db, clock, "nope", "Gamma"),
        AccessError::UnknownOrg(_)
    );
    let names: Vec<String> = access::list_orgs(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Acme", "Beta"]);

    refused!(
        access::add_member(db, clock, "nope", &admin, OrgRole::User),
        AccessError::UnknownOrg(_)
    );
    refused!(
        access::add_member(db, clock, &org.id, &admin, OrgRole::Guest),
        AccessError::AlreadyMember(_)
    );
    refused!(
        access::add_member(db, clock, &org.id, "", OrgRole::Guest),
        AccessError::InvalidUserId
    );
    refused!(
        access::update_member(db, &org.id, "someone-else", OrgRole::Admin),
        AccessError::NotMember { .. }
    );
    let members = access::list_members(db, &org.id).await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].role, OrgRole::Admin);
    assert!(access::list_user_orgs(db, "someone-else")
        .await
        .unwrap()
        .is_empty());
    refused!(access::list_members(db, "nope"), AccessError::UnknownOrg(_));
    assert!(matches!(
        "owner".parse::<OrgRole>(),
        Err(AccessError::UnknownOrgRole(_))
    ));

    refused!(
        access::assign_app_to_org(db, &app.state.clock, &client_id, Some("nope")),
        AccessError::UnknownOrg(_)
    );
    refused!(
        access::assign_app_to_org(db, &app.state.clock, "no-such-app", Some(&org.id)),
        AccessError::UnknownApp(_)
    );
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .org_id,
        None
    );
    refused!(
        access::share_app(db, clock, "no-such-app", &admin, ShareAccess::Read),
        AccessError::UnknownApp(_)
    );
    refused!(
        access::share_app(db, clock, &client_id, "a b", ShareAccess::Read),
        AccessError::InvalidUserId
    );
    refused!(
        access::unshare_app(db, &client_id, &admin),
        AccessError::NotShared { .. }
    );
    assert!(access::list_shares(db, &client_id)
        .await
        .unwrap()
        .is_empty());
    refused!(
        access::list_shares(db, "no-such-app"),
        AccessError::UnknownApp(_)
    );
    refused!(
        access::set_default_resource(db, &app.state.clock, &client_id, Some(API)),
        AccessError::UnknownResource(_)
    );
    refused!(
        access::set_default_resource(
            db,
            &app.state.clock,
            &client_id,
            Some("http://api.example.com")
        ),
        AccessError::InvalidResourceIdentifier(_)
    );
    assert_eq!(
        access::find_app_access(db, &client_id)
            .await
            .unwrap()
            .default_resource,
        None
    );
}

#[tokio::test]
async fn bad_resources_rights_roles_and_grants_are_refused_and_nothing_is_written() {
    let app = spawn_app().await;
    let (db, clock) = (&app.state.dbs.ops, &app.state.clock);
    let c = catalog(&app).await;

    for bad in [
        "api.example.com",
        "http://api.example.com",
        "https://x/#f",
        "urn:x",
    ] {
        refused!(
            access::register_resource(db, clock, bad, "API"),
            AccessError::InvalidResourceIdentifier(_)
        );
    }
    refused!(
        access::register_resource(db, clock, "urn:example:billing", " "),
        AccessError::InvalidResourceName
    );
    refused!(
        access::register_resource(db, clock, API, "Again"),
        AccessError::DuplicateResource(_)
    );
    assert_eq!(access::list_resources(db).await.unwrap().len(), 1);

    let rights = || access::list_rights(db, &c.resource);
    let before = rights().await.unwrap();
    refused!(
        access::add_right(db, &c.resource, "Reports:Read", "", &[]),
        AccessError::InvalidRightName(_)
    );
    refused!(
        access::add_right(db, &c.resource, "reports:list", "", &["Region".into()]),
        AccessError::InvalidParameterName(_)
    );
    refused!(
        access::add_right(db, &c.resource, "reports:list", "\u{0}", &[]),
        AccessError::InvalidDescription
    );
    let msg = refused!(
        access::add_right(db, &c.resource, "reports:read", "", &[]),
        AccessError::DuplicateRight(_)
    );
    assert_eq!(
        msg,
        "this resource already has a right named `reports:read`"
    );
    refused!(
        access::add_right(db, "nope", "reports:list", "", &[]),
        AccessError::UnknownResource(_)
    );
    assert_eq!(rights().await.unwrap(), before);

    let role = access::create_role(db, &c.resource, "analyst", "")
        .await
        .unwrap();
    refused!(
        access::create_role(db, &c.resource, "Analyst!", ""),
        AccessError::InvalidRoleName(_)
    );
    refused!(
        access::create_role(db, &c.resource, "analyst", ""),
        AccessError::DuplicateRole(_)
    );
    refused!(
        access::create_role(db, "nope", "viewer", ""),
        AccessError::UnknownResource(_)
    );
    assert_eq!(access::list_roles(db, &c.resource).await.unwrap().len(), 1);

    let msg = refused!(
        access::add_role_right(db, &role.id, &c.read, constraints(&[("country", &["cz"])])),
        AccessError::UnknownParameter { .. }
    );
    assert_eq!(
        msg,
        "the right `reports:read` cannot be constrained by `country`; its parameters are: region, station_id"
    );
    refused!(
        access::add_role_right(db, &role.id, &c.write, constraints(&[("region", &["eu"])])),
        AccessError::UnknownParameter { .. }
    );
    let empty: Constraints = BTreeMap::from([("region".to_owned(), BTreeSet::new())]);
    refused!(
        access::add_role_right(db, &role.id, &c.read, empty),
        AccessError::EmptyConstraint(_)
    );
    refused!(
        access::add_role_right(db, &role.id, &c.read, constraints(&[("region", &[""])])),
        AccessError::InvalidConstraintValue(_)
    );
    refused!(
        access::add_role_right(db, "nope", &c.read, Constraints::new()),
        AccessError::UnknownRole(_)
    );
    refused!(
        access::add_role_right(db, &role.id, "nope", Constraints::new()),
        AccessError::UnknownRight(_)
    );
    let other = access::register_resource(db, clock, "urn:example:billing", "Billing")
        .await
        .unwrap();
    let foreign = access::add_right(db, &other.id, "invoices:read", "", &[])
        .await
        .unwrap();
    refused!(
        access::add_role_right(db, &role.id, &foreign.id, Constraints::new()),
        AccessError::ForeignRight { .. }
    );
    assert!(access::list_role_rights(db, &role.id)
        .await
        .unwrap()
        .is_empty());
    access::add_role_right(db, &role.id, &c.read, Constraints::new())
        .await
        .unwrap();
    refused!(
        access::add_role_right(db, &role.id, &c.read, constraints(&[("region", &["eu"])])),
        AccessError::RightAlreadyInRole(_)
    );
    refused!(
        access::remove_role_right(db, &role.id, &c.write),
        AccessError::RightNotInRole(_)
    );
    let kept = access::list_role_rights(db, &role.id).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].constraints.is_empty(), "the first constraints stay");

    let admin = user(&app, "admin").await;
    let org = access::create_org(db, clock, "Acme", Some(&admin))
        .await
        .unwrap();
    let subject = Subject::User(admin.clone());
    access::grant_role(db, clock, &role.id, &subject, None)
        .await
        .unwrap();
    access::grant_role(db, clock, &role.id, &subject, Some(&org.id))
        .await
        .unwrap();
    refused!(
        access::grant_role(db, clock, &role.id, &subject, None),
        AccessError::DuplicateGrant
    );
    refused!(
        access::grant_role(db, clock, &role.id, &subject, Some(&org.id)),
        AccessError::DuplicateGrant
    );
    refused!(
        access::grant_role(db, clock, "nope", &subject, None),
        AccessError::UnknownRole(_)
    );
    refused!(
        access::grant_role(db, clock, &role.id, &subject, Some("nope")),
        AccessError::UnknownOrg(_)
    );
    refused!(
        access::grant_role(db, clock, &role.id, &Subject::App("nope".into()), None),
        AccessError::UnknownApp(_)
    );
    refused!(
        access::grant_role(db, clock, &role.id, &Subject::User(String::new()), None),
        AccessError::InvalidUserId
    );
    refused!(
        access::revoke_grant(db, "nope"),
        AccessError::UnknownGrant(_)
    );
    assert_eq!(
        access::list_role_grants(db, &role.id).await.unwrap().len(),
        2
    );

    // Unique indexes treat NULLs as distinct: the database itself also refuses a second
    // global grant.
    let insert = format!(
        "INSERT INTO role_grants (id, role_id, subject_kind, subject_id, org_id, created_at) \
         VALUES ('raw', '{}', 'user', '{admin}', NULL, '2026-11-22T00:00:00Z')",
        role.id
    );
    assert!(db.execute_unprepared(&insert).await.is_err());
    assert_eq!(
        access::list_role_grants(db, &role.id).await.unwrap().len(),
        2
    );
}
