//! `pending_logins`: sign-ins whose password was right and whose second factor is still to come.
//! The browser holds a random token in a short-lived cookie; only its SHA-256 hash is stored.
//! Short-lived, per user, and counting wrong codes, so no session exists before the second factor.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PendingLogins {
    Table,
    IdHash,
    UserId,
    ReturnTo,
    UiLocales,
    FailedAttempts,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PendingLogins::Table)
                    .col(
                        ColumnDef::new(PendingLogins::IdHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(PendingLogins::UserId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(PendingLogins::ReturnTo).text().not_null())
                    .col(ColumnDef::new(PendingLogins::UiLocales).text().null())
                    .col(
                        ColumnDef::new(PendingLogins::FailedAttempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(PendingLogins::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(PendingLogins::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_pending_logins_user_id")
                    .table(PendingLogins::Table)
                    .col(PendingLogins::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PendingLogins::Table).to_owned())
            .await
    }
}
