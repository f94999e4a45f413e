//! HTTP tests of the whole router, in-process, on SQLite and (when configured) PostgreSQL:
//! the authorisation matrix (every role × every foundation route × own/other organisation), bad
//! input, security headers, OpenAPI coverage.
#![allow(clippy::unwrap_used)]

mod common;

use ally_core::PersonId;
use ally_core::authz::{Action, Principal, Role, role_allows};
use ally_store::{Page, testing};
use ally_web::app::ROUTES;
use ally_web::route::Auth;
use ally_web::{AppState, WebConfig, router};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

/// A valid request body for each state-changing route (the matrix needs requests that would
/// succeed if allowed, so that a denial is the only possible cause of failure).
fn body_for(method: &str, path: &str, csrf: &str, n: usize) -> Option<(String, &'static str)> {
    let form = "application/x-www-form-urlencoded";
    let person = [
        ("csrf", csrf),
        ("role", "witness"),
        ("given_names", "Matrix"),
        ("family_names", "Person"),
        ("phones", "+33 6 00 00 00 01"),
    ];
    Some(match (method, path) {
        ("POST", "/persons") => (form_body(&person), form),
        ("POST", "/persons/{id}") => {
            let mut p = person.to_vec();
            p.push(("version", "VERSION"));
            (form_body(&p), form)
        }
        ("POST", "/organisation/second-factor") => (form_body(&[("csrf", csrf), ("required", "false")]), form),
        ("POST", "/users") => {
            let email = format!("new{n}@own.test");
            (form_body(&[("csrf", csrf), ("email", &email), ("display_name", "New"), ("password", PASSWORD), ("role", "interviewer")]), form)
        }
        ("POST", "/users/{id}/disable") | ("POST", "/users/{id}/enable") | ("POST", "/sign-out-everywhere") | ("POST", "/account/tokens/{id}/revoke") => {
            (form_body(&[("csrf", csrf)]), form)
        }
        ("POST", "/users/{id}/roles") => (form_body(&[("csrf", csrf), ("role", "caseworker")]), form),
        ("POST", "/account/language") => (form_body(&[("csrf", csrf), ("lang", "en")]), form),
        ("POST", "/account/password") => (form_body(&[("csrf", csrf), ("current", PASSWORD), ("new_password", PASSWORD)]), form),
        ("POST", "/account/tokens") => (form_body(&[("csrf", csrf), ("name", "another")]), form),
        ("POST", "/api/v1/persons") | ("PUT", "/api/v1/persons/{id}") => (
            serde_json::json!({"role": "witness", "given_names": "Api", "family_names": "Person", "version": "VERSION"}).to_string(),
            "application/json",
        ),
        ("POST", "/api/v1/users") => (
            serde_json::json!({"email": format!("api{n}@own.test"), "display_name": "Api user", "password": PASSWORD, "roles": ["interviewer"]}).to_string(),
            "application/json",
        ),
        ("GET", _) => return None,
        _ => panic!("no request body defined for {method} {path}: add one to the matrix test"),
    })
}

