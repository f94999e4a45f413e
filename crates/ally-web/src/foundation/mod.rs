//! The foundation module: what every other module stands on. Signing in (password, second
//! factor, enrolment, signing out), the dashboard, person records, the organisation and its
//! directory, its users and their roles, the audit log, and the user's own account with its API
//! tokens; as pages and as the JSON API.
//!
//! - `pages`: one file per area (`sign_in`, `dashboard`, `persons`, `organisation`, `users`,
//!   `audit`, `account`); `forms`: form bodies and messages several of them share.
//! - `api`: the JSON handlers and their OpenAPI annotations.
//!
//! [`routes`] declares every route of the module once: router entry, route-table row and, for
//! the API, OpenAPI path.

mod api;
mod forms;
mod pages;

use ally_core::authz::Action as A;
use utoipa_axum::routes;

use crate::route::{Routes, public, session, session_only, sign_in_step, token};

/// The foundation's routes.
pub fn routes() -> Routes {
    use pages::{account, audit, dashboard, organisation, persons, sign_in, users};
    Routes::new()
        .get("/", public(), sign_in::home)
        .post("/language", public(), sign_in::set_public_language)
        .get("/sign-in", public(), sign_in::sign_in_page)
        .post("/sign-in", public(), sign_in::sign_in)
        .get("/sign-in/code", sign_in_step(), sign_in::code_page)
        .post("/sign-in/code", sign_in_step(), sign_in::code_submit)
        .get("/second-factor", sign_in_step(), sign_in::enrol_page)
        .post("/second-factor", sign_in_step(), sign_in::enrol_submit)
        .post("/sign-out", sign_in_step(), sign_in::sign_out)
        .post(
            "/sign-out-everywhere",
            session(A::OwnAccount),
            sign_in::sign_out_everywhere,
        )
        .get("/dashboard", session_only(), dashboard::dashboard)
        .get("/persons", session(A::PersonList), persons::persons)
        .get(
            "/persons/new",
            session(A::PersonCreate),
            persons::person_new,
        )
        .post("/persons", session(A::PersonCreate), persons::person_create)
        .get(
            "/persons/{id}",
            session(A::PersonRead),
            persons::person_view,
        )
        .get(
            "/persons/{id}/edit",
            session(A::PersonUpdate),
            persons::person_edit,
        )
        .post(
            "/persons/{id}",
            session(A::PersonUpdate),
            persons::person_update,
        )
        .get(
            "/organisation",
            session(A::OrgRead),
            organisation::organisation,
        )
        .post(
            "/organisation/second-factor",
            session(A::OrgManage),
            organisation::organisation_second_factor,
        )
        .get("/users", session(A::UserList), users::users)
        .post("/users", session(A::UserManage), users::user_create)
        .post(
            "/users/{id}/disable",
            session(A::UserManage),
            users::user_disable,
        )
        .post(
            "/users/{id}/enable",
            session(A::UserManage),
            users::user_enable,
        )
        .post(
            "/users/{id}/roles",
            session(A::UserManage),
            users::user_roles,
        )
        .get("/audit", session(A::AuditRead), audit::audit)
        .get("/account", session(A::OwnAccount), account::account)
        .post(
            "/account/language",
            session(A::OwnAccount),
            account::account_language,
        )
        .post(
            "/account/password",
            session(A::OwnAccount),
            account::account_password,
        )
        .post(
            "/account/tokens",
            session(A::OwnAccount),
            account::account_token_create,
        )
        .post(
            "/account/tokens/{id}/revoke",
            session(A::OwnAccount),
            account::account_token_revoke,
        )
        .api(token(A::OwnAccount), routes!(api::me))
        .api(token(A::PersonList), routes!(api::list_persons))
        .api(token(A::PersonCreate), routes!(api::create_person))
        .api(token(A::PersonRead), routes!(api::get_person))
        .api(token(A::PersonUpdate), routes!(api::update_person))
        .api(token(A::OrgRead), routes!(api::organisation))
        .api(token(A::OrgRead), routes!(api::directory))
        .api(token(A::UserList), routes!(api::list_users))
        .api(token(A::UserManage), routes!(api::create_user))
        .api(token(A::AuditRead), routes!(api::list_audit))
}
