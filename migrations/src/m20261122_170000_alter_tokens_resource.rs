//! The resource (RFC 8707) a code or refresh token was granted for: the `aud` of the access
//! tokens it gives. One ALTER per column: SQLite adds one column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    Resource,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Resource,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuthorizationCodes::Table)
                    .add_column(
                        ColumnDef::new(AuthorizationCodes::Resource)
                            .string_len(2048)
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(
                        ColumnDef::new(RefreshTokens::Resource)
                            .string_len(2048)
                            .null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .drop_column(RefreshTokens::Resource)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthorizationCodes::Table)
                    .drop_column(AuthorizationCodes::Resource)
                    .to_owned(),
            )
            .await
    }
}
