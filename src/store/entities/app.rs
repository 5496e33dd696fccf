//! `apps` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "apps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub is_public: bool,
    pub redirect_uris: Json,
    pub post_logout_redirect_uris: Json,
    pub grant_types: Json,
    pub scopes: Json,
    pub token_endpoint_auth_method: String,
    pub jwks: Option<Json>,
    pub jwks_uri: Option<String>,
    pub require_pkce: bool,
    pub id_token_signed_response_alg: String,
    pub allowed_origins: Json,
    pub allowed_ips: Json,
    pub is_server_only: bool,
    pub redirect_uri_prefixes: Json,
    pub post_logout_redirect_uri_prefixes: Json,
    pub access_token_ttl_secs: Option<i64>,
    pub id_token_ttl_secs: Option<i64>,
    pub refresh_token_ttl_secs: Option<i64>,
    pub is_first_party: bool,
    pub logo_uri: Option<String>,
    pub owner_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::app_secret::Entity")]
    Secrets,
}

impl Related<super::app_secret::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Secrets.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
