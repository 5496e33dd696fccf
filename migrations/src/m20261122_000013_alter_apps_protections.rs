//! An app's four protections (DESIGN.md "Apps and API keys"), its per-app settings and its owner.
//! One ALTER per column: SQLite adds one column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Apps {
    Table,
    AllowedOrigins,
    AllowedIps,
    IsServerOnly,
    RedirectUriPrefixes,
    PostLogoutRedirectUriPrefixes,
    AccessTokenTtlSecs,
    IdTokenTtlSecs,
    RefreshTokenTtlSecs,
    IsFirstParty,
    LogoUri,
    OwnerId,
}

const INDEX: &str = "apps_owner_id_idx";

fn add(column: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(Apps::Table)
        .add_column(column)
        .to_owned()
}

fn drop(column: Apps) -> TableAlterStatement {
    Table::alter()
        .table(Apps::Table)
        .drop_column(column)
        .to_owned()
}

fn list(column: Apps) -> ColumnDef {
    ColumnDef::new(column)
        .json()
        .not_null()
        .default("[]")
        .to_owned()
}

fn flag(column: Apps) -> ColumnDef {
    ColumnDef::new(column)
        .boolean()
        .not_null()
        .default(false)
        .to_owned()
}

fn seconds(column: Apps) -> ColumnDef {
    ColumnDef::new(column).big_integer().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            list(Apps::AllowedOrigins),
            list(Apps::AllowedIps),
            flag(Apps::IsServerOnly),
            list(Apps::RedirectUriPrefixes),
            list(Apps::PostLogoutRedirectUriPrefixes),
            seconds(Apps::AccessTokenTtlSecs),
            seconds(Apps::IdTokenTtlSecs),
            seconds(Apps::RefreshTokenTtlSecs),
            flag(Apps::IsFirstParty),
            ColumnDef::new(Apps::LogoUri)
                .string_len(2048)
                .null()
                .to_owned(),
            ColumnDef::new(Apps::OwnerId)
                .string_len(64)
                .null()
                .to_owned(),
        ] {
            manager.alter_table(add(column)).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Apps::Table)
                    .col(Apps::OwnerId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Apps::Table).to_owned())
            .await?;
        for column in [
            Apps::OwnerId,
            Apps::LogoUri,
            Apps::IsFirstParty,
            Apps::RefreshTokenTtlSecs,
            Apps::IdTokenTtlSecs,
            Apps::AccessTokenTtlSecs,
            Apps::PostLogoutRedirectUriPrefixes,
            Apps::RedirectUriPrefixes,
            Apps::IsServerOnly,
            Apps::AllowedIps,
            Apps::AllowedOrigins,
        ] {
            manager.alter_table(drop(column)).await?;
        }
        Ok(())
    }
}
