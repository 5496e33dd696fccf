//! `totp_factors` (accounts database): a user's TOTP second factor (RFC 6238). The secret is
//! sealed under the master key like the users' personal data; `last_used_step` is the last time
//! step a code was accepted for, so a code is accepted at most once; `failed_attempts` counts
//! wrong codes in a row and `locked_until` pauses code checks after too many.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TotpFactors {
    Table,
    UserId,
    SecretSealed,
    ConfirmedAt,
    LastUsedStep,
    FailedAttempts,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TotpFactors::Table)
                    .col(
                        ColumnDef::new(TotpFactors::UserId)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TotpFactors::SecretSealed).blob().not_null())
                    .col(
                        ColumnDef::new(TotpFactors::ConfirmedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TotpFactors::LastUsedStep)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TotpFactors::FailedAttempts)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(TotpFactors::LockedUntil)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(TotpFactors::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TotpFactors::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_totp_factors_user")
                            .from(TotpFactors::Table, TotpFactors::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TotpFactors::Table).to_owned())
            .await
    }
}
