//! HTTP tests of the information module (issue 5), on SQLite and (when configured) PostgreSQL:
//! the authorisation matrix (every role x every route of the module x own/other organisation),
//! the public anonymous form (languages, bad input, rate limit, no address stored), bad input on
//! members' forms, suspects' data, operation packages, attachments (page, API, public form),
//! suspects' access requests, victim-case links and entity levels, intake addresses.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;

use ally_core::OrgId;
use ally_core::authz::{Action, Role, role_allows};
use ally_core::information::{EntityInput, ReportInput, ValidReport};
use ally_core::org::OrgKind;
use ally_store::{OperationRequest, Store, testing};
use ally_web::route::Auth;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::*;
use uuid::Uuid;

const FORM: &str = "application/x-www-form-urlencoded";

fn report(what: &str, entities: &[(&str, &str, &str)]) -> ValidReport {
    ReportInput {
        what: what.into(),
        place: "Strada Florilor 9".into(),
        exploitation: "labour".into(),
        entities: entities
            .iter()
            .map(|(k, r, v)| EntityInput {
                kind: (*k).into(),
                role: (*r).into(),
                value: (*v).into(),
            })
            .collect(),
        ..Default::default()
    }
    .validate(|_| true, false)
    .unwrap()
}

/// Records of one organisation that the matrix acts on.
struct Records {
    slug: &'static str,
    report: Uuid,
    place: Uuid,
    suspect: Uuid,
    link: Uuid,
    operation: Uuid,
    run: Uuid,
    /// The run's participation kit (JSON).
    kit: String,
    victim: Uuid,
    attachment: Uuid,
}

/// A JPEG whose EXIF block holds a GPS position (not a real picture: the segments are what
/// matters to the metadata filter).
fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
    let exif = b"Exif\0\0MM\0*GPSLatitude=48.8566;GPSLongitude=2.3522";
    j.extend_from_slice(&[0xFF, 0xE1, 0x00, u8::try_from(exif.len() + 2).unwrap()]);
    j.extend_from_slice(exif);
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]);
    j.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9,
    ]);
    j
}

const BOUNDARY: &str = "AllyTestBoundary7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of text fields and one file field.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (Vec<u8>, String) {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"p.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (b, format!("multipart/form-data; boundary={BOUNDARY}"))
}

