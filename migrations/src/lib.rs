//! Tessera's schema: one migrator for the ops database and one for the accounts database.
//!
//! Each keeps its history in its own table so both can live in the same database.
//! Migrations are append-only: a landed migration is never edited (STYLE.md rule 9).

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_meta;
mod m20261122_000002_create_signing_keys;
mod m20261122_000003_create_apps;
mod m20261122_000004_create_app_secrets;
mod m20261122_000005_alter_apps_oauth;
mod m20261122_000006_create_sessions;
mod m20261122_000007_create_authorization_requests;
mod m20261122_000008_create_authorization_codes;
mod m20261122_000009_create_refresh_tokens;
mod m20261122_000010_create_access_tokens;
mod m20261122_000011_create_consents;
mod m20261122_000012_create_client_assertions;
mod m20261122_000013_alter_apps_protections;
mod m20261122_100001_create_users;
mod m20261122_100002_create_totp_factors;
mod m20261122_163000_create_organizations;
mod m20261122_163001_create_app_access;
mod m20261122_163002_create_resources;
mod m20261122_163003_create_role_grants;
mod m20261122_170000_alter_tokens_resource;
mod m20261122_180000_create_operators;
mod m20261122_180001_create_setup_tokens;
mod m20261122_190100_create_pending_logins;
mod m20261122_190200_alter_refresh_tokens_amr;
mod m20261122_200000_alter_resources_token_keys;
mod m20261122_200100_create_encrypted_access_tokens;

/// Migrations of the ops database: apps, keys, codes, tokens, sessions, operators, audit.
pub struct OpsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for OpsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_meta::Migration),
            Box::new(m20261122_000002_create_signing_keys::Migration),
            Box::new(m20261122_000003_create_apps::Migration),
            Box::new(m20261122_000004_create_app_secrets::Migration),
            Box::new(m20261122_000005_alter_apps_oauth::Migration),
            Box::new(m20261122_000006_create_sessions::Migration),
            Box::new(m20261122_000007_create_authorization_requests::Migration),
            Box::new(m20261122_000008_create_authorization_codes::Migration),
            Box::new(m20261122_000009_create_refresh_tokens::Migration),
            Box::new(m20261122_000010_create_access_tokens::Migration),
            Box::new(m20261122_000011_create_consents::Migration),
            Box::new(m20261122_000012_create_client_assertions::Migration),
            Box::new(m20261122_000013_alter_apps_protections::Migration),
            Box::new(m20261122_163000_create_organizations::Migration),
            Box::new(m20261122_163001_create_app_access::Migration),
            Box::new(m20261122_163002_create_resources::Migration),
            Box::new(m20261122_163003_create_role_grants::Migration),
            Box::new(m20261122_170000_alter_tokens_resource::Migration),
            Box::new(m20261122_180000_create_operators::Migration),
            Box::new(m20261122_180001_create_setup_tokens::Migration),
            Box::new(m20261122_190100_create_pending_logins::Migration),
            Box::new(m20261122_190200_alter_refresh_tokens_amr::Migration),
            Box::new(m20261122_200000_alter_resources_token_keys::Migration),
            Box::new(m20261122_200100_create_encrypted_access_tokens::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        Alias::new("tessera_ops_migrations").into_iden()
    }
}

/// Migrations of the accounts database: users, credentials and personal data.
pub struct AccountsMigrator;

#[async_trait::async_trait]
impl MigratorTrait for AccountsMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_100001_create_users::Migration),
            Box::new(m20261122_100002_create_totp_factors::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        Alias::new("tessera_accounts_migrations").into_iden()
    }
}

/// The name of the ops migration that creates the `meta` table, where the master-key check lives.
pub const META_MIGRATION: &str = "m20261122_000001_create_meta";
