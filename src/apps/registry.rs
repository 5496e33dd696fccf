//! The app registry in memory: the token endpoint finds an app without touching the database.
//!
//! The whole set is an immutable snapshot swapped atomically. It is reloaded when the stored
//! `apps_version` changes (checked on every background tick), and an id not in memory is looked
//! up once in the database (an app created a moment ago by another instance or the CLI).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use super::{GrantType, IpAllowList};
use crate::crypto::keyring::SigningAlg;
use crate::store::app_access::{self, AppAccessRow};
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

impl AuthMethod {
    /// The method of a stored `token_endpoint_auth_method`; `None` for an unknown one.
    pub fn from_stored(method: &str) -> Option<Self> {
        match method {
            "client_secret_basic" | "client_secret_post" => Some(Self::ClientSecret),
            "private_key_jwt" => Some(Self::PrivateKeyJwt),
            "none" => Some(Self::None),
            _ => None,
        }
    }

    /// The app proves who it is with something other than its id (RFC 6749 §2.1).
    pub fn is_confidential(self) -> bool {
        self != Self::None
    }
}

/// A secret as the registry keeps it: its SHA-256 and validity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretHash {
    pub id: String,
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
    pub redirect_uri_prefixes: Vec<String>,
    pub post_logout_redirect_uri_prefixes: Vec<String>,
    /// Domain protection (empty: off).
    pub allowed_origins: Vec<String>,
    /// IP protection (empty: off).
    pub allowed_ips: IpAllowList,
    pub is_server_only: bool,
    /// Per-app lifetimes; `None` means the configured default.
    pub access_token_ttl: Option<Duration>,
    pub id_token_ttl: Option<Duration>,
    pub refresh_token_ttl: Option<Duration>,
    pub is_first_party: bool,
    pub logo_uri: Option<String>,
    /// The organization the app belongs to (DESIGN.md "Access model").
    pub org_id: Option<String>,
    /// The resource (`aud`) of tokens requested without a `resource` parameter (RFC 8707).
    pub default_resource: Option<String>,
}

