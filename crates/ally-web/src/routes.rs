//! The route table: every route of the application, how its caller is authenticated, and the
//! action it performs (a row of the permission table in `ally_core::authz`).
//!
//! The table is enforced: a request whose route has no row here is refused (see
//! `route_guard`), and the authorisation-matrix test walks every row for every role, so a new
//! route cannot ship without stating who may use it.

use ally_core::authz::Action;
use axum::http::Method;

/// How the caller of a route is authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Anyone, signed in or not.
    Public,
    /// A browser session at any stage (the sign-in steps themselves).
    SignInStep,
    /// A browser session that has passed every sign-in step.
    Session,
    /// A bearer API token.
    Token,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub auth: Auth,
    /// The action checked by the access layer; `None` for routes that read nothing protected.
    pub action: Option<Action>,
}

const fn r(method: &'static str, path: &'static str, auth: Auth, action: Option<Action>) -> Route {
    Route {
        method,
        path,
        auth,
        action,
    }
}

use Action as A;
use Auth::{Public, Session, SignInStep, Token};

/// The foundation's routes (sign-in, persons, organisation, users, audit, account, API).
pub const FOUNDATION: &[Route] = &[
    r("GET", "/", Public, None),
    r("GET", "/healthz", Public, None),
    r("GET", "/readyz", Public, None),
    r("GET", "/static/{file}", Public, None),
    r("POST", "/language", Public, None),
    r("GET", "/sign-in", Public, None),
    r("POST", "/sign-in", Public, None),
    r("GET", "/sign-in/code", SignInStep, None),
    r("POST", "/sign-in/code", SignInStep, None),
    r("GET", "/second-factor", SignInStep, None),
    r("POST", "/second-factor", SignInStep, None),
    r("POST", "/sign-out", SignInStep, None),
    r("GET", "/dashboard", Session, None),
    r("GET", "/persons", Session, Some(A::PersonList)),
    r("GET", "/persons/new", Session, Some(A::PersonCreate)),
    r("POST", "/persons", Session, Some(A::PersonCreate)),
    r("GET", "/persons/{id}", Session, Some(A::PersonRead)),
    r("GET", "/persons/{id}/edit", Session, Some(A::PersonUpdate)),
    r("POST", "/persons/{id}", Session, Some(A::PersonUpdate)),
    r("GET", "/organisation", Session, Some(A::OrgRead)),
    r(
        "POST",
        "/organisation/second-factor",
        Session,
        Some(A::OrgManage),
    ),
    r("GET", "/users", Session, Some(A::UserList)),
    r("POST", "/users", Session, Some(A::UserManage)),
    r("POST", "/users/{id}/disable", Session, Some(A::UserManage)),
    r("POST", "/users/{id}/enable", Session, Some(A::UserManage)),
    r("POST", "/users/{id}/roles", Session, Some(A::UserManage)),
    r("GET", "/audit", Session, Some(A::AuditRead)),
    r("GET", "/account", Session, Some(A::OwnAccount)),
    r("POST", "/account/language", Session, Some(A::OwnAccount)),
    r("POST", "/account/password", Session, Some(A::OwnAccount)),
    r("POST", "/account/tokens", Session, Some(A::OwnAccount)),
    r(
        "POST",
        "/account/tokens/{id}/revoke",
        Session,
        Some(A::OwnAccount),
    ),
    r("POST", "/sign-out-everywhere", Session, Some(A::OwnAccount)),
    r("GET", "/api/v1/openapi.json", Public, None),
    r("GET", "/api/v1/me", Token, Some(A::OwnAccount)),
    r("GET", "/api/v1/persons", Token, Some(A::PersonList)),
    r("POST", "/api/v1/persons", Token, Some(A::PersonCreate)),
    r("GET", "/api/v1/persons/{id}", Token, Some(A::PersonRead)),
    r("PUT", "/api/v1/persons/{id}", Token, Some(A::PersonUpdate)),
    r("GET", "/api/v1/organisation", Token, Some(A::OrgRead)),
    r("GET", "/api/v1/directory", Token, Some(A::OrgRead)),
    r("GET", "/api/v1/users", Token, Some(A::UserList)),
    r("POST", "/api/v1/users", Token, Some(A::UserManage)),
    r("GET", "/api/v1/audit", Token, Some(A::AuditRead)),
];

/// Every route: the foundation's and each module's (identification, protection, information,
/// labour), each module declaring its own rows next to its handlers.
pub static ROUTES: std::sync::LazyLock<Vec<Route>> = std::sync::LazyLock::new(|| {
    [
        FOUNDATION,
        crate::identification::ROUTES,
        crate::protection::ROUTES,
        crate::information::ROUTES,
        crate::labour::ROUTES,
    ]
    .concat()
});

/// [`ROUTES`] by method and path, for the look-up every request makes.
static BY_METHOD_AND_PATH: std::sync::LazyLock<
    std::collections::HashMap<(&'static str, &'static str), &'static Route>,
> = std::sync::LazyLock::new(|| ROUTES.iter().map(|r| ((r.method, r.path), r)).collect());

/// The row for a request (HEAD is served as GET).
pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
    let m = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    BY_METHOD_AND_PATH.get(&(m, path)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_unique_and_api_rows_use_tokens() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "duplicate {} {}",
                    a.method,
                    a.path
                );
            }
            if a.path.starts_with("/api/") && a.path != "/api/v1/openapi.json" {
                assert_eq!(a.auth, Auth::Token, "{}", a.path);
            }
            // Every state-changing route that touches protected data names its action.
            if a.method != "GET" && a.auth == Auth::Session {
                assert!(a.action.is_some(), "{} {}", a.method, a.path);
            }
        }
        assert!(find(&Method::HEAD, "/healthz").is_some());
        assert!(find(&Method::DELETE, "/persons").is_none());
    }
}
