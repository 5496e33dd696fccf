//! `authorization_codes` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "authorization_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code_hash: String,
    pub app_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scopes: Json,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub auth_time: DateTimeUtc,
    pub amr: Json,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub resource: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
