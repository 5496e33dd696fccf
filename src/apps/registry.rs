//! The app registry in memory: the token endpoint finds an app without touching the database.
//!
//! The whole set is an immutable snapshot swapped atomically. It is reloaded when the stored
//! `apps_version` changes (checked on every background tick), and an id not in memory is looked
//! up once in the database (an app created a moment ago by another instance or the CLI).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use super::GrantType;
use crate::crypto::keyring::SigningAlg;
use crate::store::apps::{self, AppRow, SecretRow};
use crate::store::{Db, StoreError};

/// How an app authenticates at the token endpoint (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `client_secret_basic` or `client_secret_post`.
    ClientSecret,
    PrivateKeyJwt,
    /// A public app: no authentication, PKCE only.
    None,
}

/// A secret as the registry keeps it: its SHA-256 and validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash {
    pub sha256: Vec<u8>,
    pub expires_at: Option<DateTime<Utc>>,
    pub is_revoked: bool,
}

/// An app with everything the protocol needs, parsed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredApp {
    pub client_id: String,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: BTreeSet<GrantType>,
    pub scopes: BTreeSet<String>,
    pub auth_method: AuthMethod,
    pub jwks: Option<serde_json::Value>,
    pub jwks_uri: Option<String>,
    pub require_pkce: bool,
    pub id_token_alg: SigningAlg,
    pub secrets: Vec<SecretHash>,
}

impl RegisteredApp {
    fn from_rows(row: AppRow, secrets: Vec<SecretRow>) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("app {}: {what}", row.id));
        let grant_types = row
            .grant_types
            .iter()
            .map(|g| g.parse::<GrantType>().map_err(|e| corrupt(e.to_string())))
            .collect::<Result<_, _>>()?;
        let auth_method = match row.token_endpoint_auth_method.as_str() {
            "client_secret_basic" | "client_secret_post" => AuthMethod::ClientSecret,
            "private_key_jwt" => AuthMethod::PrivateKeyJwt,
            "none" => AuthMethod::None,
            other => return Err(corrupt(format!("auth method `{other}`"))),
        };
        let id_token_alg = row
            .id_token_signed_response_alg
            .parse()
            .map_err(|e: crate::crypto::keyring::UnknownAlg| corrupt(e.to_string()))?;
        let secrets = secrets
            .into_iter()
            .map(|s| {
                Ok(SecretHash {
                    sha256: hex_decode(&s.secret_hash)
                        .ok_or_else(|| corrupt("secret hash".into()))?,
                    expires_at: s.expires_at,
                    is_revoked: s.revoked_at.is_some(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Self {
            client_id: row.id,
            name: row.name,
            is_public: row.is_public,
            redirect_uris: row.redirect_uris,
            post_logout_redirect_uris: row.post_logout_redirect_uris,
            grant_types,
            scopes: row.scopes.into_iter().collect(),
            auth_method,
            jwks: row.jwks,
            jwks_uri: row.jwks_uri,
            require_pkce: row.require_pkce,
            id_token_alg,
            secrets,
        })
    }

    pub fn allows_grant(&self, grant: GrantType) -> bool {
        self.grant_types.contains(&grant)
    }
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(Debug, Default)]
struct Snapshot {
    version: String,
    apps: HashMap<String, Arc<RegisteredApp>>,
}

/// The registry. Reads are lock-free.
#[derive(Debug)]
pub struct AppRegistry {
    db: Db,
    current: ArcSwap<Snapshot>,
}

impl AppRegistry {
    /// An empty registry; [`AppRegistry::refresh_if_changed`] fills it.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            current: ArcSwap::from_pointee(Snapshot::default()),
        }
    }

    /// Reloads when the stored version changed; returns whether it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, StoreError> {
        if apps::find_version(&self.db).await? == self.current.load().version {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    async fn reload(&self) -> Result<(), StoreError> {
        // Read the version first: a change made during the reload is picked up next time.
        let version = apps::find_version(&self.db).await?;
        let mut secrets: HashMap<String, Vec<SecretRow>> = HashMap::new();
        for s in apps::find_all_secrets(&self.db).await? {
            secrets.entry(s.app_id.clone()).or_default().push(s);
        }
        let mut loaded = HashMap::new();
        for row in apps::find_all(&self.db).await? {
            let app_secrets = secrets.remove(&row.id).unwrap_or_default();
            let app = RegisteredApp::from_rows(row, app_secrets)?;
            loaded.insert(app.client_id.clone(), Arc::new(app));
        }
        self.current.store(Arc::new(Snapshot {
            version,
            apps: loaded,
        }));
        Ok(())
    }

    /// The app with this client id: from memory, else from the database.
    pub async fn find(&self, client_id: &str) -> Result<Option<Arc<RegisteredApp>>, StoreError> {
        if let Some(app) = self.current.load().apps.get(client_id) {
            return Ok(Some(app.clone()));
        }
        let Some(row) = apps::find_app(&self.db, client_id).await? else {
            return Ok(None);
        };
        let secrets = apps::find_secrets(&self.db, client_id).await?;
        let app = Arc::new(RegisteredApp::from_rows(row, secrets)?);
        self.current.rcu(|snapshot| {
            let mut apps = snapshot.apps.clone();
            apps.insert(app.client_id.clone(), app.clone());
            Snapshot {
                version: snapshot.version.clone(),
                apps,
            }
        });
        Ok(Some(app))
    }
}
