//! The live key ring: syncs with the ops database, runs the schedule, and publishes an
//! immutable snapshot that request handlers read without locking.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use josekit::jws::{JwsSigner, JwsVerifier};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::schedule::{self, after, Action, KeyInfo};
use super::{generate, JwksDocument, KeyState, SigningAlg};
use crate::clock::Clock;
use crate::config::KeySettings;
use crate::crypto::{SealError, Sealer};
use crate::store::signing_keys::{self, KeyRow};
use crate::store::{Db, StoreError};

/// The key ring failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "signing key {kid} cannot be decrypted: the master key is not the one it was sealed with"
    )]
    WrongMasterKey { kid: String },
    #[error("signing key {kid}: {reason}")]
    BadKey { kid: String, reason: String },
    #[error("key generation: {0}")]
    Generate(String),
    #[error("another instance changed the key ring at the same time; check `tessera keys list` and retry")]
    Conflict,
}

/// A key that signs now.
#[derive(Debug)]
pub struct ActiveKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub signer: Box<dyn JwsSigner>,
}

/// A key as `tessera keys list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeySummary {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub activates_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    pub removes_at: Option<DateTime<Utc>>,
}

/// What a forced rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// A successor is published now and signs from `activates_at`.
    Scheduled {
        kid: String,
        activates_at: DateTime<Utc>,
    },
    /// A successor was already published; it signs from `activates_at`.
    AlreadyScheduled {
        kid: String,
        activates_at: DateTime<Utc>,
    },
    /// The successor signs from now on; the previous key stays published until it is removed.
    Activated {
        kid: String,
        retired: Option<String>,
    },
}

#[derive(Debug, Default)]
struct Snapshot {
    fingerprint: String,
    jwks: Arc<JwksDocument>,
    active: HashMap<SigningAlg, Arc<ActiveKey>>,
    /// Every published key, for verifying Tessera's own tokens.
    verifiers: HashMap<String, Arc<PublishedKey>>,
}

/// A published public key.
#[derive(Debug)]
pub struct PublishedKey {
    pub alg: SigningAlg,
    pub verifier: Box<dyn JwsVerifier>,
}

/// The ring. Cheap to share behind an `Arc`.
pub struct KeyRing {
    db: Db,
    sealer: Sealer,
    settings: KeySettings,
    clock: Arc<dyn Clock>,
    current: ArcSwap<Snapshot>,
    sync_lock: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("settings", &self.settings)
            .finish()
    }
}

/// Associated data binding a sealed private key to its kid.
fn aad(kid: &str) -> Vec<u8> {
    format!("signing_keys:{kid}").into_bytes()
}

impl KeyRing {
    /// An empty ring; call [`KeyRing::sync`] before serving.
    pub fn new(db: Db, sealer: Sealer, settings: KeySettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            db,
            sealer,
            settings,
            clock,
            current: ArcSwap::from_pointee(Snapshot::default()),
            sync_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// The published key set.
    pub fn jwks(&self) -> Arc<JwksDocument> {
        self.current.load().jwks.clone()
    }

    /// The key that signs with `alg` now.
    pub fn active(&self, alg: SigningAlg) -> Option<Arc<ActiveKey>> {
        self.current.load().active.get(&alg).cloned()
    }

    /// The published key with this kid (active, next or retired).
    pub fn published(&self, kid: &str) -> Option<Arc<PublishedKey>> {
        self.current.load().verifiers.get(kid).cloned()
    }

    /// Runs the schedule, then reloads the snapshot if the stored ring changed.
    /// Returns whether the snapshot changed.
    pub async fn sync(&self) -> Result<bool, KeyRingError> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let now = self.clock.now();
        let mut rows = signing_keys::find_all(&self.db).await?;
        let actions = schedule::plan(&parse_all(&rows)?, &self.settings, now);
        if !actions.is_empty() {
            for action in actions {
                self.apply(action, now).await?;
            }
            rows = signing_keys::find_all(&self.db).await?;
        }
        let fingerprint = fingerprint(&rows);
        if fingerprint == self.current.load().fingerprint {
            return Ok(false);
        }
        let snapshot = self.build(rows, fingerprint)?;
        self.current.store(Arc::new(snapshot));
        Ok(true)
    }

    /// Every stored key.
    pub async fn list(&self) -> Result<Vec<KeySummary>, KeyRingError> {
        Ok(signing_keys::find_all(&self.db)
            .await?
            .into_iter()
            .map(|r| KeySummary {
                kid: r.kid,
                alg: r.alg,
                state: r.state,
                created_at: r.created_at,
                activates_at: r.activates_at,
                retired_at: r.retired_at,
                removes_at: r.removes_at,
            })
            .collect())
    }

