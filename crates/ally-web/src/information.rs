//! Pages and API of the information module (issue 5): reports, entities and links, privacy-preserving matching, operation packages.
//!
//! The module declares its own rows of the route table ([`ROUTES`]), its router and its part of
//! the OpenAPI document; `lib.rs`, `routes.rs` and `api.rs` only put them together.

use axum::Router;

use crate::AppState;
use crate::routes::Route;

/// This module's rows of the route table.
pub const ROUTES: &[Route] = &[];

pub(crate) fn router() -> Router<AppState> {
    Router::new()
}

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi()]
pub(crate) struct ApiDoc;
