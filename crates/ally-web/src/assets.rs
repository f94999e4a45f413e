//! Static assets, compiled into the binary. Nothing is ever loaded from another origin.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::{Failure, PageError};

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    ),
    (
        "identification.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/identification.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
];

/// A static asset by name (the route is declared by the assembly).
pub(crate) async fn asset(Path(file): Path<String>) -> Result<Response, PageError> {
    let (_, mime, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == file)
        .ok_or(PageError::new(Failure::NotFound))?;
    let mut res = body.to_vec().into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    Ok(res)
}
