//! Running, reverting and listing migrations of both databases.

use tessera_migrations::{AccountsMigrator, MigratorTrait, OpsMigrator, META_MIGRATION};

use super::{Databases, Db, StoreError};

/// Which database a migration belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Ops,
    Accounts,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ops => "ops",
            Self::Accounts => "accounts",
        }
    }
}

/// One migration and whether it has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub target: Target,
    pub name: String,
    pub is_applied: bool,
}

/// Applies every pending migration of both databases.
pub async fn up(dbs: &Databases) -> Result<(), StoreError> {
    OpsMigrator::up(&dbs.ops, None).await?;
    AccountsMigrator::up(&dbs.accounts, None).await?;
    Ok(())
}

/// Reverts the last `steps` migrations of one database.
pub async fn down(dbs: &Databases, target: Target, steps: u32) -> Result<(), StoreError> {
    match target {
        Target::Ops => OpsMigrator::down(&dbs.ops, Some(steps)).await?,
        Target::Accounts => AccountsMigrator::down(&dbs.accounts, Some(steps)).await?,
    }
    Ok(())
}

/// Every known migration of both databases with its state.
pub async fn status(dbs: &Databases) -> Result<Vec<MigrationState>, StoreError> {
    let mut out = Vec::new();
    let applied_ops = applied_names::<OpsMigrator>(&dbs.ops).await?;
    let applied_accounts = applied_names::<AccountsMigrator>(&dbs.accounts).await?;
    for (target, all, applied) in [
        (Target::Ops, names::<OpsMigrator>(), applied_ops),
        (
            Target::Accounts,
            names::<AccountsMigrator>(),
            applied_accounts,
        ),
    ] {
        for name in all {
            out.push(MigrationState {
                target,
                is_applied: applied.contains(&name),
                name,
            });
        }
    }
    Ok(out)
}

/// Whether the ops database already has the `meta` table (and so may hold a master-key check).
pub async fn has_meta_table(ops: &Db) -> Result<bool, StoreError> {
    Ok(applied_names::<OpsMigrator>(ops)
        .await?
        .iter()
        .any(|n| n == META_MIGRATION))
}

fn names<M: MigratorTrait>() -> Vec<String> {
    M::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

async fn applied_names<M: MigratorTrait>(db: &Db) -> Result<Vec<String>, StoreError> {
    Ok(M::get_applied_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}
