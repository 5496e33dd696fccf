//! `authorization_codes`: stored as SHA-256 hashes, consumed once with one atomic UPDATE.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    CodeHash,
    AppId,
    UserId,
    SessionId,
    RedirectUri,
    Scopes,
    Nonce,
    CodeChallenge,
    AuthTime,
    Amr,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthorizationCodes::Table)
                    .col(
                        ColumnDef::new(AuthorizationCodes::CodeHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::UserId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::SessionId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::RedirectUri)
                            .string_len(2048)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuthorizationCodes::Scopes).json().not_null())
                    .col(
                        ColumnDef::new(AuthorizationCodes::Nonce)
                            .string_len(512)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::CodeChallenge)
                            .string_len(128)
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::AuthTime)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuthorizationCodes::Amr).json().not_null())
                    .col(
                        ColumnDef::new(AuthorizationCodes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthorizationCodes::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuthorizationCodes::Table).to_owned())
            .await
    }
}
