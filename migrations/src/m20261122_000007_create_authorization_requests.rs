//! `authorization_requests`: a validated /authorize request waiting for login or consent.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthorizationRequests {
    Table,
    Id,
    AppId,
    Request,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthorizationRequests::Table)
                    .col(
                        ColumnDef::new(AuthorizationRequests::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationRequests::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationRequests::Request)
                            .json()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationRequests::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationRequests::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthorizationRequests::Table).to_owned())
            .await
    }
}
