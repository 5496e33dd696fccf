//! An app's secret keys: create, rotate (the old ones stay valid until a chosen time), revoke,
//! list. A secret is shown once; only its SHA-256 is stored (DESIGN.md "Tokens"). Expired and
//! revoked keys fail client authentication as `invalid_client`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;

use super::{AppError, AuthMethod, RegisteredApp};
use crate::clock::Clock;
use crate::crypto::{random, sha256_hex};
use crate::store::apps::{self, SecretRow};
use crate::store::Db;

/// A key as listings show it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySummary {
    pub key_id: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Recorded in batches, so up to a poll interval late.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A new key; the secret is shown once.
#[derive(Debug, Serialize)]
pub struct CreatedKey {
    pub client_id: String,
    pub key_id: String,
    #[serde(serialize_with = "expose")]
    pub client_secret: SecretString,
    pub expires_at: Option<DateTime<Utc>>,
}

fn expose<S: serde::Serializer>(secret: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    use secrecy::ExposeSecret;
    s.serialize_str(secret.expose_secret())
}

fn check_label(label: &str) -> Result<String, AppError> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 200 || label.chars().any(char::is_control) {
        return Err(AppError::InvalidLabel);
    }
    Ok(label.to_owned())
}

fn new_key(
    app: &RegisteredApp,
    label: String,
    now: DateTime<Utc>,
    ttl: Option<Duration>,
) -> Result<(SecretRow, SecretString), AppError> {
    if app.auth_method != AuthMethod::ClientSecret {
        return Err(AppError::NoSecrets);
    }
    let secret = random::token::<32>();
    let expires_at = ttl
        .map(|ttl| {
            chrono::Duration::from_std(ttl)
                .ok()
                .and_then(|d| now.checked_add_signed(d))
                .ok_or(AppError::InvalidExpiry)
        })
        .transpose()?;
    let row = SecretRow {
        id: uuid::Uuid::new_v4().to_string(),
        app_id: app.client_id.clone(),
        label,
        secret_hash: sha256_hex(secret.as_bytes()),
        created_at: now,
        expires_at,
        revoked_at: None,
        last_used_at: None,
    };
    Ok((row, SecretString::from(secret)))
}

/// Adds a key (next to the existing ones), optionally expiring after `ttl`.
pub async fn create_key(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: &RegisteredApp,
    label: &str,
    ttl: Option<Duration>,
) -> Result<CreatedKey, AppError> {
    let (row, secret) = new_key(app, check_label(label)?, clock.now(), ttl)?;
    apps::insert_secret(db, &row).await?;
    Ok(CreatedKey {
        client_id: app.client_id.clone(),
        key_id: row.id,
        client_secret: secret,
        expires_at: row.expires_at,
    })
}

/// Adds a key and lets the existing ones expire after `old_valid_for` (zero: at once).
pub async fn rotate_keys(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: &RegisteredApp,
    old_valid_for: Duration,
) -> Result<CreatedKey, AppError> {
    let now = clock.now();
    let old_until = chrono::Duration::from_std(old_valid_for)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or(AppError::InvalidExpiry)?;
    let (row, secret) = new_key(app, "rotated".into(), now, None)?;
    apps::rotate_secrets(db, &row, old_until).await?;
    Ok(CreatedKey {
        client_id: app.client_id.clone(),
        key_id: row.id,
        client_secret: secret,
        expires_at: None,
    })
}

/// Adds a key and lets one usable key (`key_id`) expire at `old_until` (now: at once), or
/// earlier if it already expires sooner; the app's other keys are left as they are.
pub async fn rotate_key(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: &RegisteredApp,
    key_id: &str,
    old_until: DateTime<Utc>,
) -> Result<CreatedKey, AppError> {
    let now = clock.now();
    if old_until < now {
        return Err(AppError::OldKeyEndInPast);
    }
    let (row, secret) = new_key(app, "rotated".into(), now, None)?;
    if !apps::rotate_secret(db, &row, key_id, old_until).await? {
        return Err(AppError::UnknownKey(key_id.to_owned()));
    }
    Ok(CreatedKey {
        client_id: app.client_id.clone(),
        key_id: row.id,
        client_secret: secret,
        expires_at: None,
    })
}

/// Revokes one key at once.
pub async fn revoke_key(
    db: &Db,
    clock: &Arc<dyn Clock>,
    app: &RegisteredApp,
    key_id: &str,
) -> Result<(), AppError> {
    if apps::revoke_secret(db, &app.client_id, key_id, clock.now()).await? {
        Ok(())
    } else {
        Err(AppError::UnknownKey(key_id.to_owned()))
    }
}

/// The app's keys.
pub async fn list_keys(db: &Db, app: &RegisteredApp) -> Result<Vec<KeySummary>, AppError> {
    let mut keys: Vec<KeySummary> = apps::find_secrets(db, &app.client_id)
        .await?
        .into_iter()
        .map(|s| KeySummary {
            key_id: s.id,
            label: s.label,
            created_at: s.created_at,
            expires_at: s.expires_at,
            revoked_at: s.revoked_at,
            last_used_at: s.last_used_at,
        })
        .collect();
    keys.sort_by_key(|k| k.created_at);
    Ok(keys)
}
