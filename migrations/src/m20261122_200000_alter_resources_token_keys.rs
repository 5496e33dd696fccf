//! What a resource registers for its tokens: the public JWK its access tokens are encrypted to
//! (`token_encryption_key`, JSON), and the app its resource server authenticates as to introspect
//! them (`server_client_id`). Both nullable: a resource without them gets signed tokens that only
//! their own app introspects, as before. One ALTER per column: SQLite adds one per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resources {
    Table,
    TokenEncryptionKey,
    ServerClientId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Resources::Table)
                    .add_column(ColumnDef::new(Resources::TokenEncryptionKey).json().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Resources::Table)
                    .add_column(
                        ColumnDef::new(Resources::ServerClientId)
                            .string_len(64)
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
                    .table(Resources::Table)
                    .drop_column(Resources::ServerClientId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Resources::Table)
                    .drop_column(Resources::TokenEncryptionKey)
                    .to_owned(),
            )
            .await
    }
}
