//! `apps`: OAuth clients. List-valued settings are JSON arrays of strings.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Apps {
    Table,
    Id,
    Name,
    IsPublic,
    RedirectUris,
    PostLogoutRedirectUris,
    GrantTypes,
    Scopes,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Apps::Table)
                    .col(
                        ColumnDef::new(Apps::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Apps::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Apps::IsPublic).boolean().not_null())
                    .col(ColumnDef::new(Apps::RedirectUris).json().not_null())
                    .col(
                        ColumnDef::new(Apps::PostLogoutRedirectUris)
                            .json()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Apps::GrantTypes).json().not_null())
                    .col(ColumnDef::new(Apps::Scopes).json().not_null())
                    .col(
                        ColumnDef::new(Apps::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Apps::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Apps::Table).to_owned())
            .await
    }
}
