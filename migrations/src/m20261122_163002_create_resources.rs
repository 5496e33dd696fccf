//! `resources` (APIs, by the audience of their tokens), their catalog of `rights`, `roles`
//! bundling rights, and `role_rights` with each right's parameter constraints.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Resources {
    Table,
    Id,
    Identifier,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Rights {
    Table,
    Id,
    ResourceId,
    Name,
    Description,
    Parameters,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    ResourceId,
    Name,
    Description,
}

#[derive(DeriveIden)]
enum RoleRights {
    Table,
    RoleId,
    RightId,
    Constraints,
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column)
        .string_len(64)
        .not_null()
        .primary_key()
        .to_owned()
}

fn cascade(
    name: &str,
    from: (impl IntoIden + 'static, impl IntoIden + 'static),
    to: (impl IntoIden + 'static, impl IntoIden + 'static),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .col(id(Resources::Id))
                    // RFC 8707 §2: the resource indicator, which becomes the tokens' `aud`.
                    .col(
                        ColumnDef::new(Resources::Identifier)
                            .string_len(2048)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Resources::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Resources::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rights::Table)
                    .col(id(Rights::Id))
                    .col(ColumnDef::new(Rights::ResourceId).string_len(64).not_null())
                    .col(ColumnDef::new(Rights::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Rights::Description)
                            .string_len(1000)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Rights::Parameters).json().not_null())
                    .foreign_key(&mut cascade(
                        "fk_rights_resource",
                        (Rights::Table, Rights::ResourceId),
                        (Resources::Table, Resources::Id),
                    ))
                    .index(
                        Index::create()
                            .name("uq_rights_resource_name")
                            .col(Rights::ResourceId)
                            .col(Rights::Name)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(id(Roles::Id))
                    .col(ColumnDef::new(Roles::ResourceId).string_len(64).not_null())
                    .col(ColumnDef::new(Roles::Name).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Roles::Description)
                            .string_len(1000)
                            .not_null(),
                    )
                    .foreign_key(&mut cascade(
                        "fk_roles_resource",
                        (Roles::Table, Roles::ResourceId),
                        (Resources::Table, Resources::Id),
                    ))
                    .index(
                        Index::create()
                            .name("uq_roles_resource_name")
                            .col(Roles::ResourceId)
                            .col(Roles::Name)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoleRights::Table)
                    .col(ColumnDef::new(RoleRights::RoleId).string_len(64).not_null())
                    .col(
                        ColumnDef::new(RoleRights::RightId)
                            .string_len(64)
                            .not_null(),
                    )
                    // {"param": ["allowed", …]}; a parameter not listed is unconstrained.
                    .col(ColumnDef::new(RoleRights::Constraints).json().not_null())
                    .primary_key(
                        Index::create()
                            .col(RoleRights::RoleId)
                            .col(RoleRights::RightId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_role_rights_role",
                        (RoleRights::Table, RoleRights::RoleId),
                        (Roles::Table, Roles::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_role_rights_right",
                        (RoleRights::Table, RoleRights::RightId),
                        (Rights::Table, Rights::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_role_rights_right_id")
                    .table(RoleRights::Table)
                    .col(RoleRights::RightId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RoleRights::Table.into_iden(),
            Roles::Table.into_iden(),
            Rights::Table.into_iden(),
            Resources::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
