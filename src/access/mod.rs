//! The access model (DESIGN.md "Access model"): organizations and their members, apps shared
//! with users, resources with their catalog of rights, roles bundling rights, grants of roles to
//! users and apps, and the access claims a token for a resource carries. Default deny: nothing
//! new is granted to anybody.

mod app_access;
mod error;
mod grants;
mod known_users;
mod names;
mod organizations;
mod resources;
mod sharing;
mod token;

pub use app_access::{
    assign_app_to_org, find_app_access, list_org_apps, set_default_resource, AppAccess,
};
pub use error::AccessError;
pub use grants::{grant_role, list_role_grants, list_subject_grants, revoke_grant, Grant, Subject};
pub use known_users::{
    create_org_with_admin, grant_role_to, require_user, set_user_member, share_app_with_user,
};
pub use names::{OrgName, ParameterName, ResourceIdentifier, RightName, RoleName};
pub use organizations::{
    add_member, create_org, delete_org, find_member, find_org, list_members, list_orgs,
    list_user_orgs, remove_member, rename_org, set_member, update_member, Member, Membership,
    OrgRole, Organization,
};
pub use resources::{
    add_right, add_role_right, change_resource, create_role, delete_resource, delete_right,
    delete_role, find_resource, find_resource_by_identifier, find_role, is_registered_resource,
    is_resource_server, list_resources, list_rights, list_role_rights, list_roles,
    register_resource, register_resource_at, register_resource_with, remove_role_right,
    Constraints, Resource, ResourceChange, ResourceTokenSettings, Right, Role, RoleRight,
};
pub use sharing::{
    app_permission, list_shares, list_user_shares, share_app, unshare_app, Permission, Share,
    ShareAccess,
};
pub use token::{merge_rights, resource_access, token_access, TokenAccess};