/// A valid encodings file for the platform's schema: one record, a 1024-bit encoding with
/// exactly half its bits set (as balancing gives).
fn pprl_upload_csv() -> String {
    use base64::Engine as _;
    let mut clk = vec![0xFFu8; 64];
    clk.extend_from_slice(&[0u8; 64]);
    format!(
        "record_id,clk\n{},{}\n",
        Uuid::now_v7(),
        base64::engine::general_purpose::STANDARD.encode(clk)
    )
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

async fn records(store: &Store, org: OrgId, slug: &'static str, police: OrgId) -> Records {
    store.set_report_intake(org, slug, false).await.unwrap();
    let p = coordinator(org);
    let a = store.access(&p, None);
    a.reports()
        .file_report(report(
            "Earlier report on the same recruiter",
            &[("phone", "recruiter", "+40 721 000 999")],
        ))
        .await
        .unwrap();
    let id = a
        .reports()
        .file_report(report(
            "Workers collected at dawn",
            &[
                ("phone", "recruiter", "0721 000 999"),
                ("place", "unknown", "Depot Sud"),
                ("person", "possible_victim", "Irina Matrixova"),
            ],
        ))
        .await
        .unwrap();
    let view = a.reports().get_report(id).await.unwrap();
    let suspect = view.entities.iter().find(|e| e.suspect).unwrap().id;
    let place = view
        .entities
        .iter()
        .find(|e| e.kind == ally_core::information::EntityKind::Place)
        .unwrap()
        .id;
    let victim = view
        .entities
        .iter()
        .find(|e| e.role == ally_core::information::EntityRole::PossibleVictim)
        .unwrap()
        .id;
    let attachment = a
        .attachments()
        .add_report_attachment(id, &jpeg_with_gps())
        .await
        .unwrap();
    let link = a.links().report_links(id).await.unwrap()[0].0.id;
    let operation = a
        .operations()
        .export_operation(OperationRequest {
            to_org: police,
            reason: "Matrix operation".into(),
            reports: vec![id],
            entities: vec![place],
        })
        .await
        .unwrap();
    let network = store
        .create_organisation(&format!("Network {slug}"), OrgKind::Network, false)
        .await
        .unwrap();
    store.add_network_member(network, org).await.unwrap();
    let run = a.pprl().start_pprl_run().await.unwrap();
    let kit = a
        .pprl_members()
        .pprl_kit(run)
        .await
        .unwrap()
        .to_json()
        .unwrap();
    Records {
        run,
        kit,
        slug,
        report: id,
        place,
        suspect,
        link,
        operation,
        victim,
        attachment,
    }
}

fn body_for(
    method: &str,
    path: &str,
    csrf: &str,
    police: OrgId,
    rec: &Records,
) -> Option<(Vec<u8>, String)> {
    let police = police.to_string();
    let report = rec.report.to_string();
    let place = rec.place.to_string();
    let form = |pairs: &[(&str, &str)]| (form_body(pairs).into_bytes(), FORM.to_owned());
    let json = |v: serde_json::Value| (v.to_string().into_bytes(), "application/json".to_owned());
    Some(match (method, path) {
        ("POST", "/reports/{id}/attachments") => {
            multipart(&[("csrf", csrf)], Some(("image", &jpeg_with_gps())))
        }
        ("POST", "/api/v1/reports/{id}/attachments") => (jpeg_with_gps(), "image/jpeg".to_owned()),
        ("POST", "/entities/{id}/distribution") => form(&[("csrf", csrf), ("distribution", "own")]),
        // An empty case removes the link (always possible for the owner).
        ("POST", "/entities/{id}/victim-case") => form(&[("csrf", csrf), ("case", "")]),
        ("POST", "/settings/intake") => form(&[("csrf", csrf), ("slug", rec.slug)]),
        ("POST", "/reports") => form(&[
            ("csrf", csrf),
            ("what", "Matrix report"),
            ("exploitation", "labour"),
            ("distribution", "own"),
            ("e0_kind", "phone"),
            ("e0_role", "recruiter"),
            ("e0_value", "+40 721 000 111"),
        ]),
        ("POST", "/reports/{id}/triage") => form(&[("csrf", csrf), ("decision", "accept")]),
        ("POST", "/reports/{id}/distribution") => form(&[("csrf", csrf), ("distribution", "own")]),
        ("POST", "/pprl/{id}/upload") => multipart(
            &[("csrf", csrf)],
            Some(("clks", pprl_upload_csv().as_bytes())),
        ),
        ("POST", "/api/v1/pprl/runs/{id}/clks") => {
            (pprl_upload_csv().into_bytes(), "text/csv".to_owned())
        }
        ("POST", "/pprl/contribute") => {
            multipart(&[("csrf", csrf)], Some(("kit", rec.kit.as_bytes())))
        }
        ("POST", "/api/v1/pprl/contribute") => {
            (rec.kit.clone().into_bytes(), "application/json".to_owned())
        }
        ("POST", "/api/v1/pprl/runs/{id}/kit") => (Vec::new(), "application/json".to_owned()),
        ("POST", "/reports/{id}/resolve")
        | ("POST", "/pprl/{id}/kit")
        | ("POST", "/pprl")
        | ("POST", "/pprl/{id}/join")
        | ("POST", "/pprl/{id}/match") => form(&[("csrf", csrf)]),
        ("POST", "/entities/links/{id}") => form(&[
            ("csrf", csrf),
            ("decision", "confirm"),
            ("back", "/reports"),
        ]),
        ("POST", "/operations") => form(&[
            ("csrf", csrf),
            ("to_org", &police),
            ("reason", "Matrix export"),
            ("report", &report),
            ("entity", &place),
        ]),
        ("POST", "/api/v1/reports") => json(
            serde_json::json!({"what": "Api report", "exploitation": "sexual",
                "entities": [{"kind": "website", "role": "recruiter", "value": "@matrix.jobs"}]}),
        ),
        ("POST", "/api/v1/entities/links/{id}") => json(serde_json::json!({"decision": "reject"})),
        ("GET", _) => return None,
        _ => panic!("no request body defined for {method} {path}: add one to the matrix test"),
    })
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_route_own_and_other_organisation() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let police = f.add_org("Police", OrgKind::LawEnforcementLiaison).await;
        let own = records(&f.store, f.own.id, "own", police).await;
        let other = records(&f.store, f.other.id, "other", police).await;
        let mut failures = Vec::new();
        let mut cells = 0;
        let routes = ally_web::information::routes();
        for role in Role::ALL {
            for route in routes
                .table()
                .iter()
                .filter(|r| matches!(r.auth, Auth::Session | Auth::Token))
            {
                let relations: &[bool] = if route.path.contains("{id}") {
                    &[true, false]
                } else {
                    &[true]
                };
                for &is_own in relations {
                    let (org, rec) = if is_own {
                        (f.own.id, &own)
                    } else {
                        (f.other.id, &other)
                    };
                    let id = if route.path.contains("/triage") {
                        // A fresh public report in the triage queue for each cell.
                        f.store
                            .file_public_report(
                                Some(rec.slug),
                                report("Public matrix report", &[]),
                                None,
                            )
                            .await
                            .unwrap()
                    } else if route.path.starts_with("/entities/links")
                        || route.path.starts_with("/api/v1/entities/links")
                    {
                        rec.link
                    } else if route.path.contains("/victim-case") {
                        rec.victim
                    } else if route.path.contains("/access-request") {
                        rec.suspect
                    } else if route.path.starts_with("/attachments/") {
                        rec.attachment
                    } else if route.path.contains("/entities/") {
                        rec.place
                    } else if route.path.starts_with("/operations/") {
                        rec.operation
                    } else if (route.path.starts_with("/pprl/{id}")
                        || route.path.starts_with("/api/v1/pprl/runs/{id}"))
                        && route.method == "POST"
                    {
                        // Matching closes a run: each cell that changes one gets a fresh run
                        // of the same network (started by the organisation's coordinator).
                        f.store
                            .access(&coordinator(org), None)
                            .pprl()
                            .start_pprl_run()
                            .await
                            .unwrap()
                    } else if route.path.starts_with("/pprl/")
                        || route.path.starts_with("/api/v1/pprl/")
                    {
                        rec.run
                    } else {
                        rec.report
                    };
                    let path = route.path.replace("{id}", &id.to_string());
                    let (_, csrf, _, _) = f.actors[&role].clone();
                    let mut builder = request_as(&f, role, route, &path);
                    let body = match body_for(route.method, route.path, &csrf, police, rec) {
                        Some((b, ct)) => {
                            builder = builder.header(header::CONTENT_TYPE, ct.as_str());
                            Body::from(b)
                        }
                        None => Body::empty(),
                    };
                    let (status, headers, _) = send(&f.app, builder.body(body).unwrap()).await;
                    cells += 1;
                    if !outcome_ok(route, role, is_own, status, &headers) {
                        failures.push(format!(
                            "{role:?} {} {} ({}): got {status}",
                            route.method,
                            route.path,
                            if is_own { "own" } else { "other org" }
                        ));
                    }
                }
            }
        }
        println!(
            "information matrix on {:?}: {cells} cells, {} unexpected",
            db.backend,
            failures.len()
        );
        assert!(cells > 250, "{cells}");
        assert!(failures.is_empty(), "unexpected:\n{}", failures.join("\n"));
        f.store.close().await;
        db.cleanup().await;
    }
}

