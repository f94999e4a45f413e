//! Ally's web layer: server-rendered HTML pages, the JSON API with its OpenAPI document, and
//! the HTTP plumbing around them (sessions, CSRF, security headers, limits, errors).
//!
//! Architecture invariant: this crate authenticates (who is asking) and presents; it never
//! decides what someone may do. Every read and write goes through `ally_store::Access`, which
//! consults the permission table. It never touches SQL.

//!
//! Layers, each importing only from those below it:
//! - assembly: `app` (every module's routes, the OpenAPI document, middleware);
//! - modules: `foundation`, `identification`, `protection`, `information`, `labour`;
//! - plumbing: `route` (the route builder), `layout` (page frame, rendering, error pages),
//!   `json` (API bodies), `ctx` (request context, authentication), `error`, `multipart`,
//!   `assets`, `i18n`, and this file's [`AppState`].

pub mod app;
mod assets;
pub mod ctx;
pub mod error;
pub mod foundation;
pub mod i18n;
pub mod identification;
pub mod information;
pub mod json;
pub mod labour;
mod layout;
mod multipart;
pub mod protection;
pub mod route;

use std::sync::Arc;

use ally_store::Store;

pub use app::router;
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
