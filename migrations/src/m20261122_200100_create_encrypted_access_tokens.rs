//! `encrypted_access_tokens`: access tokens issued encrypted to a resource (a JWE Tessera cannot
//! read back), by the SHA-256 (hex) of the token string, with the `jti`, app and `exp` of the
//! signed token inside, so that the app they were issued to can still introspect and revoke them
//! (RFC 7662, RFC 7009). Kept until `exp`; the index serves the purge of expired rows.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EncryptedAccessTokens {
    Table,
    TokenHash,
    Jti,
    AppId,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EncryptedAccessTokens::Table)
                    .col(
                        ColumnDef::new(EncryptedAccessTokens::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(EncryptedAccessTokens::Jti)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EncryptedAccessTokens::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(EncryptedAccessTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_encrypted_access_tokens_expires_at")
                    .table(EncryptedAccessTokens::Table)
                    .col(EncryptedAccessTokens::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EncryptedAccessTokens::Table).to_owned())
            .await
    }
}
