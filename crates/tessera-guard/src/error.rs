//! Errors: `InitError` when a validator cannot be set up, `AuthError` when one request's token
//! is refused, `PolicyError` when a route policy cannot be built, `Forbidden` when a valid token
//! does not cover a request. Each says what went wrong for the log; only the wire codes and
//! descriptions of `AuthError` and `Forbidden` are meant for clients.

use std::path::PathBuf;

/// Why a [`Validator`](crate::Validator) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitError {
    /// A builder setting is missing or out of range; `key` names the builder method.
    #[error("invalid guard setting `{key}`: {reason}")]
    InvalidConfig { key: &'static str, reason: String },
    /// The HTTP client could not be created.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
    /// OIDC discovery failed (unreachable, a redirect, not JSON, no `jwks_uri`, or an
    /// `introspection_endpoint` missing or not at the issuer's origin).
    #[error("OpenID discovery at {url} failed: {reason}")]
    Discovery { url: String, reason: String },
    /// OIDC Discovery §4.3: the document's `issuer` must be exactly the configured issuer.
    #[error("discovery document names issuer `{found}`, expected `{expected}`")]
    IssuerMismatch { expected: String, found: String },
    /// The first JWKS fetch failed (unreachable, a redirect, a non-2xx status, not a JWKS).
    #[error("fetching the JWKS at {url} failed: {reason}")]
    Jwks { url: String, reason: String },
    /// The start-up introspection probe (one request about a made-up token) failed:
    /// unreachable, the client credentials refused (HTTP 401), a redirect, another non-2xx
    /// status, not an RFC 7662 answer, or the made-up token called active. `reason` never
    /// quotes the client secret.
    #[error("token introspection at {url} failed: {reason}")]
    Introspection { url: String, reason: String },
}

/// Why a request's access token was refused.
///
/// Every variant but [`AuthError::KeysUnavailable`] and [`AuthError::IntrospectionUnavailable`]
/// is the client's fault and maps to `401` with `error="invalid_token"` (RFC 6750 §3.1); those
/// two are ours and map to `503`, so a valid token is retried, not discarded, while the
/// identity provider cannot be asked about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No bearer token in the request (RFC 6750 §3.1: answered without an error code).
    #[error("no bearer token")]
    MissingToken,
    /// Not a compact JWS, or its header or payload is not JSON.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is `none`, HMAC, unknown, or not in the configured allow-list.
    #[error("algorithm `{0}` is not allowed")]
    DisallowedAlgorithm(String),
    /// The header has no `kid`.
    #[error("token header has no kid")]
    MissingKeyId,
    /// No published key has this `kid`, even after a refresh (or within the refresh cooldown).
    #[error("no published key with kid `{0}`")]
    UnknownKey(String),
    /// The key named by `kid` is not a key for the header's `alg` (`kty`, `crv` or `alg` differ).
    #[error("key `{kid}` cannot verify {alg}")]
    KeyAlgorithmMismatch { kid: String, alg: String },
    /// The signature does not verify with the named key.
    #[error("bad signature")]
    InvalidSignature,
    /// RFC 9068 §2.1: the header's `typ` is not `at+jwt`.
    #[error("token type is not at+jwt")]
    WrongType,
    /// A required claim is missing or has the wrong type.
    #[error("invalid claims: {0}")]
    InvalidClaims(String),
    /// `iss` is not the configured issuer.
    #[error("wrong issuer")]
    WrongIssuer,
    /// None of the token's `aud` values is an accepted audience.
    #[error("wrong audience")]
    WrongAudience,
    /// `exp` has passed (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("token issued in the future")]
    IssuedInFuture,
    /// The token names a key we do not have and the identity provider cannot be reached.
    #[error("signing keys unavailable")]
    KeysUnavailable,
    /// A decryption key is configured and the token is a plain JWS, not a JWE (see
    /// [`ConfigBuilder::allow_unencrypted`](crate::ConfigBuilder::allow_unencrypted)).
    #[error("the token is not encrypted")]
    EncryptionRequired,
    /// A JWE the guard will not or cannot decrypt: no decryption key is configured, its header
    /// asks for an algorithm, content encryption, compression or content type we refuse, it
    /// names an unknown key, or it was encrypted to another key. The reason never quotes
    /// the plaintext.
    #[error("undecryptable token: {0}")]
    Undecryptable(&'static str),
    /// RFC 7662 §2.2: the identity provider answered `"active": false` (revoked, or not
    /// known to it), or `"active": true` without naming this token's `jti` (about another
    /// token, or about none).
    #[error("the token is no longer active")]
    Revoked,
    /// The introspection endpoint could not be asked or gave no usable answer: unreachable,
    /// timed out, a non-2xx status (a `401` means the guard's own client credentials are
    /// wrong; a redirect is not followed), or not RFC 7662 JSON. Fails closed, as a `503`: the token is not at fault.
    #[error("token introspection unavailable")]
    IntrospectionUnavailable,
}

