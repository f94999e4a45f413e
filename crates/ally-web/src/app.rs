//! The assembly, above every module: it puts together each module's routes (router entries,
//! route-table rows, OpenAPI parts), the application's own few routes (health, static assets,
//! the OpenAPI document), and the middleware around them all: the route guard, error pages,
//! security headers and the body limit.
//!
//! Nothing below imports from here: modules and plumbing know nothing of one another's routes.

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa_axum::routes;

use crate::route::{Route, Routes, public};
use crate::{AppState, MAX_BODY_BYTES, assets, error, foundation, layout};
use crate::{identification, information, labour, protection};

/// Every module's routes, and the application's own.
fn assemble() -> Routes {
    Routes::new()
        .get("/healthz", public(), healthz)
        .get("/readyz", public(), readyz)
        .get("/static/{file}", public(), assets::asset)
        .api(public(), routes!(openapi_json))
        .merge(foundation::routes())
        // Modules not yet declared with the route builder: their rows, router and OpenAPI part.
        .merge(Routes::legacy(
            identification::ROUTES,
            identification::router(),
            identification::ApiDoc::openapi(),
        ))
        .merge(Routes::legacy(
            protection::ROUTES,
            protection::router(),
            protection::ApiDoc::openapi(),
        ))
        .merge(information::routes())
        .merge(Routes::legacy(
            labour::ROUTES,
            labour::router(),
            labour::ApiDoc::openapi(),
        ))
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let (routes, _, _) = assemble().into_parts();
    routes
        .fallback(not_found)
        .layer(middleware::from_fn(route_guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            layout::render_error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The route table: every route of the application, how its caller is authenticated, and the
/// action it performs (a row of the permission table in `ally_core::authz`).
///
/// The table is enforced: a request whose route has no row here is refused (see
/// [`route_guard`]), and the authorisation-matrix tests walk every row for every role, so a new
/// route cannot ship without stating who may use it.
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| assemble().into_parts().1);

/// [`ROUTES`] by method and path, for the look-up every request makes.
static BY_METHOD_AND_PATH: LazyLock<HashMap<(&'static str, &'static str), &'static Route>> =
    LazyLock::new(|| ROUTES.iter().map(|r| ((r.method, r.path), r)).collect());

/// The row for a request (HEAD is served as GET).
pub fn find(method: &Method, path: &str) -> Option<&'static Route> {
    let m = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    BY_METHOD_AND_PATH.get(&(m, path)).copied()
}

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document's frame: title, description and the bearer scheme; the paths come from the
/// modules.
#[derive(OpenApi)]
#[openapi(
    info(title = "Ally API", description = "JSON API of Ally. Authenticate with `Authorization: Bearer <token>` (create tokens on the account page or with `ally token create`). Errors are `{\"code\", \"message\"}`."),
    modifiers(&SecurityAddon)
)]
struct ApiDoc;

/// The whole OpenAPI document: the foundation's paths and each module's.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(assemble().into_parts().2);
    doc
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3 document")))]
pub(crate) async fn openapi_json() -> Response {
    // Built once: the document only changes with the code.
    static DOC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let body = DOC.get_or_init(|| serde_json::to_vec(&document()).unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response()
}

async fn not_found() -> error::PageError {
    error::PageError::new(error::Failure::NotFound)
}

/// Refuses any request whose route has no row in [`ROUTES`], so that a route cannot be
/// added without declaring who may use it (and without the authorisation matrix test covering
/// it); and refuses cross-site state changes (CSRF defence in depth, before the token check).
async fn route_guard(req: Request, next: Next) -> Response {
    if let Some(path) = req.extensions().get::<MatchedPath>()
        && find(req.method(), path.as_str()).is_none()
    {
        if ROUTES.iter().any(|r| r.path == path.as_str()) {
            return error::PageError::new(error::Failure::MethodNotAllowed).into_response();
        }
        tracing::error!(method = %req.method(), route = path.as_str(), "route missing from the route table");
        return error::PageError::new(error::Failure::NotFound).into_response();
    }
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let h = req.headers();
        let fetch_site = h.get("sec-fetch-site").map(|v| v.as_bytes());
        let cross_site = fetch_site.is_some_and(|v| v == b"cross-site" || v == b"same-site");
        let foreign_origin = match (h.get(header::ORIGIN), h.get(header::HOST)) {
            (Some(origin), Some(host)) => {
                let origin = origin.to_str().unwrap_or("");
                let origin_host = origin.split("://").nth(1).unwrap_or(origin);
                // "null" comes from privacy settings and sandboxed frames; trust it only when
                // the browser itself vouches that the request is same-origin.
                if origin == "null" {
                    fetch_site != Some(b"same-origin")
                } else {
                    origin_host != host.to_str().unwrap_or("")
                }
            }
            _ => false,
        };
        if cross_site || foreign_origin {
            return error::PageError::new(error::Failure::CrossSite).into_response();
        }
    }
    next.run(req).await
}

/// Headers every answer carries (see [`security_headers`]), built once.
static SECURITY_HEADERS: [(HeaderName, HeaderValue); 7] = [
    // No third-party origin anywhere: scripts, styles, fonts and images come from this server.
    (
        HeaderName::from_static("content-security-policy"),
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    ),
    (
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    ),
    // same-origin: other sites never get a referrer (the quick exit leaks nothing), while the
    // browser still sends a real Origin on our own forms (no-referrer makes it "null").
    (
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    ),
    (
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    ),
];

async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.reserve(SECURITY_HEADERS.len() + 2);
    for (name, value) in &SECURITY_HEADERS {
        h.insert(name.clone(), value.clone());
    }
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// Liveness.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and migrations are applied.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::Auth;

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
