//! `refresh_tokens`: hashes in rotation families. A token is used once; reusing a rotated one
//! revokes its family (RFC 9700 §4.14.2).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    AppId,
    UserId,
    SessionId,
    Scopes,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    FamilyExpiresAt,
    UsedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::FamilyId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::UserId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::SessionId)
                            .string_len(64)
                            .null(),
                    )
                    .col(ColumnDef::new(RefreshTokens::Scopes).json().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::AuthTime)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::FamilyExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::UsedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::RevokedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_refresh_tokens_family_id")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::FamilyId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await
    }
}
