//! Running, reverting and listing migrations of both databases.

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, Statement, TransactionTrait,
};
use tessera_migrations::{
    AccountsMigrator, MigratorTrait, OpsMigrator, SchemaManager, META_MIGRATION,
};

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

/// Any fixed number: the PostgreSQL advisory lock that serialises migrations across instances.
const MIGRATION_LOCK: i64 = 0x7e55_e7a0_0001;

/// Applies every pending migration of both databases. Instances starting together on one
/// PostgreSQL database take turns, so only the first one migrates.
pub async fn up(dbs: &Databases) -> Result<(), StoreError> {
    locked(&dbs.ops, |c| Box::pin(OpsMigrator::up(c, None))).await?;
    locked(&dbs.accounts, |c| Box::pin(AccountsMigrator::up(c, None))).await
}

/// Reverts the last `steps` migrations of one database.
pub async fn down(dbs: &Databases, target: Target, steps: u32) -> Result<(), StoreError> {
    match target {
        Target::Ops => locked(&dbs.ops, |c| Box::pin(OpsMigrator::down(c, Some(steps)))).await,
        Target::Accounts => {
            locked(&dbs.accounts, |c| {
                Box::pin(AccountsMigrator::down(c, Some(steps)))
            })
            .await
        }
    }
}

type Run<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), DbErr>> + Send + 'a>>;

/// Runs `work` in one transaction holding the migration lock: on PostgreSQL a
/// transaction-scoped advisory lock (DDL is transactional there); on SQLite the database's write
/// lock, taken up front by a write to a lock table, so two processes never deadlock upgrading
/// their read locks.
async fn locked<F>(db: &Db, work: F) -> Result<(), StoreError>
where
    F: for<'a> FnOnce(&'a DatabaseTransaction) -> Run<'a>,
{
    let backend = db.get_database_backend();
    if backend == DbBackend::Sqlite {
        db.execute_unprepared("CREATE TABLE IF NOT EXISTS tessera_migration_lock (id INTEGER)")
            .await?;
    }
    let txn = db.begin().await?;
    match backend {
        DbBackend::Postgres => {
            txn.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT pg_advisory_xact_lock($1)",
                [MIGRATION_LOCK.into()],
            ))
            .await?;
        }
        DbBackend::Sqlite => {
            txn.execute_unprepared("DELETE FROM tessera_migration_lock")
                .await?;
        }
        DbBackend::MySql => {}
    }
    work(&txn).await?;
    txn.commit().await?;
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

/// The applied migrations; none when the history table does not exist yet. (Asking the
/// migrator directly would create that table, outside the migration lock.)
async fn applied_names<M: MigratorTrait>(db: &Db) -> Result<Vec<String>, StoreError> {
    let table = M::migration_table_name().to_string();
    if !SchemaManager::new(db).has_table(&table).await? {
        return Ok(Vec::new());
    }
    Ok(M::get_applied_migrations(db)
        .await?
        .iter()
        .map(|m| m.name().to_owned())
        .collect())
}
