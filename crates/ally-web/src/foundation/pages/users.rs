//! The organisation's users: the list, creating a user, disabling and enabling one, and
//! changing roles.

use ally_core::UserId;
use ally_core::authz::{Action, Role};
use ally_store::{NewUser, StoreError};
use askama::Template;
use axum::extract::Path;
use axum::response::IntoResponse;

use crate::ctx::{Posted, Viewer};
use crate::error::{Failure, PageError};
use crate::foundation::forms::{Empty, field_messages};
use crate::i18n::Tr;
use crate::layout::{Layout, PageResult, html, layout, see_other};

fn role_label(tr: &Tr, r: Role) -> String {
    tr.t(&format!("role-{}", r.as_str()))
}

pub struct UserRow {
    id: UserId,
    name: String,
    email: String,
    roles: String,
    status: String,
    disabled: bool,
    role_codes: Vec<&'static str>,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
    may_manage: bool,
    roles: Vec<(&'static str, String)>,
    errors: Vec<String>,
    message: Option<String>,
}

async fn users_page(v: &Viewer, errors: Vec<String>, message: Option<String>) -> PageResult {
    let p = v.session.principal();
    let list = v.access().users().list_users().await?;
    let tr = &v.ctx.tr;
    let users = list
        .into_iter()
        .map(|u| UserRow {
            id: u.id,
            name: u.display_name,
            email: u.email,
            roles: u
                .roles
                .iter()
                .map(|r| role_label(tr, *r))
                .collect::<Vec<_>>()
                .join(", "),
            status: [
                tr.t(if u.disabled {
                    "users-disabled"
                } else {
                    "users-active"
                }),
                tr.t(if u.second_factor {
                    "users-2fa-on"
                } else {
                    "users-2fa-off"
                }),
            ]
            .join(" · "),
            disabled: u.disabled,
            role_codes: u.roles.iter().map(|r| r.as_str()).collect(),
        })
        .collect();
    html(&UsersPage {
        l: layout(&v.ctx, tr.t("users-title"), "/users"),
        users,
        may_manage: p.may(Action::UserManage),
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), role_label(tr, *r)))
            .collect(),
        errors,
        message,
    })
}

pub(crate) async fn users(v: Viewer) -> PageResult {
    users_page(&v, Vec::new(), None).await
}

pub(crate) async fn user_create(
    v: Viewer,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let get = |k: &str| {
        data.iter()
            .find(|(n, _)| n == k)
            .map(|(_, val)| val.clone())
            .unwrap_or_default()
    };
    let roles: Vec<Role> = data
        .iter()
        .filter(|(n, _)| n == "role")
        .filter_map(|(_, r)| Role::parse(r))
        .collect();
    let new = NewUser {
        email: get("email"),
        display_name: get("display_name"),
        password: get("password"),
        roles,
        locale: v.ctx.tr.locale().to_owned(),
    };
    match v.access().users().create_user(new).await {
        Ok(_) => users_page(&v, Vec::new(), Some(v.ctx.tr.t("users-created"))).await,
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            users_page(&v, msgs, None)
                .await
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(StoreError::Conflict(_)) => users_page(&v, vec![v.ctx.tr.t("users-email-taken")], None)
            .await
            .map(|r| (axum::http::StatusCode::CONFLICT, r).into_response()),
        Err(e) => Err(e.into()),
    }
}

fn parse_user_id(s: &str) -> Result<UserId, PageError> {
    s.parse().map_err(|_| PageError::new(Failure::NotFound))
}

async fn user_set_disabled(v: Viewer, id: String, csrf: String, disabled: bool) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_user_id(&id)?;
    let result = v.access().users().set_user_disabled(id, disabled).await;
    after_user_change(&v, result).await
}

pub(crate) async fn user_disable(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    user_set_disabled(v, id, csrf, true).await
}

pub(crate) async fn user_enable(
    v: Viewer,
    Path(id): Path<String>,
    Posted { csrf, .. }: Posted<Empty>,
) -> PageResult {
    user_set_disabled(v, id, csrf, false).await
}

pub(crate) async fn user_roles(
    v: Viewer,
    Path(id): Path<String>,
    Posted { data, csrf }: Posted<Vec<(String, String)>>,
) -> PageResult {
    v.check_csrf(&csrf)?;
    let id = parse_user_id(&id)?;
    let roles: Vec<Role> = data
        .iter()
        .filter(|(n, _)| n == "role")
        .filter_map(|(_, r)| Role::parse(r))
        .collect();
    let result = v.access().users().set_user_roles(id, roles).await;
    after_user_change(&v, result).await
}

/// Back to the users page, or the page again with the reasons a change was refused.
async fn after_user_change(v: &Viewer, result: Result<(), StoreError>) -> PageResult {
    match result {
        Ok(()) => Ok(see_other("/users")),
        Err(StoreError::Invalid(errors)) => {
            let msgs = field_messages(&v.ctx.tr, &errors);
            users_page(v, msgs, None)
                .await
                .map(|r| (axum::http::StatusCode::UNPROCESSABLE_ENTITY, r).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
