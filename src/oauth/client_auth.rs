//! Client authentication at the token endpoint (RFC 6749 §2.3, OIDC Core §9).

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};

use super::OAuthError;
use crate::apps::{AuthMethod, RegisteredApp};

/// What the client presented. A request may use one method only (RFC 6749 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// `client_secret_basic`.
    Basic { client_id: String, secret: String },
    /// `client_secret_post`.
    Post { client_id: String, secret: String },
    /// Only a `client_id`: a public client.
    IdOnly { client_id: String },
    /// `private_key_jwt`: a signed assertion (verified by `client_assertion`).
    Assertion {
        client_id: String,
        assertion: String,
    },
}

impl Presented {
    pub fn client_id(&self) -> &str {
        match self {
            Self::Basic { client_id, .. }
            | Self::Post { client_id, .. }
            | Self::IdOnly { client_id }
            | Self::Assertion { client_id, .. } => client_id,
        }
    }
}

/// The one message for every authentication failure, so failures reveal nothing.
pub fn failed() -> OAuthError {
    OAuthError::InvalidClient("client authentication failed".into())
}

/// Checks the presented credentials against the app; on success, the id of the secret used
/// (none for a public client).
pub fn authenticate<'a>(
    app: &'a RegisteredApp,
    presented: &Presented,
    now: DateTime<Utc>,
) -> Result<Option<&'a str>, OAuthError> {
    match (presented, app.auth_method) {
        (
            Presented::Basic { secret, .. } | Presented::Post { secret, .. },
            AuthMethod::ClientSecret,
        ) => matching_secret(app, secret, now)
            .map(Some)
            .ok_or_else(failed),
        (Presented::IdOnly { .. }, AuthMethod::None) => Ok(None),
        // Assertions are verified asynchronously against the app's keys.
        (Presented::Assertion { .. }, _) => Err(failed()),
        (Presented::IdOnly { .. }, _) => Err(OAuthError::InvalidClient(
            "this client must authenticate".into(),
        )),
        (_, AuthMethod::None) => Err(OAuthError::InvalidClient(
            "this is a public client: it has no secret".into(),
        )),
        (_, AuthMethod::PrivateKeyJwt) => Err(OAuthError::InvalidClient(
            "this client must authenticate with private_key_jwt".into(),
        )),
    }
}

/// Compares against every usable secret in constant time (rotation keeps several valid) and
/// returns the id of the one that matched.
fn matching_secret<'a>(
    app: &'a RegisteredApp,
    secret: &str,
    now: DateTime<Utc>,
) -> Option<&'a str> {
    let presented = Sha256::digest(secret.as_bytes());
    let mut found = subtle::Choice::from(0);
    let mut index = 0u64;
    for (i, stored) in app.secrets.iter().enumerate() {
        let usable = !stored.is_revoked && stored.expires_at.is_none_or(|t| t > now);
        let hit = stored.sha256.as_slice().ct_eq(presented.as_slice())
            & subtle::Choice::from(u8::from(usable));
        index = u64::conditional_select(&index, &(i as u64), hit);
        found |= hit;
    }
    if bool::from(found) {
        app.secrets
            .get(usize::try_from(index).ok()?)
            .map(|s| s.id.as_str())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apps::SecretHash;

    fn app(method: AuthMethod, secrets: Vec<SecretHash>) -> RegisteredApp {
        RegisteredApp {
            secrets,
            ..RegisteredApp::for_tests("c1", method)
        }
    }

    fn secret(text: &str, expires_at: Option<DateTime<Utc>>, is_revoked: bool) -> SecretHash {
        SecretHash {
            id: text.into(),
            sha256: Sha256::digest(text.as_bytes()).to_vec(),
            expires_at,
            is_revoked,
        }
    }

    fn basic(secret: &str) -> Presented {
        Presented::Basic {
            client_id: "c1".into(),
            secret: secret.into(),
        }
    }

    #[test]
    fn a_current_secret_authenticates_and_others_fail_alike() {
        let now = Utc::now();
        let later = now + chrono::Duration::hours(1);
        let earlier = now - chrono::Duration::hours(1);
        let a = app(
            AuthMethod::ClientSecret,
            vec![
                secret("old", Some(earlier), false),
                secret("new", Some(later), false),
                secret("gone", None, true),
            ],
        );
        assert_eq!(authenticate(&a, &basic("new"), now), Ok(Some("new")));
        for bad in ["old", "gone", "wrong", ""] {
            assert_eq!(authenticate(&a, &basic(bad), now), Err(failed()), "{bad}");
        }
    }

    #[test]
    fn the_method_must_fit_the_app() {
        let now = Utc::now();
        let public = app(AuthMethod::None, vec![]);
        let id_only = Presented::IdOnly {
            client_id: "c1".into(),
        };
        assert!(authenticate(&public, &id_only, now).is_ok());
        assert!(authenticate(&public, &basic("x"), now).is_err());
        let confidential = app(AuthMethod::ClientSecret, vec![secret("s", None, false)]);
        assert!(authenticate(&confidential, &id_only, now).is_err());
        let jwt = app(AuthMethod::PrivateKeyJwt, vec![]);
        assert!(authenticate(&jwt, &basic("s"), now).is_err());
    }
}
