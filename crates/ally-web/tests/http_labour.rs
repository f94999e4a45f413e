//! HTTP tests of the labour module (issue 6), in-process, on SQLite and (when configured)
//! PostgreSQL: the authorisation matrix (every role × every labour route × own organisation,
//! another organisation, and an inspection of another organisation in which the own
//! organisation takes part as a partner), consent-bound identities in a partner's view, and bad
//! input (malformed CSV, negative hours, dates out of order...) answered with a clear 4xx that
//! names the row and field and writes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use ally_core::OrgId;
use ally_core::authz::{Action, Role, role_allows};
use ally_core::labour::{
    CheckInput, EmployerInput, InspectionEntry, InspectionPlan, NewLabourCase, PartnerInput,
    WorkplaceInput,
};
use ally_core::org::OrgKind;
use ally_store::Store;
use ally_store::testing;
use ally_web::route::Auth;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

const SHARED_WORKER: &str = "Mihai Consentingworker";
const HIDDEN_WORKER: &str = "Dorin Privateworker";

/// A record whose payslip pays 10.00/h, below the French minimum wage.
const UNDERPAID: &str = r#"{"contract": {"start_date": "2025-01-06", "hourly_wage": "10.00", "weekly_hours": "35",
  "written_contract": true, "work_permit_required": false, "work_permit_present": false,
  "identity_documents_retained": false},
 "payslips": [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_paid": "151.67",
  "gross": "1516.70", "deductions": [], "net_paid": "1516.70"}],
 "timesheets": []}"#;

/// The labour records of one organisation.
#[derive(Clone)]
struct Records {
    employer: String,
    employer2: String,
    workplace: String,
    inspection: String,
    check: String,
    case: String,
    photo: String,
}

/// A well-formed PNG chunk: length, type, data, CRC-32 of type and data.
fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    c.extend_from_slice(&crc.finalize().to_be_bytes());
    c
}

/// A small PNG whose text chunk carries a GPS position.
fn png_with_gps() -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(png_chunk(b"IHDR", &[0; 13]));
    p.extend(png_chunk(b"tEXt", b"GPSPosition\x0048.8566,2.3522"));
    p.extend(png_chunk(b"IDAT", b"pixels"));
    p.extend(png_chunk(b"IEND", b""));
    p
}

const BOUNDARY: &str = "----labourtestboundary";

