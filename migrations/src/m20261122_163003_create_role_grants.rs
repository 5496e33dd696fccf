//! `role_grants`: a role granted to a user or an app, globally (`org_id` NULL) or for one
//! organization.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RoleGrants {
    Table,
    Id,
    RoleId,
    SubjectKind,
    SubjectId,
    OrgId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RoleGrants::Table)
                    .col(
                        ColumnDef::new(RoleGrants::Id)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RoleGrants::RoleId).string_len(64).not_null())
                    .col(
                        ColumnDef::new(RoleGrants::SubjectKind)
                            .string_len(8)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(RoleGrants::SubjectId)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(RoleGrants::OrgId).string_len(64).null())
                    .col(
                        ColumnDef::new(RoleGrants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_grants_role")
                            .from(RoleGrants::Table, RoleGrants::RoleId)
                            .to(Roles::Table, Roles::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_role_grants_org")
                            .from(RoleGrants::Table, RoleGrants::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_role_grants_org")
                    .table(RoleGrants::Table)
                    .col(RoleGrants::RoleId)
                    .col(RoleGrants::SubjectKind)
                    .col(RoleGrants::SubjectId)
                    .col(RoleGrants::OrgId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // NULLs are distinct in unique indexes: a partial index (SQLite and PostgreSQL both have
        // them) keeps global grants unique too.
        manager
            .create_index(
                Index::create()
                    .name("uq_role_grants_global")
                    .table(RoleGrants::Table)
                    .col(RoleGrants::RoleId)
                    .col(RoleGrants::SubjectKind)
                    .col(RoleGrants::SubjectId)
                    .and_where(Expr::col(RoleGrants::OrgId).is_null())
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_role_grants_subject")
                    .table(RoleGrants::Table)
                    .col(RoleGrants::SubjectKind)
                    .col(RoleGrants::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoleGrants::Table).to_owned())
            .await
    }
}
