//! What happens to a valid authorization request: sign-in, consent, or a code for the app.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::authorize::{AuthorizationRequest, AuthorizationResponse};
use super::OAuthError;
use crate::config::TokenSettings;
use crate::crypto::{random, sha256_hex};
use crate::store::authorization::{self, CodeRow};
use crate::store::sessions::SessionRow;
use crate::store::Db;

/// How long a pending request waits for the user to sign in and consent.
const PENDING_TTL_MINUTES: i64 = 15;

/// The next step of the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Show the login page for this pending request.
    Login { request_id: String },
    /// Show the consent page for this pending request.
    Consent { request_id: String },
    /// Send the app its response.
    Respond(AuthorizationResponse),
    /// The pending request was already finished (a second tab, a double submit).
    Expired,
}

/// What the flow needs from the server.
pub struct Flow<'a> {
    pub db: &'a Db,
    pub issuer: &'a str,
    pub settings: &'a TokenSettings,
    pub now: DateTime<Utc>,
}

/// A request stored while the user acts: its id and when it was made.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub created_at: DateTime<Utc>,
}

impl Flow<'_> {
    /// The session if it satisfies the request: `prompt=login` and `max_age` want a sign-in made
    /// after the request (OIDC Core §3.1.2.1; a sign-in since the request always qualifies, so
    /// `max_age=0` cannot loop), and an `id_token_hint` names the user it must be.
    pub fn usable_session<'s>(
        &self,
        request: &AuthorizationRequest,
        session: Option<&'s SessionRow>,
        pending: Option<&Pending>,
    ) -> Option<&'s SessionRow> {
        session.filter(|s| {
            let signed_in_since_request = pending.is_some_and(|p| s.auth_time >= p.created_at);
            let recent_enough = !request.prompt_login || signed_in_since_request;
            let within_max_age = signed_in_since_request
                || request.max_age.is_none_or(|max| {
                    let max = chrono::Duration::seconds(i64::try_from(max).unwrap_or(i64::MAX / 2));
                    s.auth_time
                        .checked_add_signed(max)
                        .is_none_or(|limit| limit >= self.now)
                });
            let is_hinted_user = request
                .hinted_subject
                .as_ref()
                .is_none_or(|sub| *sub == s.user_id);
            recent_enough && within_max_age && is_hinted_user
        })
    }

    /// Decides the next step for `request`, given the browser's session (if any).
    /// Whether the user already granted every requested scope to the app.
    async fn has_consented(
        &self,
        request: &AuthorizationRequest,
        session: &SessionRow,
    ) -> Result<bool, OAuthError> {
        let granted: BTreeSet<String> =
            authorization::find_consent(self.db, &session.user_id, &request.client_id)
                .await
                .map_err(OAuthError::internal)?
                .into_iter()
                .collect();
        Ok(request.scopes.iter().all(|s| granted.contains(s)))
    }

    pub async fn decide(
        &self,
        request: &AuthorizationRequest,
        session: Option<&SessionRow>,
        pending: Option<&Pending>,
    ) -> Result<Next, OAuthError> {
        let session = self.usable_session(request, session, pending);
        let Some(session) = session else {
            if request.prompt_none {
                return self
                    .finish(
                        request,
                        pending,
                        Err(("login_required", "the user is not signed in")),
                    )
                    .await;
            }
            return Ok(Next::Login {
                request_id: self.keep(request, pending).await?,
            });
        };
        let needs_consent = request.prompt_consent
            || (!request.skips_consent && !self.has_consented(request, session).await?);
        if needs_consent {
            if request.prompt_none {
                return self
                    .finish(
                        request,
                        pending,
                        Err(("consent_required", "the user has not consented")),
                    )
                    .await;
            }
            return Ok(Next::Consent {
                request_id: self.keep(request, pending).await?,
            });
        }
        self.finish(request, pending, Ok(session)).await
    }

    /// Records consent for the request's scopes, then answers with a code.
    pub async fn consent(
        &self,
        request: &AuthorizationRequest,
        session: &SessionRow,
        pending: &Pending,
    ) -> Result<Next, OAuthError> {
        // The consent form cannot stand in for a sign-in the request still needs.
        let Some(session) = self.usable_session(request, Some(session), Some(pending)) else {
            return Ok(Next::Login {
                request_id: pending.id.clone(),
            });
        };
        let mut scopes: BTreeSet<String> =
            authorization::find_consent(self.db, &session.user_id, &request.client_id)
                .await
                .map_err(OAuthError::internal)?
                .into_iter()
                .collect();
        scopes.extend(request.scopes.iter().cloned());
        let scopes: Vec<String> = scopes.into_iter().collect();
        authorization::upsert_consent(
            self.db,
            &session.user_id,
            &request.client_id,
            &scopes,
            self.now,
        )
        .await
        .map_err(OAuthError::internal)?;
        self.finish(request, Some(pending), Ok(session)).await
    }

    /// Ends the flow with an error for the app (the user denied, for instance).
    pub async fn refuse(
        &self,
        request: &AuthorizationRequest,
        pending: &Pending,
        error: &'static str,
        description: &'static str,
    ) -> Result<Next, OAuthError> {
        self.finish(request, Some(pending), Err((error, description)))
            .await
    }

    async fn keep(
        &self,
        request: &AuthorizationRequest,
        pending: Option<&Pending>,
    ) -> Result<String, OAuthError> {
        if let Some(pending) = pending {
            return Ok(pending.id.clone());
        }
        let id = random::token::<16>();
        let json = serde_json::to_value(request).map_err(OAuthError::internal)?;
        let expires_at = self.now + chrono::Duration::minutes(PENDING_TTL_MINUTES);
        authorization::insert_pending(self.db, &id, &request.client_id, json, self.now, expires_at)
            .await
            .map_err(OAuthError::internal)?;
        Ok(id)
    }

    async fn finish(
        &self,
        request: &AuthorizationRequest,
        pending: Option<&Pending>,
        outcome: Result<&SessionRow, (&str, &str)>,
    ) -> Result<Next, OAuthError> {
        // Deleting the pending request is what uses it: only one caller gets past this.
        if let Some(pending) = pending {
            let is_ours = authorization::delete_pending(self.db, &pending.id)
                .await
                .map_err(OAuthError::internal)?;
            if !is_ours {
                return Ok(Next::Expired);
            }
        }
        let response = match outcome {
            Ok(session) => {
                let code = self.issue_code(request, session).await?;
                AuthorizationResponse::code(self.issuer, request, &code)
            }
            Err((error, description)) => {
                AuthorizationResponse::error(self.issuer, request, error, description)
            }
        };
        Ok(Next::Respond(response))
    }

    /// A 256-bit code; only its SHA-256 is stored (DESIGN.md "Tokens").
    async fn issue_code(
        &self,
        request: &AuthorizationRequest,
        session: &SessionRow,
    ) -> Result<String, OAuthError> {
        let code = random::token::<32>();
        let ttl = chrono::Duration::from_std(self.settings.authorization_code_ttl)
            .unwrap_or(chrono::Duration::seconds(60));
        let row = CodeRow {
            code_hash: sha256_hex(code.as_bytes()),
            app_id: request.client_id.clone(),
            user_id: session.user_id.clone(),
            session_id: session.id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            nonce: request.nonce.clone(),
            code_challenge: request.code_challenge.clone(),
            auth_time: session.auth_time,
            amr: session.amr.clone(),
            created_at: self.now,
            expires_at: self.now + ttl,
            used_at: None,
            resource: request.resource.clone(),
        };
        authorization::insert_code(self.db, &row)
            .await
            .map_err(OAuthError::internal)?;
        Ok(code)
    }
}

/// A stored pending request and when it was made.
pub async fn find_pending(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(AuthorizationRequest, Pending)>, OAuthError> {
    let Some((json, created_at)) = authorization::find_pending(db, id, now)
        .await
        .map_err(OAuthError::internal)?
    else {
        return Ok(None);
    };
    let request = serde_json::from_value(json).map_err(OAuthError::internal)?;
    Ok(Some((
        request,
        Pending {
            id: id.to_owned(),
            created_at,
        },
    )))
}