async fn run_matrix(f: &Fixture) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut cells = 0;
    let mut n = 0;
    let foundation = ally_web::foundation::routes();
    let rows: Vec<_> = foundation
        .table()
        .iter()
        .filter(|r| matches!(r.auth, Auth::Session | Auth::Token))
        .collect();
    for role in Role::ALL {
        // Routes that end sessions go last for each role.
        let mut ordered = rows.clone();
        ordered.sort_by_key(|r| r.path == "/sign-out-everywhere");
        for route in ordered {
            let relations: &[bool] =
                if route.path.contains("{id}") && !route.path.contains("tokens") {
                    &[true, false]
                } else {
                    &[true]
                };
            for &own in relations {
                n += 1;
                let (session, csrf, api, actor_id) = f.actors[&role].clone();
                let org = if own { &f.own } else { &f.other };
                let id = if route.path.starts_with("/users/") {
                    org.target_user.to_string()
                } else if route.path.contains("tokens/{id}") {
                    f.store
                        .list_api_tokens(actor_id)
                        .await
                        .unwrap()
                        .iter()
                        .find(|t| !t.revoked && t.name == "another")
                        .map(|t| t.id.clone())
                        .unwrap_or_default()
                } else {
                    org.person.to_string()
                };
                let path = route.path.replace("{id}", &id);
                let mut builder = Request::builder().method(route.method).uri(&path);
                builder = match route.auth {
                    Auth::Token => builder.header(header::AUTHORIZATION, format!("Bearer {api}")),
                    _ => builder.header(header::COOKIE, format!("ally_session={session}")),
                };
                let body = match body_for(route.method, route.path, &csrf, n) {
                    Some((b, ct)) => {
                        builder = builder.header(header::CONTENT_TYPE, ct);
                        let version = f
                            .store
                            .access(
                                &Principal {
                                    user_id: actor_id,
                                    org_id: org.id,
                                    roles: vec![Role::Caseworker],
                                },
                                None,
                            )
                            .persons()
                            .get_person(org.person)
                            .await
                            .map(|p| p.version)
                            .unwrap_or(1);
                        Body::from(
                            b.replace("\"VERSION\"", &version.to_string())
                                .replace("VERSION", &version.to_string()),
                        )
                    }
                    None => Body::empty(),
                };
                let (status, headers, _) = send(&f.app, builder.body(body).unwrap()).await;
                cells += 1;
                let allowed = route.action.is_none_or(|a| role_allows(role, a));
                let expected_ok = allowed && (own || route.action == Some(Action::OwnAccount));
                let ok = if route.path == "/sign-out-everywhere" {
                    status == StatusCode::SEE_OTHER
                        && f.store.session(&session).await.unwrap().is_none()
                } else {
                    outcome_ok(route, role, own, status, &headers)
                };
                if !ok {
                    failures.push(format!(
                        "{:?} {} {} ({}): got {status}, expected {}",
                        role,
                        route.method,
                        route.path,
                        if own { "own" } else { "other org" },
                        if expected_ok {
                            "success"
                        } else if allowed {
                            "404"
                        } else {
                            "403"
                        }
                    ));
                }
                // Re-establish sessions ended by the route itself.
                if route.path == "/sign-out-everywhere" {
                    let email = format!("{}@own.test", role.as_str());
                    let _ = f.store.sign_in(&email, PASSWORD, None).await;
                }
            }
        }
    }
    (cells, failures)
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_route_own_and_other_organisation() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let (cells, failures) = run_matrix(&f).await;
        println!(
            "authorisation matrix on {:?}: {cells} cells, {} unexpected",
            db.backend,
            failures.len()
        );
        assert!(cells > 300, "{cells}");
        assert!(
            failures.is_empty(),
            "unexpected outcomes:\n{}",
            failures.join("\n")
        );
        f.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document_and_nothing_else() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let (status, _, body) = send(
        &f.app,
        Request::get("/api/v1/openapi.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let mut routed: Vec<String> = ROUTES
        .iter()
        .filter(|r| r.path.starts_with("/api/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);
    f.store.close().await;
}

async fn person_count(f: &Fixture) -> usize {
    let p = who(f.own.id, &[Role::Caseworker]);
    f.store
        .access(&p, None)
        .persons()
        .list_persons(Page::new(0, 100))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let (session, csrf, api, _) = f.actors[&Role::Caseworker].clone();
        let cookie = format!("ally_session={session}");
        let before = person_count(&f).await;
        let form = "application/x-www-form-urlencoded";
        let post = |body: Vec<u8>, ct: &str| {
            Request::post("/persons")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap()
        };
        let cases: Vec<(&str, Request<Body>, StatusCode)> = vec![
            (
                "malformed form",
                post(
                    format!("csrf={csrf}&role=witness&role=victim&given_names=A").into_bytes(),
                    form,
                ),
                StatusCode::BAD_REQUEST,
            ),
            (
                "garbage form",
                post(b"role=%%%zz&&=".to_vec(), form),
                StatusCode::FORBIDDEN,
            ),
            (
                "invalid UTF-8",
                post(
                    format!("csrf={csrf}&role=witness&given_names=%FF%FE").into_bytes(),
                    form,
                ),
                StatusCode::BAD_REQUEST,
            ),
            (
                "wrong content type",
                post(b"{}".to_vec(), "application/json"),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                "oversized body",
                post(vec![b'a'; 400 * 1024], form),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                "wrong CSRF token",
                post(
                    form_body(&[
                        ("csrf", "forged"),
                        ("role", "witness"),
                        ("given_names", "X"),
                    ])
                    .into_bytes(),
                    form,
                ),
                StatusCode::FORBIDDEN,
            ),
            (
                "missing CSRF token",
                post(
                    form_body(&[("role", "witness"), ("given_names", "X")]).into_bytes(),
                    form,
                ),
                StatusCode::FORBIDDEN,
            ),
            (
                "invalid fields",
                post(
                    form_body(&[("csrf", &csrf), ("role", "boss"), ("given_names", "")])
                        .into_bytes(),
                    form,
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "cross-site origin",
                Request::post("/persons")
                    .header(header::COOKIE, &cookie)
                    .header(header::CONTENT_TYPE, form)
                    .header(header::ORIGIN, "https://evil.example")
                    .header(header::HOST, "ally.example")
                    .body(Body::from(form_body(&[
                        ("csrf", &csrf),
                        ("role", "witness"),
                        ("given_names", "X"),
                    ])))
                    .unwrap(),
                StatusCode::FORBIDDEN,
            ),
            (
                "unknown person id",
                Request::get(format!("/persons/{}", PersonId::new()))
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::NOT_FOUND,
            ),
            (
                "malformed person id",
                Request::get("/persons/not-a-uuid")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::NOT_FOUND,
            ),
            (
                "other organisation's id",
                Request::get(format!("/persons/{}", f.other.person))
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::NOT_FOUND,
            ),
            (
                "bad query string",
                Request::get("/persons?offset=many")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (what, req, expected) in cases {
            let (status, headers, body) = send(&f.app, req).await;
            assert_eq!(status, expected, "{what}: {body}");
            assert!(
                headers
                    .get(header::CONTENT_TYPE)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{what}: {headers:?} {body}"
            );
            assert!(
                body.contains("<html") && !body.contains("panicked"),
                "{what}"
            );
        }
        let bearer = format!("Bearer {api}");
        let json_post = |body: &str| {
            Request::post("/api/v1/persons")
                .header(header::AUTHORIZATION, &bearer)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_owned()))
                .unwrap()
        };
        let api_cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
            (
                "malformed JSON",
                json_post("{\"role\": "),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "unknown field",
                json_post(r#"{"role":"witness","given_names":"A","admin":true}"#),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "invalid value",
                json_post(r#"{"role":"witness","given_names":"A","birth":"2999-01-01"}"#),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "line break in a list",
                json_post(r#"{"role":"witness","given_names":"A","phones":["1\n2"]}"#),
                StatusCode::BAD_REQUEST,
                "bad_request",
            ),
            (
                "no token",
                Request::get("/api/v1/persons").body(Body::empty()).unwrap(),
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                "bad token",
                Request::get("/api/v1/persons")
                    .header(header::AUTHORIZATION, "Bearer nope")
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            ),
            (
                "other organisation",
                Request::get(format!("/api/v1/persons/{}", f.other.person))
                    .header(header::AUTHORIZATION, &bearer)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "unknown route",
                Request::get("/api/v1/nothing")
                    .header(header::AUTHORIZATION, &bearer)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "wrong method",
                Request::delete("/api/v1/persons")
                    .header(header::AUTHORIZATION, &bearer)
                    .body(Body::empty())
                    .unwrap(),
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
            ),
            (
                "oversized",
                json_post(&format!(
                    "{{\"role\":\"witness\",\"notes\":\"{}\"}}",
                    "a".repeat(400 * 1024)
                )),
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
            ),
        ];
        for (what, req, expected, code) in api_cases {
            let (status, _, body) = send(&f.app, req).await;
            assert_eq!(status, expected, "{what}: {body}");
            let v: serde_json::Value =
                serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: not JSON: {body}"));
            assert_eq!(v["code"], code, "{what}");
            assert!(
                v["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{what}"
            );
        }
        assert_eq!(
            person_count(&f).await,
            before,
            "a rejected request wrote something"
        );
        f.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn pages_carry_security_headers_language_and_quick_exit() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let (status, headers, body) = send(
        &f.app,
        Request::get("/sign-in")
            .header(header::ACCEPT_LANGUAGE, "ar,en;q=0.5")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"<html lang="ar" dir="rtl">"#), "{body}");
    assert!(body.contains(r#"id="quick-exit""#));
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    // No resource from another origin: every src/href in the page is local (or the exit link).
    for attr in ["src=\"", "href=\""] {
        for part in body.split(attr).skip(1) {
            let url = part.split('"').next().unwrap();
            assert!(
                url.starts_with('/')
                    || url.starts_with('#')
                    || url.starts_with("data:")
                    || url == "https://www.wikipedia.org/",
                "external reference {url}"
            );
        }
    }
    let (_, _, body) = send(
        &f.app,
        Request::get("/sign-in")
            .header(header::ACCEPT_LANGUAGE, "fr-FR")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(body.contains(r#"lang="fr" dir="ltr""#));
    // Session cookies are HttpOnly and SameSite=Strict.
    let req = Request::post("/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&[
            ("email", "caseworker@own.test"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let (status, headers, _) = send(&f.app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // Same message for a wrong password and an unknown account.
    let bad = |email: &str| {
        Request::post("/sign-in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("email", email),
                ("password", "wrong password here"),
            ])))
            .unwrap()
    };
    let (s1, _, b1) = send(&f.app, bad("caseworker@own.test")).await;
    let (s2, _, b2) = send(&f.app, bad("nobody@own.test")).await;
    assert_eq!(
        (s1, s2),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert_eq!(
        b1.replace("caseworker@own.test", ""),
        b2.replace("nobody@own.test", "")
    );
    let (status, _, _) = send(
        &f.app,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = send(&f.app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    f.store.close().await;
}

#[tokio::test]
async fn cookies_are_secure_behind_a_trusted_tls_proxy() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let app = router(
        AppState::new(
            f.store.clone(),
            WebConfig {
                trust_proxy: true,
                ..Default::default()
            },
        )
        .unwrap(),
    );
    let sign_in = |proto: &'static str| {
        Request::post("/sign-in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-proto", proto)
            .header("x-forwarded-for", "203.0.113.7")
            .body(Body::from(form_body(&[
                ("email", "caseworker@own.test"),
                ("password", PASSWORD),
            ])))
            .unwrap()
    };
    let (_, headers, _) = send(&app, sign_in("https")).await;
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-ally_session=") && cookie.contains("Secure"),
        "{cookie}"
    );
    let (_, headers, _) = send(&app, sign_in("http")).await;
    let cookie = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
    assert!(
        cookie.starts_with("ally_session=") && !cookie.contains("Secure"),
        "{cookie}"
    );
    // The forwarded client address is what the audit log records.
    let auditor = who(f.own.id, &[Role::Auditor]);
    let events = f
        .store
        .access(&auditor, None)
        .audit_log()
        .audit_events(ally_store::AuditFilter::default(), 50)
        .await
        .unwrap();
    assert!(
        events.iter().any(|e| e.event.action == "auth.sign_in"
            && e.event.client.as_deref() == Some("203.0.113.7"))
    );
    f.store.close().await;
}