async fn queued(store: &Store, org: OrgId) -> usize {
    store
        .access(&coordinator(org), None)
        .reports()
        .triage_queue()
        .await
        .unwrap()
        .len()
}

fn public_post(body: String, ip: [u8; 4]) -> Request<Body> {
    let mut req = Request::post("/report?to=own")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(body))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    req
}

#[tokio::test]
async fn the_public_form_is_anonymous_multilingual_validated_and_rate_limited() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        // No receiving organisation: 404.
        let (status, _, _) =
            send(&f.app, Request::get("/report").body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        f.store
            .set_report_intake(f.own.id, "own", true)
            .await
            .unwrap();
        // In every language, without an account, with the quick exit, without scripts needed.
        for (lang, title) in [
            ("en", "Report trafficking or exploitation"),
            ("fr", "Signaler une situation de traite"),
            ("es", "Denunciar trata o explotación"),
            ("ar", "الإبلاغ عن اتجار بالبشر"),
        ] {
            let (status, _, body) = send(
                &f.app,
                Request::get("/report?to=own")
                    .header(header::ACCEPT_LANGUAGE, lang)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{lang}");
            assert!(body.contains(title), "{lang}");
            assert!(body.contains(&format!("lang=\"{lang}\"")), "{lang}");
            assert!(body.contains("id=\"quick-exit\""));
            assert!(body.contains("Own"), "receiver named");
            assert!(body.len() < 30_000, "page is {} bytes", body.len());
        }
        let (status, _, body) = send(
            &f.app,
            Request::get("/report")
                .header(header::ACCEPT_LANGUAGE, "ar")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("dir=\"rtl\""));
        let (status, _, _) = send(
            &f.app,
            Request::get("/report?to=nobody")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Bad input: 4xx naming the field, nothing written.
        let bad: Vec<(&str, String, StatusCode)> = vec![
            (
                "empty",
                form_body(&[("what", " ")]),
                StatusCode::BAD_REQUEST,
            ),
            (
                "bad phone",
                form_body(&[
                    ("what", "Seen at the market"),
                    ("e0_kind", "phone"),
                    ("e0_value", "call me"),
                ]),
                StatusCode::BAD_REQUEST,
            ),
            (
                "unknown kind",
                form_body(&[
                    ("what", "Seen at the market"),
                    ("e0_kind", "spaceship"),
                    ("e0_value", "x"),
                ]),
                StatusCode::BAD_REQUEST,
            ),
            (
                "latitude",
                form_body(&[
                    ("what", "Seen at the market"),
                    ("latitude", "123"),
                    ("longitude", "2"),
                ]),
                StatusCode::BAD_REQUEST,
            ),
            (
                "invalid utf-8",
                "what=%FF%FE".to_owned(),
                StatusCode::BAD_REQUEST,
            ),
        ];
        for (name, body, expected) in bad {
            let (status, _, page) = send(&f.app, public_post(body, [203, 0, 113, 9])).await;
            assert_eq!(status, expected, "{name}");
            if name != "invalid utf-8" {
                assert!(
                    page.contains("role=\"alert\""),
                    "{name}: the error is shown"
                );
            }
        }
        let mut req = public_post(
            form_body(&[("what", "Seen at the market")]),
            [203, 0, 113, 9],
        );
        req.headers_mut()
            .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        assert_eq!(
            send(&f.app, req).await.0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        assert_eq!(queued(&f.store, f.own.id).await, 0, "nothing written");
        // A cross-site post is refused.
        let mut req = public_post(
            form_body(&[("what", "Seen at the market")]),
            [203, 0, 113, 9],
        );
        req.headers_mut()
            .insert("sec-fetch-site", "cross-site".parse().unwrap());
        assert_eq!(send(&f.app, req).await.0, StatusCode::FORBIDDEN);

        // Five reports an hour from one address; the sixth is refused and writes nothing.
        let good = form_body(&[
            ("what", "رأيت عمالًا محتجزين في المزرعة"),
            ("place", "Ferme du Moulin"),
            ("e0_kind", "phone"),
            ("e0_role", "recruiter"),
            ("e0_value", "+40 721 000 999"),
        ]);
        for i in 0..5 {
            let (status, _, page) = send(&f.app, public_post(good.clone(), [203, 0, 113, 9])).await;
            assert_eq!(status, StatusCode::OK, "report {i}");
            assert!(page.contains("id=\"report-sent\""));
        }
        let (status, _, _) = send(&f.app, public_post(good.clone(), [203, 0, 113, 9])).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(queued(&f.store, f.own.id).await, 5);
        let (status, _, _) = send(&f.app, public_post(good, [198, 51, 100, 20])).await;
        assert_eq!(status, StatusCode::OK, "another address is not limited");
        assert_eq!(queued(&f.store, f.own.id).await, 6);
        f.store.close().await;
        // The client address is nowhere in the database (not in reports, not in the audit).
        if let Some(path) = db.sqlite_path() {
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(wal);
            }
            for ip in ["203.0.113.9", "198.51.100.20"] {
                assert!(
                    !bytes.windows(ip.len()).any(|w| w == ip.as_bytes()),
                    "{ip} stored"
                );
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn members_bad_input_suspects_data_and_victims_in_packages() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let police = f.add_org("Police", OrgKind::LawEnforcementLiaison).await;
        let rec = records(&f.store, f.own.id, "own", police).await;
        let (session, csrf, api, _) = f.actors[&Role::Caseworker].clone();
        let cookie = format!("ally_session={session}");
        let count = || async {
            f.store
                .access(&coordinator(f.own.id), None)
                .reports()
                .list_reports()
                .await
                .unwrap()
                .len()
        };
        let before = count().await;
        let post = |body: String| {
            Request::post("/reports")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(body))
                .unwrap()
        };
        let (status, _, page) = send(
            &f.app,
            post(form_body(&[
                ("csrf", &csrf),
                ("what", ""),
                ("observed_on", "2026-02-31x"),
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("What did you see?") && page.contains("Use a real date"));
        let (status, _, page) = send(
            &f.app,
            post(form_body(&[
                ("csrf", &csrf),
                ("what", "Something seen"),
                ("indicators", "no.such.indicator"),
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Indicators seen"));
        // A caseworker may not file at a wider level than the own organisation.
        let (status, _, _) = send(
            &f.app,
            post(form_body(&[
                ("csrf", &csrf),
                ("what", "Something seen"),
                ("distribution", "network"),
            ])),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = send(
            &f.app,
            post(form_body(&[("csrf", "forged"), ("what", "Something seen")])),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(count().await, before, "nothing written");
        // API: bad JSON and bad fields.
        for body in [
            "{",
            r#"{"what": "x"}"#,
            r#"{"what": "Seen", "entities": [{"kind": "phone", "value": "abc"}]}"#,
        ] {
            let (status, _, _) = send(
                &f.app,
                Request::post("/api/v1/reports")
                    .header(header::AUTHORIZATION, format!("Bearer {api}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        }
        assert_eq!(count().await, before, "nothing written");

        // Suspects' data: a union representative reads the report but not the recruiter.
        let (union_session, _, union_api, _) = f.actors[&Role::UnionRepresentative].clone();
        let (status, _, page) = send(
            &f.app,
            Request::get(format!("/reports/{}", rec.report))
                .header(header::COOKIE, format!("ally_session={union_session}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Withheld"));
        assert!(!page.contains("0721 000 999"));
        let (status, _, _) = send(
            &f.app,
            Request::get(format!("/api/v1/entities/{}", rec.suspect))
                .header(header::AUTHORIZATION, format!("Bearer {union_api}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, json) = send(
            &f.app,
            Request::get(format!("/api/v1/reports/{}", rec.report))
                .header(header::AUTHORIZATION, format!("Bearer {union_api}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let suspect = v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["suspect"] == true)
            .unwrap();
        assert!(suspect["value"].is_null());

        // A possible victim cannot go into an operation package (consent not recorded).
        let victim_report = f
            .store
            .access(&coordinator(f.own.id), None)
            .reports()
            .file_report(report(
                "Girl kept in the flat",
                &[("person", "possible_victim", "Elena Testova")],
            ))
            .await
            .unwrap();
        let victim = f
            .store
            .access(&coordinator(f.own.id), None)
            .reports()
            .get_report(victim_report)
            .await
            .unwrap()
            .entities[0]
            .id;
        let (status, _, page) = send(
            &f.app,
            Request::post("/operations")
                .header(header::COOKIE, &cookie)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&[
                    ("csrf", &csrf),
                    ("to_org", &police.to_string()),
                    ("reason", "Rescue"),
                    ("report", &victim_report.to_string()),
                    ("entity", &victim.to_string()),
                ])))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("consent"));
        // Widening a report naming a victim: refused with the consent message.
        let (coord_session, coord_csrf, _, _) = f.actors[&Role::Coordinator].clone();
        let (status, _, page) = send(
            &f.app,
            Request::post(format!("/reports/{victim_report}/distribution"))
                .header(header::COOKIE, format!("ally_session={coord_session}"))
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&[
                    ("csrf", &coord_csrf),
                    ("distribution", "network"),
                ])))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("record the consent first"), "{page}");
        // Unknown ids answer 404, malformed ones too.
        for path in [
            "/reports/not-a-uuid",
            "/entities/00000000-0000-0000-0000-000000000000",
        ] {
            let (status, _, _) = send(
                &f.app,
                Request::get(path)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        }
        let _ = role_allows(Role::Caseworker, Action::ReportRead);
        f.store.close().await;
        db.cleanup().await;
    }
}

fn page(method: &str, path: &str, session: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("ally_session={session}"))
}

fn api(method: &str, path: &str, token: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
}

#[tokio::test]
async fn attachments_public_images_access_requests_victim_links_and_intake_pages() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let police = f.add_org("Police", OrgKind::LawEnforcementLiaison).await;
        let rec = records(&f.store, f.own.id, "own", police).await;
        let (session, csrf, token, _) = f.actors[&Role::Caseworker].clone();

        // A member attaches a JPEG with a GPS position: it comes back without it.
        let (body, ct) = multipart(&[("csrf", &csrf)], Some(("image", &jpeg_with_gps())));
        let (status, headers, _) = send(
            &f.app,
            page(
                "POST",
                &format!("/reports/{}/attachments", rec.report),
                &session,
            )
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            headers[header::LOCATION]
                .to_str()
                .unwrap()
                .ends_with("#attachments")
        );
        let (_, _, report_page) = send(
            &f.app,
            page("GET", &format!("/reports/{}", rec.report), &session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(report_page.contains("id=\"attachment-list\""));
        let view = f
            .store
            .access(&coordinator(f.own.id), None)
            .reports()
            .get_report(rec.report)
            .await
            .unwrap();
        assert_eq!(view.attachments.len(), 2);
        for a in &view.attachments {
            let (status, headers, bytes) = send(
                &f.app,
                page("GET", &format!("/attachments/{}", a.id), &session)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(headers[header::CONTENT_TYPE], "image/jpeg");
            assert!(bytes.contains("JFIF"));
            assert!(!bytes.contains("GPSLatitude") && !bytes.contains("Exif"));
        }
        // A non-image: a clear 4xx, nothing written (page and API).
        let (body, ct) = multipart(
            &[("csrf", &csrf)],
            Some(("image", b"%PDF-1.7 not an image")),
        );
        let (status, _, shown) = send(
            &f.app,
            page(
                "POST",
                &format!("/reports/{}/attachments", rec.report),
                &session,
            )
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(shown.contains("Only JPEG and PNG images can be attached."));
        let (status, _, json) = send(
            &f.app,
            api(
                "POST",
                &format!("/api/v1/reports/{}/attachments", rec.report),
                &token,
            )
            .header(header::CONTENT_TYPE, "application/pdf")
            .body(Body::from("%PDF-1.7"))
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(json.contains("not_an_image"));
        let (status, _, json) = send(
            &f.app,
            api(
                "POST",
                &format!("/api/v1/reports/{}/attachments", rec.report),
                &token,
            )
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(Body::from(jpeg_with_gps()))
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        let coord = coordinator(f.own.id);
        let reader = f.store.access(&coord, None);
        assert_eq!(
            reader
                .reports()
                .get_report(rec.report)
                .await
                .unwrap()
                .attachments
                .len(),
            3
        );

        // The public form takes one small image, stripped; a non-image is refused, nothing filed.
        let before = queued(&f.store, f.own.id).await;
        let public = |file: &[u8]| {
            let (body, ct) = multipart(&[("what", "Van seen at night")], Some(("image", file)));
            let mut req = Request::post("/report?to=own")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap();
            req.extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
            req
        };
        let (status, _, shown) = send(&f.app, public(b"GIF89a not accepted")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(shown.contains("role=\"alert\""));
        assert_eq!(queued(&f.store, f.own.id).await, before);
        let (status, _, _) = send(&f.app, public(&jpeg_with_gps())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queued(&f.store, f.own.id).await, before + 1);
        // An empty file field is no image at all.
        let (status, _, _) = send(&f.app, public(b"")).await;
        assert_eq!(status, StatusCode::OK);
        let triage = f.store.access(&coord, None);
        let queue = triage.reports().triage_queue().await.unwrap();
        let with_image: Vec<_> = {
            let mut v = Vec::new();
            for r in &queue {
                let view = triage.reports().get_report(r.id).await.unwrap();
                if let Some(a) = view.attachments.first() {
                    v.push(a.id);
                }
            }
            v
        };
        assert_eq!(with_image.len(), 1);
        let (_, bytes) = triage
            .attachments()
            .get_report_attachment(with_image[0])
            .await
            .unwrap();
        assert!(!has(&bytes, b"GPSLatitude"));

        // A suspect's access request: the recruiter's number, no victim, no reporter.
        for (status, shown) in [
            send(
                &f.app,
                page(
                    "GET",
                    &format!("/entities/{}/access-request", rec.suspect),
                    &session,
                )
                .body(Body::empty())
                .unwrap(),
            )
            .await,
            send(
                &f.app,
                api(
                    "GET",
                    &format!("/api/v1/entities/{}/access-request", rec.suspect),
                    &token,
                )
                .body(Body::empty())
                .unwrap(),
            )
            .await,
        ]
        .map(|(s, _, b)| (s, b))
        {
            assert_eq!(status, StatusCode::OK);
            assert!(shown.contains("0721 000 999"));
            for absent in [
                "Matrixova",
                "Depot Sud",
                "Workers collected at dawn",
                "Strada Florilor",
            ] {
                assert!(!shown.contains(absent), "{absent}");
            }
        }
        let (status, _, _) = send(
            &f.app,
            api(
                "GET",
                &format!("/api/v1/entities/{}/access-request", rec.victim),
                &token,
            )
            .body(Body::empty())
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // Linking a possible victim to a case: a bad id or a non-victim is a clear error; the
        // victim cannot be widened without the consent.
        let (coord_session, coord_csrf, _, _) = f.actors[&Role::Coordinator].clone();
        let post_form = |path: String, pairs: Vec<(&'static str, String)>| {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            page("POST", &path, &coord_session)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&pairs)))
                .unwrap()
        };
        let (status, _, shown) = send(
            &f.app,
            post_form(
                format!("/entities/{}/victim-case", rec.victim),
                vec![("csrf", coord_csrf.clone()), ("case", "not-a-case".into())],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(shown.contains("role=\"alert\""));
        let (status, _, _) = send(
            &f.app,
            post_form(
                format!("/entities/{}/victim-case", rec.victim),
                vec![
                    ("csrf", coord_csrf.clone()),
                    ("case", Uuid::now_v7().to_string()),
                ],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, shown) = send(
            &f.app,
            post_form(
                format!("/entities/{}/distribution", rec.victim),
                vec![
                    ("csrf", coord_csrf.clone()),
                    ("distribution", "partners".into()),
                    ("partner", f.other.id.to_string()),
                ],
            ),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(shown.contains("linked protection case"));
        let (_, _, shown) = send(
            &f.app,
            page("GET", &format!("/entities/{}", rec.victim), &coord_session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(shown.contains("id=\"victim-case-form\""));
        assert!(shown.contains("id=\"entity-distribution-form\""));

        // The intake address: administrators only, validated, unique.
        let (admin_session, admin_csrf, _, _) = f.actors[&Role::Admin].clone();
        let intake = |slug: &str| {
            page("POST", "/settings/intake", &admin_session)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&[
                    ("csrf", &admin_csrf),
                    ("slug", slug),
                ])))
                .unwrap()
        };
        let (_, _, shown) = send(
            &f.app,
            page("GET", "/organisation", &admin_session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert!(shown.contains("href=\"/settings/intake\""));
        let (status, _, shown) = send(&f.app, intake("Has spaces!")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(shown.contains("This value is not valid."));
        f.store
            .set_report_intake(f.other.id, "taken-one", false)
            .await
            .unwrap();
        let (status, _, shown) = send(&f.app, intake("taken-one")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(shown.contains("Another organisation already uses this address."));
        let (status, _, _) = send(&f.app, intake("lilas-help")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, shown) = send(
            &f.app,
            page("GET", "/settings/intake", &admin_session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(shown.contains("/report?to=lilas-help"));
        assert_eq!(
            f.store
                .report_receiver(Some("lilas-help"))
                .await
                .unwrap()
                .unwrap()
                .0,
            f.own.id
        );
        let (status, _, _) = send(
            &f.app,
            page("POST", "/settings/intake", &admin_session)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&[
                    ("csrf", &admin_csrf),
                    ("slug", ""),
                    ("action", "clear"),
                ])))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            f.store
                .report_receiver(Some("lilas-help"))
                .await
                .unwrap()
                .is_none()
        );
        let (status, _, _) = send(
            &f.app,
            page("GET", "/settings/intake", &coord_session)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        f.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn shared_with_us_page_and_api_list_an_entity_shared_on_its_own() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let other = coordinator(f.other.id);
        let o = f.store.access(&other, None);
        let id = o
            .reports()
            .file_report(report(
                "Agency recruits at the station",
                &[("company", "unknown", "Zentravor Logistics")],
            ))
            .await
            .unwrap();
        let company = o.reports().get_report(id).await.unwrap().entities[0].id;
        o.distribution()
            .set_entity_distribution(
                company,
                ally_core::information::Distribution::Partners,
                vec![f.own.id],
            )
            .await
            .unwrap();
        let (session, _, api, _) = f.actors[&Role::Caseworker].clone();
        let get = |path: &str, bearer: bool| {
            let b = Request::get(path);
            if bearer {
                b.header(header::AUTHORIZATION, format!("Bearer {api}"))
            } else {
                b.header(header::COOKIE, format!("ally_session={session}"))
            }
            .body(Body::empty())
            .unwrap()
        };
        let (status, _, body) = send(&f.app, get("/api/v1/entities/shared", true)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
        let item = &v["items"][0];
        assert_eq!(item["entity"]["id"], company.to_string());
        assert_eq!(item["entity"]["value"], "Zentravor Logistics");
        assert_eq!(item["entity"]["distribution"], "partners");
        assert_eq!(item["organisation_name"], "Other");
        assert_eq!(item["organisation_id"], f.other.id.to_string());
        assert_eq!(v["has_more"], false);
        assert_eq!(v["limit"], 50);
        // The page: the entity, whom it comes from, a link to it; the report stays hidden.
        let (status, _, page) = send(&f.app, get("/entities/shared", false)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Zentravor Logistics") && page.contains("Other"));
        assert!(page.contains(&format!("href=\"/entities/{company}\"")));
        assert!(!page.contains(&format!("/reports/{id}")));
        // The reports page links to it.
        let (_, _, reports) = send(&f.app, get("/reports", false)).await;
        assert!(reports.contains("href=\"/entities/shared\""));
        // Bad paging input: a clear 400.
        for path in [
            "/api/v1/entities/shared?offset=abc",
            "/api/v1/entities/shared?limit=many",
        ] {
            let (status, _, _) = send(&f.app, get(path, true)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        }
        let (status, _, _) = send(&f.app, get("/entities/shared?offset=-", false)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // Lowered by its owner: gone from the list at once.
        o.distribution()
            .set_entity_distribution(company, ally_core::information::Distribution::Own, vec![])
            .await
            .unwrap();
        let (_, _, body) = send(&f.app, get("/api/v1/entities/shared", true)).await;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(v["items"].as_array().unwrap().is_empty());
        f.store.close().await;
        db.cleanup().await;
    }
}