impl RegisteredApp {
    fn from_rows(
        row: AppRow,
        secrets: Vec<SecretRow>,
        access: AppAccessRow,
    ) -> Result<Self, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt(format!("app {}: {what}", row.id));
        let grant_types = row
            .grant_types
            .iter()
            .map(|g| g.parse::<GrantType>().map_err(|e| corrupt(e.to_string())))
            .collect::<Result<_, _>>()?;
        let auth_method = AuthMethod::from_stored(&row.token_endpoint_auth_method)
            .ok_or_else(|| corrupt(format!("auth method `{}`", row.token_endpoint_auth_method)))?;
        let id_token_alg = row
            .id_token_signed_response_alg
            .parse()
            .map_err(|e: crate::crypto::keyring::UnknownAlg| corrupt(e.to_string()))?;
        let secrets = secrets
            .into_iter()
            .map(|s| {
                Ok(SecretHash {
                    id: s.id,
                    sha256: hex_decode(&s.secret_hash)
                        .ok_or_else(|| corrupt("secret hash".into()))?,
                    expires_at: s.expires_at,
                    is_revoked: s.revoked_at.is_some(),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let allowed_ips =
            IpAllowList::parse(&row.allowed_ips).map_err(|e| corrupt(e.to_string()))?;
        let duration = |s: Option<i64>| {
            s.and_then(|s| u64::try_from(s).ok())
                .map(Duration::from_secs)
        };
        Ok(Self {
            redirect_uri_prefixes: row.redirect_uri_prefixes,
            post_logout_redirect_uri_prefixes: row.post_logout_redirect_uri_prefixes,
            allowed_origins: row.allowed_origins,
            allowed_ips,
            is_server_only: row.is_server_only,
            access_token_ttl: duration(row.access_token_ttl_secs),
            id_token_ttl: duration(row.id_token_ttl_secs),
            refresh_token_ttl: duration(row.refresh_token_ttl_secs),
            is_first_party: row.is_first_party,
            logo_uri: row.logo_uri,
            org_id: access.org_id,
            default_resource: access.default_resource,
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

    /// An app with no redirect URIs, grants, scopes or protections, for unit tests.
    #[cfg(test)]
    pub fn for_tests(client_id: &str, auth_method: AuthMethod) -> Self {
        Self {
            client_id: client_id.into(),
            name: "App".into(),
            is_public: auth_method == AuthMethod::None,
            redirect_uris: vec![],
            post_logout_redirect_uris: vec![],
            grant_types: BTreeSet::new(),
            scopes: BTreeSet::new(),
            auth_method,
            jwks: None,
            jwks_uri: None,
            require_pkce: true,
            id_token_alg: SigningAlg::Rs256,
            secrets: vec![],
            redirect_uri_prefixes: vec![],
            post_logout_redirect_uri_prefixes: vec![],
            allowed_origins: vec![],
            allowed_ips: IpAllowList::default(),
            is_server_only: false,
            access_token_ttl: None,
            id_token_ttl: None,
            refresh_token_ttl: None,
            is_first_party: false,
            logo_uri: None,
            org_id: None,
            default_resource: None,
        }
    }

    /// Return-URL protection for `redirect_uri`: an exact registered URI or a prefix match.
    pub fn allows_redirect_uri(&self, uri: &str) -> bool {
        super::is_allowed_return_url(uri, &self.redirect_uris, &self.redirect_uri_prefixes)
    }

    /// Return-URL protection for `post_logout_redirect_uri`.
    pub fn allows_post_logout_redirect_uri(&self, uri: &str) -> bool {
        super::is_allowed_return_url(
            uri,
            &self.post_logout_redirect_uris,
            &self.post_logout_redirect_uri_prefixes,
        )
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
    /// Every app's allowed origins: CORS preflights and app-less endpoints answer these.
    origins: HashSet<String>,
}

impl Snapshot {
    fn new(version: String, apps: HashMap<String, Arc<RegisteredApp>>) -> Self {
        let origins = apps
            .values()
            .flat_map(|a| a.allowed_origins.iter().cloned())
            .collect();
        Self {
            version,
            apps,
            origins,
        }
    }
}

/// The registry. Reads are lock-free.
#[derive(Debug)]
pub struct AppRegistry {
    db: Db,
    current: ArcSwap<Snapshot>,
    /// One reload at a time: two overlapping reloads could otherwise store the older snapshot
    /// last (the background tick racing with a change made on this instance).
    reloading: tokio::sync::Mutex<()>,
}

impl AppRegistry {
    /// An empty registry; [`AppRegistry::refresh_if_changed`] fills it.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            current: ArcSwap::from_pointee(Snapshot::default()),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// Reloads when the stored version changed; returns whether it did.
    pub async fn refresh_if_changed(&self) -> Result<bool, StoreError> {
        let _one_at_a_time = self.reloading.lock().await;
        if apps::find_version(&self.db).await? == self.current.load().version {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    async fn reload(&self) -> Result<(), StoreError> {
        // Read the version first: a change made during the reload is picked up next time.
        let version = apps::find_version(&self.db).await?;
        // Apps before secrets: an app registered between the two reads is simply not loaded yet
        // (a lookup falls back to the database), never loaded without its first secret.
        let rows = apps::find_all(&self.db).await?;
        let mut secrets: HashMap<String, Vec<SecretRow>> = HashMap::new();
        for s in apps::find_all_secrets(&self.db).await? {
            secrets.entry(s.app_id.clone()).or_default().push(s);
        }
        let mut access: HashMap<String, AppAccessRow> = app_access::find_all_app_access(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.app_id.clone(), a))
            .collect();
        let mut loaded = HashMap::new();
        for row in rows {
            let app_secrets = secrets.remove(&row.id).unwrap_or_default();
            let app_access = access.remove(&row.id).unwrap_or_default();
            let app = RegisteredApp::from_rows(row, app_secrets, app_access)?;
            loaded.insert(app.client_id.clone(), Arc::new(app));
        }
        self.current.store(Arc::new(Snapshot::new(version, loaded)));
        Ok(())
    }

    /// Whether any app lists this origin (CORS where no app is named yet).
    pub fn is_known_origin(&self, origin: &str) -> bool {
        self.current.load().origins.contains(origin)
    }

    /// The app with this client id: from memory, else from the database.
    pub async fn find(&self, client_id: &str) -> Result<Option<Arc<RegisteredApp>>, StoreError> {
        let seen_version = {
            let current = self.current.load();
            if let Some(app) = current.apps.get(client_id) {
                return Ok(Some(app.clone()));
            }
            current.version.clone()
        };
        let Some(row) = apps::find_app(&self.db, client_id).await? else {
            return Ok(None);
        };
        let secrets = apps::find_secrets(&self.db, client_id).await?;
        let access = app_access::find_app_access(&self.db, client_id).await?;
        let app = Arc::new(RegisteredApp::from_rows(row, secrets, access)?);
        self.current
            .rcu(|snapshot| snapshot.remembering(&seen_version, &app));
        Ok(Some(app))
    }
}

impl Snapshot {
    /// This snapshot with `app`, read from the database while `seen_version` was current.
    /// After a reload to another version, `app` may be deleted or changed: the snapshot stays
    /// as it is (the next lookup reads the database again).
    fn remembering(&self, seen_version: &str, app: &Arc<RegisteredApp>) -> Self {
        let mut apps = self.apps.clone();
        if self.version == seen_version {
            apps.insert(app.client_id.clone(), app.clone());
        }
        Snapshot::new(self.version.clone(), apps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_read_before_a_reload_is_not_put_into_the_reloaded_snapshot() {
        let app = Arc::new(RegisteredApp::for_tests("app-1", AuthMethod::ClientSecret));
        let reloaded = Snapshot::new("v2".into(), HashMap::new());
        // Read while v1 was current, then deleted: the reload to v2 no longer has it.
        assert!(!reloaded.remembering("v1", &app).apps.contains_key("app-1"));
        // Read while v2 is current: remembered.
        assert!(reloaded.remembering("v2", &app).apps.contains_key("app-1"));
    }
}
