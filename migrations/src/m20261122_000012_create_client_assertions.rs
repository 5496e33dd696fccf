//! `client_assertions`: `jti`s of `private_key_jwt` assertions already used (RFC 7523 §3,
//! single use), kept until the assertion expires.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClientAssertions {
    Table,
    Id,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClientAssertions::Table)
                    .col(
                        ColumnDef::new(ClientAssertions::Id)
                            .string_len(320)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(ClientAssertions::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientAssertions::Table).to_owned())
            .await
    }
}
