//! `operators`: who may use the admin API and console. A subject (a `user` id or an `app`
//! client_id) with a role `admin`, `user` or `guest`. Nobody is an operator by default.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Operators {
    Table,
    SubjectKind,
    SubjectId,
    Role,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Operators::Table)
                    .col(
                        ColumnDef::new(Operators::SubjectKind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Operators::SubjectId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Operators::Role).string_len(8).not_null())
                    .col(
                        ColumnDef::new(Operators::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Operators::SubjectKind)
                            .col(Operators::SubjectId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Operators::Table).to_owned())
            .await
    }
}
