//! Errors as the user sees them: an HTML page in their language for pages, a JSON document
//! with a stable `code` and a `message` for the API. Internal details are logged (without
//! personal data) and never shown.

use ally_store::{SignInError, StoreError};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// What went wrong, in terms the user can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    BadRequest,
    Unauthorized,
    Forbidden,
    /// A form from another site, or with a missing or stale CSRF token.
    CrossSite,
    NotFound,
    Conflict,
    TooLarge,
    UnsupportedMediaType,
    MethodNotAllowed,
    TooManyAttempts(i64),
    Unavailable,
    Internal,
}

impl Failure {
    pub fn status(self) -> StatusCode {
        match self {
            Failure::BadRequest => StatusCode::BAD_REQUEST,
            Failure::Unauthorized => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::CrossSite => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::Conflict => StatusCode::CONFLICT,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Failure::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine-readable code (API) and translation key suffix (pages).
    pub fn code(self) -> &'static str {
        match self {
            Failure::BadRequest => "bad_request",
            Failure::Unauthorized => "unauthorized",
            Failure::Forbidden => "forbidden",
            Failure::CrossSite => "csrf",
            Failure::NotFound => "not_found",
            Failure::Conflict => "conflict",
            Failure::TooLarge => "too_large",
            Failure::UnsupportedMediaType => "unsupported_media_type",
            Failure::MethodNotAllowed => "method_not_allowed",
            Failure::TooManyAttempts(_) => "too_many_attempts",
            Failure::Unavailable => "unavailable",
            Failure::Internal => "internal",
        }
    }

    pub fn from_status(s: StatusCode) -> Failure {
        match s.as_u16() {
            401 => Failure::Unauthorized,
            403 => Failure::Forbidden,
            404 => Failure::NotFound,
            405 => Failure::MethodNotAllowed,
            409 => Failure::Conflict,
            413 => Failure::TooLarge,
            415 => Failure::UnsupportedMediaType,
            429 => Failure::TooManyAttempts(60),
            503 => Failure::Unavailable,
            500..=599 => Failure::Internal,
            _ => Failure::BadRequest,
        }
    }
}

impl From<&StoreError> for Failure {
    fn from(e: &StoreError) -> Failure {
        match e {
            StoreError::NotFound => Failure::NotFound,
            StoreError::Denied(ally_core::authz::Denied::OtherOrganisation) => Failure::NotFound,
            StoreError::Denied(ally_core::authz::Denied::RoleLacksPermission(_)) => {
                Failure::Forbidden
            }
            StoreError::Invalid(_) => Failure::BadRequest,
            StoreError::Conflict(_) => Failure::Conflict,
            other => {
                tracing::error!(error = %other, "internal error");
                Failure::Internal
            }
        }
    }
}

/// An error from a page handler. Rendered into a page by `layout::render_error_pages`, which knows
/// the request's language.
#[derive(Debug)]
pub enum PageError {
    Fail(Failure),
    /// Not an error for the user: go there (e.g. to sign in).
    Redirect(String),
}

impl PageError {
    pub fn new(f: Failure) -> PageError {
        PageError::Fail(f)
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::Fail(Failure::from(&e))
    }
}

impl From<SignInError> for PageError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::Invalid => PageError::Fail(Failure::Unauthorized),
            SignInError::Throttled { retry_after_s } => {
                PageError::Fail(Failure::TooManyAttempts(retry_after_s))
            }
            SignInError::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(&to).into_response(),
            PageError::Fail(f) => {
                let mut res = (f.status(), f.code()).into_response();
                res.extensions_mut().insert(f);
                res
            }
        }
    }
}

/// An error from the JSON API.
#[derive(Debug)]
pub struct ApiError {
    pub failure: Failure,
    pub message: String,
    /// Field errors for invalid input.
    pub fields: Vec<ally_core::person::FieldError>,
}

impl ApiError {
    pub fn new(failure: Failure, message: impl Into<String>) -> ApiError {
        ApiError {
            failure,
            message: message.into(),
            fields: Vec::new(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let failure = Failure::from(&e);
        let fields = match e {
            StoreError::Invalid(f) => f,
            _ => Vec::new(),
        };
        ApiError {
            failure,
            message: default_message(failure).to_owned(),
            fields,
        }
    }
}

pub fn default_message(f: Failure) -> &'static str {
    match f {
        Failure::BadRequest => "the request is malformed or invalid",
        Failure::Unauthorized => "a valid API token is required (Authorization: Bearer ...)",
        Failure::Forbidden => "your role does not allow this",
        Failure::CrossSite => "the request came from another site or carried a stale form token",
        Failure::NotFound => "no such resource",
        Failure::Conflict => "the resource was changed meanwhile or already exists",
        Failure::TooLarge => "the request body is too large",
        Failure::UnsupportedMediaType => "send JSON with Content-Type: application/json",
        Failure::MethodNotAllowed => "this method is not allowed here",
        Failure::TooManyAttempts(_) => "too many attempts; wait and try again",
        Failure::Unavailable => "the service is not ready",
        Failure::Internal => "an internal error occurred; it has been logged",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.failure.code(), "message": self.message });
        if !self.fields.is_empty() {
            body["fields"] = serde_json::to_value(&self.fields).unwrap_or_default();
        }
        let mut res = (self.failure.status(), axum::Json(body)).into_response();
        res.extensions_mut().insert(ApiRendered);
        res
    }
}

/// Marks a response as already rendered as a JSON error.
#[derive(Clone, Copy)]
pub(crate) struct ApiRendered;
