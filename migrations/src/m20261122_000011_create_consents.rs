//! `consents`: the scopes a user granted an app, remembered so consent is asked once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Consents {
    Table,
    UserId,
    AppId,
    Scopes,
    GrantedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(ColumnDef::new(Consents::UserId).string_len(64).not_null())
                    .col(ColumnDef::new(Consents::AppId).string_len(64).not_null())
                    .col(ColumnDef::new(Consents::Scopes).json().not_null())
                    .col(
                        ColumnDef::new(Consents::GrantedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Consents::UserId).col(Consents::AppId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Consents::Table).to_owned())
            .await
    }
}
