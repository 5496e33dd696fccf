//! `access_tokens`: the `jti` of access tokens issued to users, by grant family (the code or the
//! refresh family), so a replayed code or a reused refresh token can revoke them; and
//! `revoked_tokens`: revoked `jti`s until the token would have expired anyway.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    Jti,
    FamilyId,
    AppId,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Jti,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    .col(
                        ColumnDef::new(AccessTokens::Jti)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AccessTokens::FamilyId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccessTokens::AppId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccessTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_access_tokens_family_id")
                    .table(AccessTokens::Table)
                    .col(AccessTokens::FamilyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .col(
                        ColumnDef::new(RevokedTokens::Jti)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RevokedTokens::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedTokens::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AccessTokens::Table).to_owned())
            .await
    }
}
