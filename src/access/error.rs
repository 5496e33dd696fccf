//! Why a change to organizations, sharing, resources, roles or grants was refused.

use crate::crypto::token_encryption::TokenKeyError;
use crate::store::StoreError;

/// An access-model error. Each says what was wrong and, where it helps, what to do instead.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("the organization name must be 1 to 200 characters without control characters")]
    InvalidOrgName,
    #[error("`{0}` is not a valid right name: 1 to 100 characters from a-z 0-9 _ . : -, starting with a letter or digit (e.g. reports:read)")]
    InvalidRightName(String),
    #[error("`{0}` is not a valid role name: 1 to 100 characters from a-z 0-9 _ . : -, starting with a letter or digit (e.g. analyst)")]
    InvalidRoleName(String),
    #[error("`{0}` is not a valid parameter name: 1 to 64 characters from a-z 0-9 _, starting with a letter (e.g. region)")]
    InvalidParameterName(String),
    #[error("the resource identifier {0}")]
    InvalidResourceIdentifier(&'static str),
    #[error("the resource name must be 1 to 200 characters without control characters")]
    InvalidResourceName,
    #[error("the description must be at most 1000 characters, without control characters other than line breaks and tabs")]
    InvalidDescription,
    #[error("a user id must be 1 to 64 visible ASCII characters")]
    InvalidUserId,
    #[error("unknown organization role `{0}`: use admin, user or guest")]
    UnknownOrgRole(String),
    #[error("unknown share access `{0}`: use read or modify")]
    UnknownShareAccess(String),
    #[error("the right `{right}` cannot be constrained by `{parameter}`; its parameters are: {declared}")]
    UnknownParameter {
        right: String,
        parameter: String,
        declared: String,
    },
    #[error("the constraint on `{0}` allows no value; leave the parameter out to leave it unconstrained")]
    EmptyConstraint(String),
    #[error("each value allowed for `{0}` must be 1 to 200 characters without control characters")]
    InvalidConstraintValue(String),
    #[error("an organization named `{0}` already exists")]
    DuplicateOrgName(String),
    #[error("a resource with the identifier `{0}` is already registered")]
    DuplicateResource(String),
    #[error("this resource already has a right named `{0}`")]
    DuplicateRight(String),
    #[error("this resource already has a role named `{0}`")]
    DuplicateRole(String),
    #[error("the right `{0}` is already in this role; remove it first to change its constraints")]
    RightAlreadyInRole(String),
    #[error("this role is already granted to this user or app in this scope")]
    DuplicateGrant,
    #[error("user `{0}` is already a member of this organization")]
    AlreadyMember(String),
    #[error("the right `{right}` belongs to another resource than the role `{role}`")]
    ForeignRight { right: String, role: String },
    #[error("the organization still owns {0} app(s): move them to another organization first, or delete it with force to detach them")]
    OrgOwnsApps(u64),
    #[error("an organization must keep at least one admin: make another member admin first")]
    LastAdmin,
    #[error("no such user `{0}`")]
    UnknownUser(String),
    #[error("the user `{0}` is disabled: enable them first")]
    DisabledUser(String),
    #[error("no organization `{0}`")]
    UnknownOrg(String),
    #[error("user `{user}` is not a member of organization `{org}`")]
    NotMember { org: String, user: String },
    #[error("no app `{0}`")]
    UnknownApp(String),
    #[error("no resource `{0}`")]
    UnknownResource(String),
    #[error("no right `{0}`")]
    UnknownRight(String),
    #[error("no role `{0}`")]
    UnknownRole(String),
    #[error("no grant `{0}`")]
    UnknownGrant(String),
    #[error("the right `{0}` is not in this role")]
    RightNotInRole(String),
    #[error("app `{app}` is not shared with user `{user}`")]
    NotShared { app: String, user: String },
    #[error("token_encryption_key: {0}")]
    InvalidTokenEncryptionKey(TokenKeyError),
    #[error("server_client_id: must be an app's client id, 1 to 64 visible ASCII characters")]
    InvalidServerClientId,
    #[error("server_client_id: no app `{0}`")]
    UnknownServerClient(String),
    #[error("server_client_id: `{0}` is a public app; the resource server must authenticate as a confidential one (client_secret_basic, client_secret_post or private_key_jwt)")]
    PublicServerClient(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AccessError {
    /// The setting a refused resource setting is about, for the errors that name one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidTokenEncryptionKey(_) => Some("token_encryption_key"),
            Self::InvalidServerClientId
            | Self::UnknownServerClient(_)
            | Self::PublicServerClient(_) => Some("server_client_id"),
            _ => None,
        }
    }
}
