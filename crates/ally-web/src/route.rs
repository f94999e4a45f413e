//! Declaring routes once: the [`Routes`] builder turns one declaration into the axum router
//! entry, the route-table row (how the caller is authenticated, which action it performs) and,
//! for the JSON API, the OpenAPI path taken from the handler's `#[utoipa::path]` annotation.
//!
//! The guards make a route without authentication or action impossible to write: a page takes
//! [`public`], [`sign_in_step`], [`session_only`] or [`session`]`(action)`, an API route takes
//! [`token`]`(action)` (or [`public`], for the OpenAPI document itself), and nothing else
//! converts into them:
//!
//! ```
//! let _guard = ally_web::route::token(ally_core::authz::Action::CaseRead);
//! ```
//!
//! ```compile_fail
//! // An API route's guard needs an action.
//! let _guard = ally_web::route::token();
//! ```
//!
//! ```compile_fail
//! // A guard cannot be written by hand (its fields are private).
//! let _guard = ally_web::route::PageGuard {
//!     auth: ally_web::route::Auth::Session,
//!     action: None,
//! };
//! ```

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use ally_core::authz::Action;
use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;
use utoipa_axum::router::UtoipaMethodRouter;

use crate::AppState;

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

/// A row of the route table: every route of the application has one (see `route_guard` in
/// the assembly), and the authorisation-matrix tests walk them for every role.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub auth: Auth,
    /// The action checked by the access layer; `None` for routes that read nothing protected.
    pub action: Option<Action>,
}

/// Anyone may call the route, signed in or not.
#[derive(Debug, Clone, Copy)]
pub struct Public;

/// Who may call a page route. Made only by [`public`], [`sign_in_step`], [`session_only`] and
/// [`session`].
#[derive(Debug, Clone, Copy)]
pub struct PageGuard {
    auth: Auth,
    action: Option<Action>,
}

/// Who may call an API route. Made only by [`token`] (which needs an action) or [`public`].
#[derive(Debug, Clone, Copy)]
pub struct ApiGuard {
    auth: Auth,
    action: Option<Action>,
}

impl From<Public> for PageGuard {
    fn from(_: Public) -> PageGuard {
        PageGuard {
            auth: Auth::Public,
            action: None,
        }
    }
}

impl From<Public> for ApiGuard {
    fn from(_: Public) -> ApiGuard {
        ApiGuard {
            auth: Auth::Public,
            action: None,
        }
    }
}

/// Anyone, signed in or not.
pub const fn public() -> Public {
    Public
}

/// A browser session at any stage: the sign-in steps themselves.
pub const fn sign_in_step() -> PageGuard {
    PageGuard {
        auth: Auth::SignInStep,
        action: None,
    }
}

/// A signed-in user, on a page that reads nothing protected (it names no action).
pub const fn session_only() -> PageGuard {
    PageGuard {
        auth: Auth::Session,
        action: None,
    }
}

/// A signed-in user performing `action` (checked again by the access layer).
pub const fn session(action: Action) -> PageGuard {
    PageGuard {
        auth: Auth::Session,
        action: Some(action),
    }
}

/// A bearer API token performing `action` (checked again by the access layer).
pub const fn token(action: Action) -> ApiGuard {
    ApiGuard {
        auth: Auth::Token,
        action: Some(action),
    }
}

/// Routes being declared: the router, the route-table rows and the OpenAPI part, grown together
/// so that none can be added without the others.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Route>,
    openapi: OpenApi,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
            openapi: OpenApi::default(),
        }
    }

    /// A page answering GET (and HEAD).
    pub fn get<H, T>(self, path: &'static str, guard: impl Into<PageGuard>, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(MethodFilter::GET, "GET", path, guard.into(), handler)
    }

    /// A page answering POST.
    pub fn post<H, T>(self, path: &'static str, guard: impl Into<PageGuard>, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.page(MethodFilter::POST, "POST", path, guard.into(), handler)
    }

    fn page<H, T>(
        mut self,
        filter: MethodFilter,
        method: &'static str,
        path: &'static str,
        guard: PageGuard,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.table.push(Route {
            method,
            path,
            auth: guard.auth,
            action: guard.action,
        });
        // axum merges method routers declared for the same path one call at a time.
        self.router = self.router.route(path, on(filter, handler));
        self
    }

    /// API handlers of one path, from `utoipa_axum::routes!(handler, ...)`: their path and
    /// methods come from their `#[utoipa::path]` annotations, written nowhere else.
    ///
    /// # Panics
    /// When the handlers are of several paths (their method routers would be mixed up): a
    /// mistake in the declaration, found by the first test that builds the router.
    pub fn api(
        mut self,
        guard: impl Into<ApiGuard>,
        routes: UtoipaMethodRouter<AppState>,
    ) -> Routes {
        let guard = guard.into();
        let (schemas, paths, method_router) = routes;
        assert!(
            paths.paths.len() == 1,
            "one path per Routes::api declaration, got {:?}",
            paths.paths.keys().collect::<Vec<_>>()
        );
        for (path, item) in &paths.paths {
            let path = intern(path);
            for method in methods(item) {
                self.table.push(Route {
                    method,
                    path,
                    auth: guard.auth,
                    action: guard.action,
                });
            }
            self.router = self.router.route(path, method_router.clone());
        }
        self.openapi.paths.merge(paths);
        self.openapi
            .components
            .get_or_insert_with(Default::default)
            .schemas
            .extend(schemas);
        self
    }

    /// Routes declared elsewhere (another module's, or the assembly's).
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self.openapi.merge(other.openapi);
        self
    }

    /// The route-table rows declared so far.
    pub fn table(&self) -> &[Route] {
        &self.table
    }

    /// The router, the route-table rows and the OpenAPI part.
    pub fn into_parts(self) -> (Router<AppState>, Vec<Route>, OpenApi) {
        (self.router, self.table, self.openapi)
    }
}

/// The methods a path item documents, as the route table spells them.
fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
        ("OPTIONS", item.options.is_some()),
        ("HEAD", item.head.is_some()),
        ("TRACE", item.trace.is_some()),
    ]
    .into_iter()
    .filter_map(|(m, present)| present.then_some(m))
    .collect()
}

/// The route table holds `&'static str` paths while utoipa gives API paths as `String`s: each
/// distinct path is leaked once and shared by every later build of the routes (the router is
/// built once per process, and once per test).
fn intern(path: &str) -> &'static str {
    static PATHS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let mut paths = PATHS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = paths.get(path) {
        return p;
    }
    let p: &'static str = Box::leak(path.to_owned().into_boxed_str());
    paths.insert(p);
    p
}
