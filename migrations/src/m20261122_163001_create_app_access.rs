//! `app_access` (an app's organization and default resource) and `app_shares` (an app shared
//! with single users for read or modify). A table of its own rather than new `apps` columns:
//! SQLite cannot add a foreign key with ALTER TABLE.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppAccess {
    Table,
    AppId,
    OrgId,
    DefaultResource,
}

#[derive(DeriveIden)]
enum AppShares {
    Table,
    AppId,
    UserId,
    Access,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Apps {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppAccess::Table)
                    .col(
                        ColumnDef::new(AppAccess::AppId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AppAccess::OrgId).string_len(64).null())
                    .col(
                        ColumnDef::new(AppAccess::DefaultResource)
                            .string_len(2048)
                            .null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_access_app")
                            .from(AppAccess::Table, AppAccess::AppId)
                            .to(Apps::Table, Apps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // A deleted organization leaves its apps without one (a forced delete).
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_access_org")
                            .from(AppAccess::Table, AppAccess::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_access_org_id")
                    .table(AppAccess::Table)
                    .col(AppAccess::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppShares::Table)
                    .col(ColumnDef::new(AppShares::AppId).string_len(64).not_null())
                    .col(ColumnDef::new(AppShares::UserId).string_len(64).not_null())
                    .col(ColumnDef::new(AppShares::Access).string_len(16).not_null())
                    .col(
                        ColumnDef::new(AppShares::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(AppShares::AppId).col(AppShares::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_app_shares_app")
                            .from(AppShares::Table, AppShares::AppId)
                            .to(Apps::Table, Apps::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_shares_user_id")
                    .table(AppShares::Table)
                    .col(AppShares::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AppShares::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AppAccess::Table).to_owned())
            .await
    }
}
