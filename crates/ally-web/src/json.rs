//! JSON plumbing shared by every module's API: the request body extractor ([`JsonBody`]), the
//! error document as the OpenAPI document describes it ([`ErrorBody`]), and [`ApiResult`].

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::error::{ApiError, Failure};

/// What an API handler returns: its answer, or an error rendered as JSON.
pub type ApiResult<T> = Result<T, ApiError>;

/// A JSON request body: 415 without `Content-Type: application/json`, 413 when too large, 400
/// with the parser's explanation when malformed.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/json") {
            return Err(ApiError::new(
                Failure::UnsupportedMediaType,
                crate::error::default_message(Failure::UnsupportedMediaType),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                let f = Failure::from_status(e.status());
                ApiError::new(f, crate::error::default_message(f))
            })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::new(Failure::BadRequest, format!("malformed JSON: {e}")))
    }
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not_found`, `forbidden`, `bad_request`.
    code: String,
    /// Human-readable explanation.
    message: String,
}
