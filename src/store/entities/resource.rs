//! `resources` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "resources")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub identifier: String,
    pub name: String,
    pub created_at: DateTimeUtc,
    /// The public JWK its access tokens are encrypted to.
    pub token_encryption_key: Option<Json>,
    /// The app its resource server authenticates as, to introspect the resource's tokens.
    pub server_client_id: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
