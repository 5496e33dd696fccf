//! OAuth settings of an app: client authentication, registered keys, PKCE, ID-token algorithm.
//! One ALTER per column: SQLite adds one column per statement.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apps {
    Table,
    TokenEndpointAuthMethod,
    Jwks,
    JwksUri,
    RequirePkce,
    IdTokenSignedResponseAlg,
}

fn add(column: ColumnDef) -> TableAlterStatement {
    Table::alter()
        .table(Apps::Table)
        .add_column(column)
        .to_owned()
}

fn drop(column: Apps) -> TableAlterStatement {
    Table::alter()
        .table(Apps::Table)
        .drop_column(column)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Apps::TokenEndpointAuthMethod)
                .string_len(32)
                .not_null()
                .default("client_secret_basic")
                .to_owned(),
            ColumnDef::new(Apps::Jwks).json().null().to_owned(),
            ColumnDef::new(Apps::JwksUri)
                .string_len(2048)
                .null()
                .to_owned(),
            ColumnDef::new(Apps::RequirePkce)
                .boolean()
                .not_null()
                .default(true)
                .to_owned(),
            ColumnDef::new(Apps::IdTokenSignedResponseAlg)
                .string_len(16)
                .not_null()
                .default("RS256")
                .to_owned(),
        ] {
            manager.alter_table(add(column)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Apps::IdTokenSignedResponseAlg,
            Apps::RequirePkce,
            Apps::JwksUri,
            Apps::Jwks,
            Apps::TokenEndpointAuthMethod,
        ] {
            manager.alter_table(drop(column)).await?;
        }
        Ok(())
    }
}