    /// Forces a rotation of `alg`: publishes a successor that signs after the pre-publication
    /// window, or, with `immediately`, makes the successor sign now (for a compromised key).
    /// `remove_previous` (with `immediately`) also takes the previous key out of the JWKS at the
    /// next sync, so tokens it signed stop verifying.
    pub async fn rotate(
        &self,
        alg: SigningAlg,
        immediately: bool,
        remove_previous: bool,
    ) -> Result<RotateOutcome, KeyRingError> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let now = self.clock.now();
        let keys = parse_all(&signing_keys::find_all(&self.db).await?)?;
        let find = |state| keys.iter().find(|k| k.alg == alg && k.state == state);
        let active = find(KeyState::Active).map(|k| k.kid.clone());
        let next = match find(KeyState::Next) {
            Some(next) if !immediately => {
                return Ok(RotateOutcome::AlreadyScheduled {
                    kid: next.kid.clone(),
                    activates_at: next.activates_at,
                })
            }
            Some(next) => next.kid.clone(),
            None => {
                let activates_at = after(now, self.settings.prepublish);
                let kid = self.create(alg, KeyState::Next, now, activates_at).await?;
                if !immediately {
                    return Ok(RotateOutcome::Scheduled { kid, activates_at });
                }
                kid
            }
        };
        let removes_at = if remove_previous {
            now
        } else {
            after(now, self.settings.retention)
        };
        let promoted = signing_keys::promote(
            &self.db,
            alg.as_str(),
            &next,
            active.as_deref(),
            now,
            removes_at,
        )
        .await?;
        if !promoted {
            return Err(KeyRingError::Conflict);
        }
        Ok(RotateOutcome::Activated {
            kid: next,
            retired: active,
        })
    }

    /// Stops signing with `alg` (after it was removed from `keys.algorithms`): its keys stay
    /// published for `keys.retention`. Returns the retired kids.
    pub async fn retire(&self, alg: SigningAlg) -> Result<Vec<String>, KeyRingError> {
        let _one_at_a_time = self.sync_lock.lock().await;
        let now = self.clock.now();
        let removes_at = after(now, self.settings.retention);
        let mut retired = Vec::new();
        for key in parse_all(&signing_keys::find_all(&self.db).await?)? {
            if key.alg == alg
                && key.state != KeyState::Retired
                && signing_keys::retire(&self.db, &key.kid, now, removes_at).await?
            {
                retired.push(key.kid);
            }
        }
        Ok(retired)
    }

    async fn apply(&self, action: Action, now: DateTime<Utc>) -> Result<(), KeyRingError> {
        let removes_at = after(now, self.settings.retention);
        match action {
            Action::Create {
                alg,
                state,
                activates_at,
            } => {
                let kid = self.create(alg, state, now, activates_at).await?;
                tracing::info!(%kid, %alg, %state, %activates_at, "signing key created");
            }
            Action::Promote { alg, next, active } => {
                if signing_keys::promote(
                    &self.db,
                    alg.as_str(),
                    &next,
                    active.as_deref(),
                    now,
                    removes_at,
                )
                .await?
                {
                    tracing::info!(kid = %next, %alg, retired = ?active, "signing key activated");
                }
            }
            Action::Remove { kid } => {
                if signing_keys::delete_expired(&self.db, &kid, now).await? {
                    tracing::info!(%kid, "retired signing key removed from the JWKS");
                }
            }
        }
        Ok(())
    }

    /// Generates, seals and stores a key. If another instance filled the slot first, its key
    /// stands and ours is dropped; the kid returned is then the one in the slot.
    async fn create(
        &self,
        alg: SigningAlg,
        state: KeyState,
        now: DateTime<Utc>,
        activates_at: DateTime<Utc>,
    ) -> Result<String, KeyRingError> {
        let bits = self.settings.rsa_bits;
        let key = tokio::task::spawn_blocking(move || generate(alg, bits))
            .await
            .map_err(|e| KeyRingError::Generate(e.to_string()))?
            .map_err(|e| KeyRingError::Generate(e.to_string()))?;
        let sealed = self
            .sealer
            .seal(&key.private_der, &aad(&key.kid))
            .map_err(|_| KeyRingError::Generate("sealing failed".into()))?;
        let row = KeyRow {
            kid: key.kid.clone(),
            alg: alg.as_str().to_owned(),
            state: state.as_str().to_owned(),
            public_jwk: Value::Object(key.public_jwk).to_string(),
            private_key: sealed,
            created_at: now,
            activates_at,
            retired_at: None,
            removes_at: None,
        };
        if signing_keys::insert_key(&self.db, &row).await? {
            return Ok(key.kid);
        }
        let winner = parse_all(&signing_keys::find_all(&self.db).await?)?
            .into_iter()
            .find(|k| k.alg == alg && k.state == state)
            .map(|k| k.kid);
        winner.ok_or_else(|| KeyRingError::Generate("lost a race for a key slot".into()))
    }

    fn build(&self, rows: Vec<KeyRow>, fingerprint: String) -> Result<Snapshot, KeyRingError> {
        let previous = self.current.load();
        let mut published: Vec<(KeyState, Map<String, Value>)> = Vec::new();
        let mut active = HashMap::new();
        let mut verifiers = HashMap::new();
        for row in &rows {
            let info = parse(row)?;
            let jwk: Map<String, Value> =
                serde_json::from_str(&row.public_jwk).map_err(|e| KeyRingError::BadKey {
                    kid: row.kid.clone(),
                    reason: format!("public JWK: {e}"),
                })?;
            let verifier = super::verifier(info.alg, &jwk).map_err(|e| KeyRingError::BadKey {
                kid: row.kid.clone(),
                reason: e.to_string(),
            })?;
            verifiers.insert(
                row.kid.clone(),
                Arc::new(PublishedKey {
                    alg: info.alg,
                    verifier,
                }),
            );
            published.push((info.state, jwk));
            if info.state == KeyState::Active {
                let loaded = match previous.active.get(&info.alg) {
                    Some(key) if key.kid == row.kid => key.clone(),
                    _ => Arc::new(self.open(row, info.alg)?),
                };
                active.insert(info.alg, loaded);
            }
        }
        // Signing keys first, then successors, then retired ones.
        published.sort_by_key(|(state, _)| match state {
            KeyState::Active => 0,
            KeyState::Next => 1,
            KeyState::Retired => 2,
        });
        let jwks = JwksDocument::new(published.into_iter().map(|(_, jwk)| jwk).collect());
        Ok(Snapshot {
            fingerprint,
            jwks: Arc::new(jwks),
            active,
            verifiers,
        })
    }

    fn open(&self, row: &KeyRow, alg: SigningAlg) -> Result<ActiveKey, KeyRingError> {
        let der = self
            .sealer
            .open(&row.private_key, &aad(&row.kid))
            .map_err(|SealError| KeyRingError::WrongMasterKey {
                kid: row.kid.clone(),
            })?;
        let signer = super::signer(alg, &der, &row.kid).map_err(|e| KeyRingError::BadKey {
            kid: row.kid.clone(),
            reason: e.to_string(),
        })?;
        Ok(ActiveKey {
            kid: row.kid.clone(),
            alg,
            signer,
        })
    }

    /// Checks that every stored private key opens with this master key, changing nothing.
    pub async fn verify_master_key(&self) -> Result<(), KeyRingError> {
        for row in signing_keys::find_all(&self.db).await? {
            self.sealer
                .open(&row.private_key, &aad(&row.kid))
                .map_err(|SealError| KeyRingError::WrongMasterKey {
                    kid: row.kid.clone(),
                })?;
        }
        Ok(())
    }
}

fn parse(row: &KeyRow) -> Result<KeyInfo, KeyRingError> {
    let bad = |reason: String| KeyRingError::BadKey {
        kid: row.kid.clone(),
        reason,
    };
    Ok(KeyInfo {
        kid: row.kid.clone(),
        alg: row
            .alg
            .parse()
            .map_err(|e: super::UnknownAlg| bad(e.to_string()))?,
        state: KeyState::parse(&row.state)
            .ok_or_else(|| bad(format!("unknown state `{}`", row.state)))?,
        activates_at: row.activates_at,
        removes_at: row.removes_at,
    })
}

fn parse_all(rows: &[KeyRow]) -> Result<Vec<KeyInfo>, KeyRingError> {
    rows.iter().map(parse).collect()
}

/// Identifies the ring's published state; any change of key or state changes it.
fn fingerprint(rows: &[KeyRow]) -> String {
    let mut hasher = Sha256::new();
    for row in rows {
        hasher.update(row.kid.as_bytes());
        hasher.update(b"\0");
        hasher.update(row.state.as_bytes());
        hasher.update(b"\0");
        hasher.update(row.activates_at.to_rfc3339().as_bytes());
        hasher.update(b"\n");
    }
    crate::crypto::hex_encode(&hasher.finalize())
}