fn multipart(csrf: &str, file: &[u8]) -> Vec<u8> {
    let mut b = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"site.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn seed(store: &Store, org: OrgId, partners: &[OrgId]) -> Records {
    let p = coordinator(org);
    let a = store.access(&p, None);
    let employer_input = |name: &str| EmployerInput {
        legal_name: name.into(),
        registration_number: "B 123".into(),
        sector: "construction".into(),
        addresses: vec![],
    };
    let employer = a
        .employers()
        .create_employer(employer_input("Principal SA"))
        .await
        .unwrap();
    let employer2 = a
        .employers()
        .create_employer(employer_input("Sub SRL"))
        .await
        .unwrap();
    let workplace = a
        .employers()
        .create_workplace(WorkplaceInput {
            employer_id: employer.clone(),
            name: "Site".into(),
            address: "1 Road".into(),
        })
        .await
        .unwrap();
    let inspection = a
        .inspections()
        .plan_inspection(InspectionPlan {
            workplace_id: workplace.clone(),
            date: "2026-12-01".into(),
            legal_basis: "L8271-1".into(),
            checklist: "construction".into(),
            partners: partners
                .iter()
                .map(|o| PartnerInput {
                    org_id: o.to_string(),
                    kind: "union".into(),
                    members: vec![],
                })
                .collect(),
            ..Default::default()
        })
        .await
        .unwrap();
    for (name, consent) in [(SHARED_WORKER, true), (HIDDEN_WORKER, false)] {
        a.inspections()
            .record_inspection(
                &inspection,
                InspectionEntry::Worker {
                    name: name.into(),
                    language: "ro".into(),
                    person_id: None,
                    consent_share: consent,
                    interview_id: None,
                    note: String::new(),
                },
            )
            .await
            .unwrap();
    }
    // A follow-up action (number 1) for the first partner, or for the owner itself.
    let assignee = partners.first().copied().unwrap_or(org);
    a.inspections()
        .record_inspection(
            &inspection,
            InspectionEntry::Action {
                assigned_org: assignee.to_string(),
                text: "Follow up".into(),
                due: None,
            },
        )
        .await
        .unwrap();
    let check = a
        .document_checks()
        .run_document_check(CheckInput {
            worker_label: "W1".into(),
            rule_set: "fr-construction-2025".into(),
            inspection_id: None,
            record_json: UNDERPAID.into(),
            payslips_csv: String::new(),
            timesheets_csv: String::new(),
        })
        .await
        .unwrap();
    let case = a
        .labour_cases()
        .open_labour_case(NewLabourCase {
            title: "Case".into(),
            claimant_name: "Claimant".into(),
            claimant_consent: true,
            check_id: Some(check.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let photo = a
        .inspections()
        .add_inspection_photo(&inspection, &png_with_gps())
        .await
        .unwrap();
    Records {
        employer,
        employer2,
        workplace,
        inspection,
        check,
        case,
        photo,
    }
}

struct World {
    f: Fixture,
    own: Records,
    other: Records,
    /// An inspection of the other organisation in which the own organisation takes part.
    partnered: String,
    partnered_photo: String,
    /// Spare organisations to add as partners (one per successful request).
    spare: Vec<OrgId>,
}

async fn world(db: &testing::TestDb) -> World {
    let f = fixture(db).await;
    let own = seed(&f.store, f.own.id, &[]).await;
    let other = seed(&f.store, f.other.id, &[]).await;
    let partnered_records = seed(&f.store, f.other.id, &[f.own.id]).await;
    let partnered = partnered_records.inspection.clone();
    let partnered_photo = partnered_records.photo;
    let mut spare = Vec::new();
    for i in 0..40 {
        spare.push(
            f.add_org(&format!("Spare {i}"), OrgKind::LabourInspectorate)
                .await,
        );
    }
    World {
        f,
        own,
        other,
        partnered,
        partnered_photo,
        spare,
    }
}

fn id_for(path: &str, r: &Records) -> String {
    let p = path.trim_start_matches("/api/v1");
    if p.starts_with("/employers/") {
        r.employer.clone()
    } else if p.starts_with("/workplaces/") {
        r.workplace.clone()
    } else if p.starts_with("/inspections/") {
        r.inspection.clone()
    } else if p.starts_with("/document-checks/") {
        r.check.clone()
    } else {
        r.case.clone()
    }
}

/// A valid body for each state-changing route (so that a denial is the only cause of failure).
fn body_for(
    w: &World,
    method: &str,
    path: &str,
    csrf: &str,
    n: usize,
) -> Option<(String, &'static str)> {
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    let own = &w.own;
    // Each request names an organisation not yet taking part.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let _ = n;
    let spare = || {
        let k = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        w.spare[k % w.spare.len()].to_string()
    };
    Some(match (method, path) {
        ("GET", _) => return None,
        ("POST", "/employers") => (
            form_body(&[("csrf", csrf), ("legal_name", "Matrix SA"), ("sector", "agriculture"), ("addresses", "1 Road\n2 Road")]),
            form,
        ),
        ("POST", "/workplaces") => (
            form_body(&[("csrf", csrf), ("employer_id", &own.employer), ("name", "Matrix site")]),
            form,
        ),
        ("POST", "/workplaces/{id}/chain") => (
            form_body(&[("csrf", csrf), ("employer_id", &own.employer2), ("role", "subcontractor"), ("contracted_by", &own.employer), ("collective_agreement", "CCN")]),
            form,
        ),
        ("POST", "/inspections") => (
            form_body(&[("csrf", csrf), ("workplace_id", &own.workplace), ("date", "2026-12-24"), ("legal_basis", "L8271-1"), ("checklist", "construction"), ("partner1", &spare()), ("partner1_kind", "police")]),
            form,
        ),
        ("POST", "/inspections/{id}/partners") => (
            form_body(&[("csrf", csrf), ("org_id", &spare()), ("kind", "tax_authority"), ("members", "A\nB")]),
            form,
        ),
        ("POST", "/inspections/{id}/entries") => (
            form_body(&[("csrf", csrf), ("kind", "finding"), ("text", "Matrix finding")]),
            form,
        ),
        ("POST", "/document-checks") => (
            form_body(&[
                ("csrf", csrf),
                ("worker_label", "Matrix worker"),
                ("rule_set", "fr-construction-2025"),
                ("start_date", "2025-01-06"),
                ("hourly_wage", "10.00"),
                ("weekly_hours", "35"),
                ("written_contract", "on"),
                ("period_start", "2025-03-01"),
                ("period_end", "2025-03-31"),
                ("hours_paid", "151.67"),
                ("gross", "1516.70"),
                ("net_paid", "1516.70"),
            ]),
            form,
        ),
        ("POST", "/inspections/{id}/actions/{n}/done") => (form_body(&[("csrf", csrf)]), form),
        ("POST", "/labour-cases") => (
            form_body(&[("csrf", csrf), ("title", "Matrix case"), ("claimant_name", "C"), ("claimant_consent", "on"), ("employer1", &own.employer)]),
            form,
        ),
        ("POST", "/labour-cases/{id}/entries") => (
            form_body(&[("csrf", csrf), ("kind", "hearing"), ("date", "2099-02-01"), ("court", "Court")]),
            form,
        ),
        ("POST", "/api/v1/employers") => (
            serde_json::json!({"legal_name": "Api SA", "sector": "cleaning"}).to_string(),
            json,
        ),
        ("POST", "/api/v1/workplaces") => (
            serde_json::json!({"employer_id": own.employer, "name": "Api site"}).to_string(),
            json,
        ),
        ("POST", "/api/v1/workplaces/{id}/chain") => (
            serde_json::json!({"employer_id": own.employer2, "role": "subcontractor", "contracted_by": own.employer}).to_string(),
            json,
        ),
        ("POST", "/api/v1/inspections") => (
            serde_json::json!({"workplace_id": own.workplace, "date": "2026-12-30", "legal_basis": "L", "checklist": "agriculture"}).to_string(),
            json,
        ),
        ("POST", "/api/v1/inspections/{id}/entries") => (
            serde_json::json!({"kind": "document", "document_kind": "payslip", "description": "March"}).to_string(),
            json,
        ),
        ("POST", "/api/v1/document-checks") => (
            serde_json::json!({"worker_label": "Api worker", "rule_set": "fr-construction-2025",
                "record": serde_json::from_str::<serde_json::Value>(UNDERPAID).unwrap()}).to_string(),
            json,
        ),
        ("POST", "/api/v1/labour-cases") => (
            serde_json::json!({"title": "Api case", "claimant_name": "C", "claimant_consent": true, "check_id": own.check}).to_string(),
            json,
        ),
        ("POST", "/api/v1/labour-cases/{id}/entries") => (
            serde_json::json!({"kind": "claim", "description": "Unpaid overtime", "amount": "120.50"}).to_string(),
            json,
        ),
        _ => panic!("no request body defined for {method} {path}: add one to the labour matrix"),
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rel {
    Own,
    Other,
    /// The other organisation's inspection in which the own organisation is a partner.
    Partner,
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_labour_route() {
    for db in testing::all().await {
        let w = world(&db).await;
        let mut failures = Vec::new();
        let mut cells = 0;
        let mut n = 0;
        let routes = ally_web::labour::routes();
        let rows = routes.table();
        for role in Role::ALL {
            for route in rows {
                let rels: &[Rel] = if route.path.starts_with("/inspections/{id}")
                    || route.path.starts_with("/api/v1/inspections/{id}")
                {
                    &[Rel::Own, Rel::Other, Rel::Partner]
                } else if route.path.contains("{id}") {
                    &[Rel::Own, Rel::Other]
                } else {
                    &[Rel::Own]
                };
                for &rel in rels {
                    n += 1;
                    let (session, csrf, api, _) = w.f.actors[&role].clone();
                    let id = match rel {
                        Rel::Own => id_for(route.path, &w.own),
                        Rel::Other => id_for(route.path, &w.other),
                        Rel::Partner => w.partnered.clone(),
                    };
                    let photo = match rel {
                        Rel::Own => w.own.photo.clone(),
                        Rel::Other => w.other.photo.clone(),
                        Rel::Partner => w.partnered_photo.clone(),
                    };
                    let path = route
                        .path
                        .replace("{id}", &id)
                        .replace("{photo}", &photo)
                        .replace("{n}", "1");
                    let mut b = Request::builder().method(route.method).uri(&path);
                    b = match route.auth {
                        Auth::Token => b.header(header::AUTHORIZATION, format!("Bearer {api}")),
                        _ => b.header(header::COOKIE, format!("ally_session={session}")),
                    };
                    let body = match (route.method, route.path) {
                        ("POST", "/inspections/{id}/photos") => {
                            b = b.header(
                                header::CONTENT_TYPE,
                                format!("multipart/form-data; boundary={BOUNDARY}"),
                            );
                            Body::from(multipart(&csrf, &png_with_gps()))
                        }
                        ("POST", "/api/v1/inspections/{id}/photos") => {
                            b = b.header(header::CONTENT_TYPE, "image/png");
                            Body::from(png_with_gps())
                        }
                        _ => match body_for(&w, route.method, route.path, &csrf, n) {
                            Some((body, ct)) => {
                                b = b.header(header::CONTENT_TYPE, ct);
                                Body::from(body)
                            }
                            None => Body::empty(),
                        },
                    };
                    let (status, headers, text) = send(&w.f.app, b.body(body).unwrap()).await;
                    cells += 1;
                    let ok = match rel {
                        Rel::Own => outcome_ok(route, role, true, status, &headers),
                        Rel::Other => outcome_ok(route, role, false, status, &headers),
                        Rel::Partner => {
                            let allowed = route.action.is_none_or(|a| role_allows(role, a));
                            if !allowed {
                                status == StatusCode::FORBIDDEN
                            } else if route.action == Some(Action::InspectionRead)
                                && !route.path.contains("{photo}")
                                || route.path.ends_with("/actions/{n}/done")
                            {
                                // Photos stay with the owner (they may show workers' faces).
                                status.is_success() || status == StatusCode::SEE_OTHER
                            } else {
                                status == StatusCode::NOT_FOUND
                            }
                        }
                    };
                    if !ok {
                        failures.push(format!(
                            "{role:?} {} {} ({rel:?}): got {status} {}",
                            route.method,
                            route.path,
                            text.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        println!(
            "labour matrix on {:?}: {cells} cells, {} unexpected",
            db.backend,
            failures.len()
        );
        assert!(cells > 400, "{cells}");
        assert!(
            failures.is_empty(),
            "unexpected outcomes:\n{}",
            failures.join("\n")
        );
        w.f.store.close().await;
        db.cleanup().await;
    }
}

async fn get(w: &World, role: Role, path: &str) -> (StatusCode, String) {
    let (session, _, _, _) = &w.f.actors[&role];
    let (status, _, body) = send(
        &w.f.app,
        Request::get(path)
            .header(header::COOKIE, format!("ally_session={session}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    (status, body)
}

async fn post_form(
    w: &World,
    role: Role,
    path: &str,
    pairs: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, String) {
    let (session, csrf, _, _) = &w.f.actors[&role];
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(pairs);
    send(
        &w.f.app,
        Request::post(path)
            .header(header::COOKIE, format!("ally_session={session}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&all)))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_partner_sees_consented_identities_only_and_the_owner_sees_all() {
    let db = testing::sqlite();
    let w = world(&db).await;
    // The own organisation is a partner of `partnered`: consented names only, "Worker 2" else.
    let (status, body) = get(
        &w,
        Role::UnionRepresentative,
        &format!("/inspections/{}", w.partnered),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(SHARED_WORKER));
    assert!(!body.contains(HIDDEN_WORKER));
    // Fluent isolates the number with U+2068/U+2069.
    assert!(body.contains("Worker \u{2068}2\u{2069}") || body.contains("Worker 2"));
    assert!(body.contains("id=\"partner-note\""));
    // No recording forms for a partner.
    assert!(!body.contains("id=\"finding-form\""));
    let (_, json) = get(
        &w,
        Role::UnionRepresentative,
        &format!("/inspections/{}/report.json", w.partnered),
    )
    .await;
    assert!(!json.contains(HIDDEN_WORKER));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["workers"][1]["name"], serde_json::Value::Null);
    assert_eq!(v["is_owner"], false);
    // The owner's own inspection shows both, with the interview link of the contract.
    let (_, body) = get(
        &w,
        Role::Coordinator,
        &format!("/inspections/{}", w.own.inspection),
    )
    .await;
    assert!(body.contains(SHARED_WORKER) && body.contains(HIDDEN_WORKER));
    assert!(body.contains(&format!(
        "/interviews/new?questionnaire=first_contact&#38;inspection={}",
        w.own.inspection
    )));
    // Photos: stored without the GPS text; a non-image is refused; partners get not-found.
    let (status, bytes) = get(
        &w,
        Role::Coordinator,
        &format!("/inspections/{}/photos/{}", w.own.inspection, w.own.photo),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        bytes.contains("pixels") && !bytes.contains("GPSPosition") && !bytes.contains("48.8566")
    );
    let (status, _) = get(
        &w,
        Role::Coordinator,
        &format!("/inspections/{}/photos/{}", w.partnered, w.partnered_photo),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (session, csrf, _, _) = &w.f.actors[&Role::Coordinator];
    let (status, _, body) = send(
        &w.f.app,
        Request::post(format!("/inspections/{}/photos", w.own.inspection))
            .header(header::COOKIE, format!("ally_session={session}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(csrf, b"%PDF-1.7 not an image")))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("not a JPEG or PNG image"));
    let photos =
        w.f.store
            .access(&coordinator(w.f.own.id), None)
            .inspections()
            .list_inspection_photos(&w.own.inspection)
            .await
            .unwrap();
    assert_eq!(photos.len(), 1, "the refused file was not stored");
    // A real photo is larger than the general 256 KiB request limit: the photo route allows it.
    let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
    big.extend(png_chunk(b"IHDR", &[0; 13]));
    big.extend(png_chunk(b"IDAT", &vec![7u8; 600 * 1024]));
    big.extend(png_chunk(b"IEND", b""));
    let (status, headers, _) = send(
        &w.f.app,
        Request::post(format!("/inspections/{}/photos", w.own.inspection))
            .header(header::COOKIE, format!("ally_session={session}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(csrf, &big)))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    let photos =
        w.f.store
            .access(&coordinator(w.f.own.id), None)
            .inspections()
            .list_inspection_photos(&w.own.inspection)
            .await
            .unwrap();
    assert_eq!(photos.len(), 2);
    assert!(photos[1].size > 600 * 1024);
    // Consent recorded through the page: both workers now share their identity.
    let (status, _, _) = post_form(
        &w,
        Role::Coordinator,
        &format!("/inspections/{}/entries", w.own.inspection),
        &[
            ("kind", "consent"),
            ("worker", "2"),
            ("consent_share", "on"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, body) = get(
        &w,
        Role::Coordinator,
        &format!("/inspections/{}", w.own.inspection),
    )
    .await;
    assert_eq!(body.matches("withdraws consent").count(), 2);
    // The inspection list of the partner shows the other organisation's inspection.
    let (_, list) = get(&w, Role::LawEnforcementLiaison, "/inspections").await;
    assert!(list.contains(&w.partnered));
    assert!(!list.contains(&w.other.inspection));
    // The document check shows the underpayment with its arithmetic; the case its claims.
    let (_, check) = get(
        &w,
        Role::Coordinator,
        &format!("/document-checks/{}", w.own.check),
    )
    .await;
    assert!(check.contains("Underpayment") && check.contains("151.67"));
    let (_, case) = get(
        &w,
        Role::Coordinator,
        &format!("/labour-cases/{}/summary", w.own.case),
    )
    .await;
    assert!(case.contains("class=\"printable\""));
    assert!(case.contains("underpayment"));
    w.f.store.close().await;
    db.cleanup().await;
}

async fn check_count(w: &World) -> usize {
    w.f.store
        .access(&coordinator(w.f.own.id), None)
        .document_checks()
        .list_document_checks(None)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_naming_row_and_field_and_writes_nothing() {
    for db in testing::all().await {
        let w = world(&db).await;
        let before = check_count(&w).await;
        let base = [
            ("worker_label", "W"),
            ("rule_set", "fr-construction-2025"),
            ("start_date", "2025-01-06"),
            ("hourly_wage", "12.00"),
            ("weekly_hours", "35"),
        ];
        let cases: &[(&[(&str, &str)], &str)] = &[
            // Malformed CSV: a row with a non-number.
            (
                &[(
                    "payslips_csv",
                    "period_start,period_end,hours_paid,gross,net_paid\n2025-04-01,2025-04-30,151.67,abc,1000\n",
                )],
                "line 2, column `gross`",
            ),
            // Negative hours in the timesheets.
            (
                &[(
                    "timesheets_csv",
                    "date,hours\n2025-04-02,8\n2025-04-03,-4\n",
                )],
                "line 3, column `hours`",
            ),
            // Dates out of order.
            (
                &[(
                    "payslips_csv",
                    "period_start,period_end,hours_paid,gross,net_paid\n2025-04-30,2025-04-01,151.67,1800,1400\n",
                )],
                "column `period_end`",
            ),
            // The payslip entered in the form, with negative hours.
            (
                &[
                    ("period_start", "2025-03-01"),
                    ("period_end", "2025-03-31"),
                    ("hours_paid", "-1"),
                    ("gross", "1"),
                    ("net_paid", "1"),
                ],
                "payslips[0].hours_paid",
            ),
            // A missing required CSV column.
            (&[("timesheets_csv", "day,hours\n2025-04-02,8\n")], "date"),
        ];
        for (extra, expected) in cases {
            let mut pairs = base.to_vec();
            pairs.extend_from_slice(extra);
            let (status, _, body) =
                post_form(&w, Role::UnionRepresentative, "/document-checks", &pairs).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
            assert!(body.contains(expected), "{expected} not in the error page");
            assert!(body.contains("id=\"form-errors\""));
        }
        assert_eq!(check_count(&w).await, before, "nothing half-imported");
        // The API names the field too.
        let (_, _, api, _) = &w.f.actors[&Role::Coordinator];
        let (status, _, body) = send(
            &w.f.app,
            Request::post("/api/v1/document-checks")
                .header(header::AUTHORIZATION, format!("Bearer {api}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({"worker_label": "W", "rule_set": "fr-construction-2025",
                        "record": {"contract": {"start_date": "2025-01-06", "weekly_hours": "-35",
                            "written_contract": true, "work_permit_required": false,
                            "work_permit_present": false, "identity_documents_retained": false},
                            "payslips": [], "timesheets": []}})
                    .to_string(),
                ))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.contains("contract.weekly_hours"), "{body}");
        assert_eq!(check_count(&w).await, before);

        // Forms of the other sections: a clear message naming the field, nothing written.
        let employers = |w: &World| {
            let store = w.f.store.clone();
            let org = w.f.own.id;
            async move {
                store
                    .access(&coordinator(org), None)
                    .employers()
                    .list_employers()
                    .await
                    .unwrap()
                    .len()
            }
        };
        let n = employers(&w).await;
        let (status, _, body) = post_form(
            &w,
            Role::Coordinator,
            "/employers",
            &[("legal_name", "X"), ("sector", "piracy")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Sector: not one of the allowed values"));
        assert_eq!(employers(&w).await, n);
        let (status, _, body) = post_form(
            &w,
            Role::Coordinator,
            "/inspections",
            &[
                ("workplace_id", &w.own.workplace),
                ("date", "2026-02-30"),
                ("legal_basis", "L"),
                ("checklist", "construction"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("Date: not a date"));
        let (status, _, body) = post_form(
            &w,
            Role::Coordinator,
            "/labour-cases",
            &[("title", "T"), ("claimant_name", "C")],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("consents to the case"));
        let (status, _, body) = post_form(
            &w,
            Role::Coordinator,
            &format!("/labour-cases/{}/entries", w.own.case),
            &[
                ("kind", "evidence"),
                ("description", "D"),
                ("sha256", "xyz"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("64 hexadecimal digits"));
        let (status, _, _) = post_form(
            &w,
            Role::Coordinator,
            &format!("/inspections/{}/entries", w.own.inspection),
            &[("kind", "nonsense")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // A follow-up action for an organisation that does not take part is refused.
        let (status, _, body) = post_form(
            &w,
            Role::Coordinator,
            &format!("/inspections/{}/entries", w.own.inspection),
            &[
                ("kind", "action"),
                ("assigned_org", &w.f.other.id.to_string()),
                ("text", "T"),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("not taking part in this inspection"));
        w.f.store.close().await;
        db.cleanup().await;
    }
}
