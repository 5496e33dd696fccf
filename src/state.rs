//! `AppState`: everything a request handler may use, passed explicitly (STYLE.md rule 3).

use std::sync::Arc;

use crate::apps::{AppRegistry, ClientKeys, KeyUsage};
use crate::clock::Clock;
use crate::config::Settings;
use crate::crypto::csrf::Csrf;
use crate::crypto::keyring::KeyRing;
use crate::crypto::session_cookie::SessionCookies;
use crate::identity::{PasswordHasher, Pii};
use crate::store::redis::Redis;
use crate::store::Databases;

/// Shared state of one Tessera instance.
#[derive(Clone, Debug)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub dbs: Databases,
    pub keys: Arc<KeyRing>,
    pub apps: Arc<AppRegistry>,
    /// Apps' registered `jwks_uri` key sets, cached.
    pub client_keys: Arc<ClientKeys>,
    /// Secret keys' last-used times, written in batches by the background task.
    pub key_usage: Arc<KeyUsage>,
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
    pub pii: Arc<Pii>,
    pub session_cookies: SessionCookies,
    pub csrf: Csrf,
    pub redis: Option<Redis>,
    /// The discovery document, built once.
    pub discovery: Arc<Vec<u8>>,
}
