//! Opening Tessera's storage, shared by `serve` and the CLI: master key, databases, the
//! master-key check, migrations, the key ring and the Redis connection.
//!
//! A wrong master key is detected before anything is written, so it changes nothing.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use secrecy::ExposeSecret;

use crate::apps::AppRegistry;
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::csrf::Csrf;
use crate::crypto::keyring::{KeyRing, KeyRingError};
use crate::crypto::session_cookie::SessionCookies;
use crate::crypto::{master_key, MasterKey, MasterKeyError, MasterKeySource};
use crate::identity::{PasswordError, PasswordHasher, Pii};
use crate::state::AppState;
use crate::store::redis::{Redis, RedisError};
use crate::store::{meta, migrate, Databases, StoreError};

const MASTER_KEY_CHECK: &str = "master_key_check";
const MASTER_KEY_CHECK_PLAINTEXT: &[u8] = b"tessera master key check v1";

/// Tessera cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    MasterKey(#[from] MasterKeyError),
    #[error("the master key does not match the one this data was encrypted with; refusing to start (nothing was changed). Check TESSERA_MASTER_KEY / TESSERA_MASTER_KEY_FILE")]
    WrongMasterKey,
    #[error("{0} migration(s) pending and run_migrations is off: run `tessera migrate up`")]
    MigrationsPending(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    KeyRing(KeyRingError),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error("TESSERA_REDIS_URL is set but Redis cannot be used: {0}")]
    Redis(#[from] RedisError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl From<KeyRingError> for StartError {
    fn from(e: KeyRingError) -> Self {
        match e {
            KeyRingError::WrongMasterKey { .. } => Self::WrongMasterKey,
            other => Self::KeyRing(other),
        }
    }
}

/// How much of the system to open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A server: migrations (unless disabled), the key ring synced and scheduled, Redis.
    Server,
    /// An operator command: migrations (unless disabled); the key ring is not synced (the
    /// `keys` commands do that themselves) and Redis is not needed.
    Cli,
    /// Databases and the master key only, no migrations (for `tessera migrate`).
    DatabasesOnly,
}

/// Opens storage and builds the shared state.
pub async fn open(
    settings: Settings,
    clock: Arc<dyn Clock>,
    mode: Mode,
) -> Result<AppState, StartError> {
    let (master, source) = master_key::load(&settings)?;
    let dbs = Databases::connect(
        &settings.ops_database_url(),
        &settings.accounts_database_url(),
    )
    .await?;
    let keys = Arc::new(KeyRing::new(
        dbs.ops.clone(),
        master.sealer("tessera/key-ring/v1"),
        settings.keys.clone(),
        clock.clone(),
    ));

    // Refuse a wrong master key before any migration or write (a lost development key file
    // included: a new one is written only when no existing data needed the old one).
    if migrate::has_meta_table(&dbs.ops).await? {
        verify_master_key_check(&dbs, &master).await?;
        keys.verify_master_key().await?;
    }
    master_key::persist(&master, &source)?;
    match &source {
        MasterKeySource::DevGenerated(path) => tracing::warn!(
            path = %path.display(),
            "generated a DEVELOPMENT master key; set TESSERA_MASTER_KEY_FILE in production and keep a backup"
        ),
        MasterKeySource::DevExisting(path) => tracing::warn!(
            path = %path.display(),
            "using the DEVELOPMENT master key from the data dir; set TESSERA_MASTER_KEY_FILE in production"
        ),
        MasterKeySource::Env | MasterKeySource::File(_) => {}
    }
    if mode != Mode::DatabasesOnly {
        if settings.run_migrations {
            migrate::up(&dbs).await?;
        } else {
            let pending = migrate::status(&dbs)
                .await?
                .iter()
                .filter(|m| !m.is_applied)
                .count();
            if pending > 0 {
                return Err(StartError::MigrationsPending(pending));
            }
        }
        write_master_key_check(&dbs, &master, clock.as_ref()).await?;
    }
    let apps = Arc::new(AppRegistry::new(dbs.ops.clone()));
    if mode == Mode::Server {
        keys.sync().await?;
        apps.refresh_if_changed().await?;
    }
    let redis = match (&settings.redis_url, mode) {
        (Some(url), Mode::Server) => Some(
            Redis::connect(
                url.expose_secret(),
                &settings.redis_key_prefix,
                Duration::from_secs(5),
            )
            .await?,
        ),
        _ => None,
    };
    if let Some(redis) = &redis {
        redis.ping(Duration::from_secs(2)).await?;
    }
    let passwords = PasswordHasher::new(&settings.password)?;
    let discovery = Arc::new(crate::oauth::discovery::document(
        &settings.issuer,
        &settings.keys.algorithms,
    ));
    Ok(AppState {
        pii: Arc::new(Pii::new(&master)),
        session_cookies: SessionCookies::new(master.derive("tessera/session-cookie/v1")),
        csrf: Csrf::new(master.derive("tessera/csrf/v1")),
        settings: Arc::new(settings),
        dbs,
        keys,
        apps,
        client_keys: Arc::new(crate::apps::ClientKeys::default()),
        key_usage: Arc::new(crate::apps::KeyUsage::default()),
        clock,
        passwords,
        redis,
        discovery,
    })
}

async fn verify_master_key_check(dbs: &Databases, master: &MasterKey) -> Result<(), StartError> {
    let Some(stored) = meta::find_meta(&dbs.ops, MASTER_KEY_CHECK).await? else {
        return Ok(());
    };
    let sealed = STANDARD
        .decode(stored.trim())
        .map_err(|_| StartError::WrongMasterKey)?;
    let opened = master
        .sealer("tessera/meta/v1")
        .open(&sealed, MASTER_KEY_CHECK.as_bytes())
        .map_err(|_| StartError::WrongMasterKey)?;
    if opened != MASTER_KEY_CHECK_PLAINTEXT {
        return Err(StartError::WrongMasterKey);
    }
    Ok(())
}

async fn write_master_key_check(
    dbs: &Databases,
    master: &MasterKey,
    clock: &dyn Clock,
) -> Result<(), StartError> {
    if meta::find_meta(&dbs.ops, MASTER_KEY_CHECK).await?.is_some() {
        return Ok(());
    }
    let sealed = master
        .sealer("tessera/meta/v1")
        .seal(MASTER_KEY_CHECK_PLAINTEXT, MASTER_KEY_CHECK.as_bytes())
        .map_err(|_| StartError::WrongMasterKey)?;
    match meta::insert_meta(
        &dbs.ops,
        MASTER_KEY_CHECK,
        STANDARD.encode(sealed),
        clock.now(),
    )
    .await
    {
        // Another instance wrote it first: check that it agrees with ours.
        Err(StoreError::Duplicate(_)) => verify_master_key_check(dbs, master).await,
        other => Ok(other?),
    }
}