impl AuthError {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        match self {
            Self::KeysUnavailable | Self::IntrospectionUnavailable => 503,
            _ => 401,
        }
    }

    /// The RFC 6750 §3.1 `error` code for `WWW-Authenticate`, if any.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::MissingToken | Self::KeysUnavailable | Self::IntrospectionUnavailable => None,
            _ => Some("invalid_token"),
        }
    }

    /// A description safe to send to a client: it names the failed check, never internals.
    pub fn description(&self) -> &'static str {
        match self {
            Self::MissingToken => "no bearer token",
            Self::Malformed(_) | Self::InvalidClaims(_) => "the access token is malformed",
            Self::DisallowedAlgorithm(_) | Self::MissingKeyId | Self::UnknownKey(_) => {
                "the access token is not signed by a known key"
            }
            Self::KeyAlgorithmMismatch { .. } | Self::InvalidSignature => {
                "the access token signature is invalid"
            }
            Self::WrongType => "not an access token",
            Self::WrongIssuer => "the access token is from another issuer",
            Self::WrongAudience => "the access token is for another audience",
            Self::Expired => "the access token expired",
            Self::NotYetValid | Self::IssuedInFuture => "the access token is not valid yet",
            Self::KeysUnavailable | Self::IntrospectionUnavailable => {
                "the token issuer is unavailable, retry later"
            }
            Self::EncryptionRequired => "the access token must be encrypted",
            Self::Undecryptable(_) => "the access token cannot be decrypted",
            Self::Revoked => "the access token is no longer active",
        }
    }
}

/// Why a [`Policy`](crate::Policy) could not be built or loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The policy file could not be read.
    #[error("cannot read the policy file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or not the policy format (unknown or missing keys); names line and column.
    #[error("invalid policy TOML: {0}")]
    Toml(#[from] toml::de::Error),
    /// One route is wrong; `route` is its method and path as written.
    #[error("invalid policy route `{route}`: {reason}")]
    Route { route: String, reason: String },
}

/// Why a request with a valid token (or to an unlisted route) is refused by the
/// [`Policy`](crate::Policy): `403`, with `error="insufficient_scope"` (RFC 6750 §3.1) when
/// the token lacks a right the route requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Forbidden {
    /// No route of the policy matches the request's method and path (default deny).
    #[error("no policy route matches the request")]
    NoRoute,
    /// The token does not hold `right`.
    #[error("the token lacks the right `{right}`")]
    MissingRight { right: String },
    /// `right` is constrained on `parameter`, and the request's value is not allowed.
    #[error("`{right}` does not allow the request's `{parameter}`")]
    ParameterNotAllowed { right: String, parameter: String },
    /// `right` is constrained on `parameter`, and the request does not give it.
    #[error("the request has no `{parameter}`, to which `{right}` is constrained")]
    MissingParameter { right: String, parameter: String },
}

impl Forbidden {
    /// The HTTP status to answer with.
    pub fn status(&self) -> u16 {
        403
    }

    /// The RFC 6750 §3.1 `error` code for `WWW-Authenticate`, if any: a route no token can
    /// reach is not a matter of scope.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Self::NoRoute => None,
            _ => Some("insufficient_scope"),
        }
    }

    /// A description safe to send to a client.
    pub fn description(&self) -> &'static str {
        match self {
            Self::NoRoute => "this route is not open",
            Self::MissingRight { .. } => "the access token lacks a required right",
            Self::ParameterNotAllowed { .. } | Self::MissingParameter { .. } => {
                "the access token's rights do not cover this request"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_idp_outages_are_503_and_every_token_fault_is_invalid_token() {
        for outage in [
            AuthError::KeysUnavailable,
            AuthError::IntrospectionUnavailable,
        ] {
            assert_eq!(outage.status(), 503);
            assert_eq!(outage.error_code(), None);
            assert_eq!(
                outage.description(),
                "the token issuer is unavailable, retry later"
            );
        }
        assert_eq!(AuthError::MissingToken.status(), 401);
        assert_eq!(AuthError::MissingToken.error_code(), None);
        for e in [
            AuthError::Expired,
            AuthError::InvalidSignature,
            AuthError::DisallowedAlgorithm("none".into()),
            AuthError::EncryptionRequired,
            AuthError::Undecryptable("encrypted to another key"),
            AuthError::Revoked,
        ] {
            assert_eq!(e.status(), 401);
            assert_eq!(e.error_code(), Some("invalid_token"));
        }
    }

    #[test]
    fn encryption_and_revocation_refusals_have_their_own_safe_descriptions() {
        assert_eq!(
            AuthError::EncryptionRequired.description(),
            "the access token must be encrypted"
        );
        // The reason is for the log; the client only learns that decryption failed.
        assert_eq!(
            AuthError::Undecryptable("unknown kid").description(),
            "the access token cannot be decrypted"
        );
        assert_eq!(
            AuthError::Revoked.description(),
            "the access token is no longer active"
        );
    }

    #[test]
    fn policy_refusals_are_403_and_only_rights_are_a_matter_of_scope() {
        assert_eq!(Forbidden::NoRoute.status(), 403);
        assert_eq!(Forbidden::NoRoute.error_code(), None);
        let missing = Forbidden::MissingRight {
            right: "reports:read".into(),
        };
        assert_eq!(missing.status(), 403);
        assert_eq!(missing.error_code(), Some("insufficient_scope"));
    }
}
