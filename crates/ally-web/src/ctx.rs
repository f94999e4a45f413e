//! Who is asking, in what language, from where: request context for pages, and the
//! authentication extractors (session for pages, bearer token for the API). These extractors
//! authenticate only; authorisation happens in `ally_store::Access`.

use std::net::SocketAddr;

use ally_store::{SessionInfo, SessionStage};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, Failure, PageError};
use crate::i18n::{LOCALES, Tr, negotiate};

const SESSION_COOKIE: &str = "ally_session";
/// With `Secure`, the `__Host-` prefix pins the cookie to this host and path `/`.
const SESSION_COOKIE_SECURE: &str = "__Host-ally_session";
pub const LANG_COOKIE: &str = "ally_lang";

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The language of a request that has no signed-in user: the language cookie, else the
/// browser's Accept-Language.
pub fn locale_from_headers(headers: &HeaderMap) -> &'static str {
    if let Some(l) = cookie_value(headers, LANG_COOKIE)
        && let Some((code, _, _)) = LOCALES.iter().find(|(c, _, _)| *c == l)
    {
        return code;
    }
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or("en", negotiate)
}

/// A `Set-Cookie` value for the session token.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let name = if secure {
        SESSION_COOKIE_SECURE
    } else {
        SESSION_COOKIE
    };
    let c = Cookie::build((name, token.to_owned()))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A local path to return to: only paths of this site ("/x", never "//host" or "http:").
pub fn local_path(back: &str) -> Option<&str> {
    (back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') && back.len() <= 512)
        .then_some(back)
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    let name = if secure {
        SESSION_COOKIE_SECURE
    } else {
        SESSION_COOKIE
    };
    let c = Cookie::build((name, ""))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn lang_cookie(locale: &str, secure: bool) -> HeaderValue {
    let c = Cookie::build((LANG_COOKIE, locale.to_owned()))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(cookie::time::Duration::days(365))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Request context for pages.
pub struct Ctx {
    pub state: AppState,
    pub tr: Tr,
    pub client: Option<String>,
    pub token: Option<String>,
    pub session: Option<SessionInfo>,
    /// The path and query of this request (to come back to after changing the language).
    pub path: String,
    /// Served over TLS: configured so, or a trusted proxy says `X-Forwarded-Proto: https`.
    /// Decides the cookies' `Secure` attribute.
    pub secure: bool,
}

fn client_addr(parts: &Parts, trust_proxy: bool) -> Option<String> {
    if trust_proxy
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        let first = first.trim();
        if first.parse::<std::net::IpAddr>().is_ok() {
            return Some(first.to_owned());
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = cookie_value(&parts.headers, SESSION_COOKIE_SECURE)
            .or_else(|| cookie_value(&parts.headers, SESSION_COOKIE));
        let session = match &token {
            // Tokens are 43 characters; anything much longer is not ours and is not looked up.
            Some(t) if t.len() <= 128 => state.store.session(t).await?,
            _ => None,
        };
        let locale = match &session {
            Some(s) => s.locale.clone(),
            None => locale_from_headers(&parts.headers).to_owned(),
        };
        let forwarded_https = state.config.trust_proxy
            && parts
                .headers
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        Ok(Ctx {
            path: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            secure: state.config.secure_cookies || forwarded_https,
            tr: state.i18n.tr(&locale),
            client: client_addr(parts, state.config.trust_proxy),
            token,
            session,
            state: state.clone(),
        })
    }
}

/// A user who has passed every sign-in step. Anyone else is sent where they must go next.
pub struct Viewer {
    pub ctx: Ctx,
    pub session: SessionInfo,
    pub token: String,
    principal: ally_core::authz::Principal,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        match (&ctx.session, &ctx.token) {
            (Some(s), Some(t)) if s.stage == SessionStage::Full => {
                let (session, token) = (s.clone(), t.clone());
                let principal = session.principal();
                Ok(Viewer {
                    ctx,
                    session,
                    token,
                    principal,
                })
            }
            (Some(s), _) if s.stage == SessionStage::SecondFactor => {
                Err(PageError::Redirect("/sign-in/code".into()))
            }
            (Some(_), _) => Err(PageError::Redirect("/second-factor".into())),
            _ => Err(PageError::Redirect("/sign-in".into())),
        }
    }
}

impl Viewer {
    /// The access layer for this user: every read and write a page makes goes through it.
    pub fn access(&self) -> ally_store::Access<'_> {
        self.ctx
            .state
            .store
            .access(&self.principal, self.ctx.client.as_deref())
    }

    /// Who this user is, for the authorisation layer.
    pub fn principal(&self) -> &ally_core::authz::Principal {
        &self.principal
    }

    /// Checks the synchroniser token of a submitted form (constant-time comparison).
    pub fn check_csrf(&self, submitted: &str) -> Result<(), PageError> {
        if ally_core::audit::macs_equal(submitted.as_bytes(), self.session.csrf_token.as_bytes()) {
            Ok(())
        } else {
            Err(PageError::new(Failure::CrossSite))
        }
    }
}

/// A urlencoded form body, parsed into `T`, with its CSRF token. Malformed bodies, invalid
/// UTF-8 and wrong content types get a 400 page; oversized bodies a 413 page.
pub struct Posted<T> {
    pub data: T,
    pub csrf: String,
}

#[derive(serde::Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Posted<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(PageError::new(Failure::UnsupportedMediaType));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| PageError::new(Failure::from_status(e.status())))?;
        if !is_strict_utf8_form(&bytes) {
            return Err(PageError::new(Failure::BadRequest));
        }
        let data: T = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::new(Failure::BadRequest))?;
        let csrf: CsrfOnly = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| PageError::new(Failure::BadRequest))?;
        Ok(Posted {
            data,
            csrf: csrf.csrf,
        })
    }
}

/// The urlencoded parser replaces invalid UTF-8 with U+FFFD; we refuse it instead, so that a
/// name is never stored silently altered.
pub(crate) fn is_strict_utf8_form(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.split('&')
        .flat_map(|pair| pair.split('='))
        .all(|part| {
            let spaced = part.replace('+', " ");
            percent_encoding::percent_decode_str(&spaced)
                .decode_utf8()
                .is_ok()
        })
}

/// A caller of the JSON API, authenticated by `Authorization: Bearer <token>`.
pub struct ApiCaller {
    pub principal: ally_core::authz::Principal,
    pub client: Option<String>,
}

impl ApiCaller {
    /// The access layer for this caller: every read and write an API handler makes goes
    /// through it.
    pub fn access<'a>(&'a self, store: &'a ally_store::Store) -> ally_store::Access<'a> {
        store.access(&self.principal, self.client.as_deref())
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || {
            ApiError::new(
                Failure::Unauthorized,
                crate::error::default_message(Failure::Unauthorized),
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(unauthorized)?;
        let (principal, _locale) = state
            .store
            .principal_for_api_token(token)
            .await?
            .ok_or_else(unauthorized)?;
        Ok(ApiCaller {
            principal,
            client: client_addr(parts, state.config.trust_proxy),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed_back() {
        assert_eq!(local_path("/persons?q=a"), Some("/persons?q=a"));
        assert_eq!(local_path("//evil.example/x"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path(""), None);
    }
}
