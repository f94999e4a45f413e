//! Ally's web layer: server-rendered HTML pages, the JSON API with its OpenAPI document, and
//! the HTTP plumbing around them (sessions, CSRF, security headers, limits, errors).
//!
//! Architecture invariant: this crate authenticates (who is asking) and presents; it never
//! decides what someone may do. Every read and write goes through `ally_store::Access`, which
//! consults the permission table. It never touches SQL.

pub mod api;
mod assets;
pub mod ctx;
pub mod error;
pub mod i18n;
pub mod identification;
pub mod information;
pub mod labour;
mod multipart;
mod pages;
pub mod protection;
pub mod routes;

use std::sync::Arc;

use ally_store::Store;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};

pub use i18n::I18n;

/// Request bodies larger than this are refused with 413 before any handler runs.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS (serving over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_proxy: bool,
    /// Show the demo banner.
    pub demo: bool,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub i18n: Arc<I18n>,
    pub config: Arc<WebConfig>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Result<AppState, i18n::I18nError> {
        Ok(AppState {
            store,
            i18n: I18n::load()?,
            config: Arc::new(config),
        })
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::router())
        .merge(identification::router())
        .merge(protection::router())
        .merge(information::router())
        .merge(labour::router())
        .merge(api::router())
        .merge(assets::router())
        .fallback(not_found)
        .layer(middleware::from_fn(route_guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::render_error_pages,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn not_found() -> error::PageError {
    error::PageError::new(error::Failure::NotFound)
}

/// Refuses any request whose route has no row in [`routes::ROUTES`], so that a route cannot be
/// added without declaring who may use it (and without the authorisation matrix test covering
/// it); and refuses cross-site state changes (CSRF defence in depth, before the token check).
async fn route_guard(req: Request, next: Next) -> Response {
    if let Some(path) = req.extensions().get::<MatchedPath>()
        && routes::find(req.method(), path.as_str()).is_none()
    {
        if routes::ROUTES.iter().any(|r| r.path == path.as_str()) {
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
