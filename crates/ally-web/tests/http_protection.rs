//! HTTP tests of the protection module (issue 4), in-process, on SQLite and (when configured)
//! PostgreSQL: the authorisation matrix (every role × every protection route × own/other
//! organisation), the referral grant cells (recipient sees only the shared fields;
//! non-recipient, after revocation and after consent withdrawal: 404), the negative paths (no
//! consent: referral refused with a clear message, nothing written) and bad input.
#![allow(clippy::unwrap_used)]

mod common;

use ally_core::OrgId;
use ally_core::authz::Role;
use ally_core::org::OrgKind;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseId, ConsentId, ConsentPurpose, FieldGroup, ProceedingsStage, ReferralAction, ReferralId,
    ServiceKind, ServiceStatus, VictimRole,
};
use ally_store::protection::{
    CaseContent, NewCase, NewConsent, NewReferralForm, NewService, SafetyPlan,
};
use ally_store::{NewUser, Page, Store, testing};
use ally_web::route::Auth;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

fn consent_to(to: OrgId, scope: &[FieldGroup]) -> NewConsent {
    NewConsent {
        purpose: ConsentPurpose::Referral,
        recipients: [to].into_iter().collect(),
        scope: scope.iter().copied().collect(),
        language: "ro".into(),
        given: true,
        date: None,
        valid_until: None,
        guardian: None,
    }
}

fn referral(to: OrgId, fields: &[FieldGroup]) -> NewReferralForm {
    NewReferralForm {
        to_org: to,
        service: None,
        reason: ReferralReason::AdditionalServicesRequired,
        details: "Bed needed tonight".into(),
        fields: fields.iter().copied().collect(),
    }
}

async fn new_case(store: &Store, org: OrgId, reference: &str) -> CaseId {
    store
        .access(&coordinator(org), None)
        .cases()
        .create_case(NewCase {
            content: CaseContent {
                reference: reference.into(),
                summary: "Recruited with false promises".into(),
                health: "Untreated injury".into(),
                needs: "Urgent accommodation".into(),
                safety: SafetyPlan {
                    risk: "high".into(),
                    code_word: "green lantern".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap()
}

/// Fresh records of one organisation for one matrix cell.
struct Ids {
    case: CaseId,
    consent: ConsentId,
    proceedings: String,
    /// A user and a person of the organisation.
    user: String,
    person: String,
    /// Sent by the organisation to the partner.
    referral_out: ReferralId,
    /// Sent by the partner to the organisation.
    referral_in: ReferralId,
    /// Sent by the organisation, accepted by the partner (the lead can be handed over).
    referral_accepted: ReferralId,
    /// Sent by the partner, accepted by the organisation, lead transfer proposed by the partner.
    referral_lead: ReferralId,
    /// A service request and a plan task of the case.
    service: String,
    task: String,
}

async fn fresh(store: &Store, org: OrgId, partner: OrgId) -> Ids {
    let b = coordinator(org);
    let a = store.access(&b, None);
    let case = new_case(store, org, "Matrix case").await;
    let consent = a
        .consents()
        .record_consent(
            case,
            consent_to(partner, &[FieldGroup::Needs, FieldGroup::CaseSummary]),
        )
        .await
        .unwrap();
    let referral_out = a
        .referrals()
        .send_referral(case, referral(partner, &[FieldGroup::Needs]))
        .await
        .unwrap();
    let proceedings = a
        .judicial()
        .add_proceedings(
            case,
            ProceedingsStage::ComplaintFiled,
            VictimRole::Witness,
            time::OffsetDateTime::now_utc().date(),
            "",
        )
        .await
        .unwrap();
    let pb = coordinator(partner);
    let pa = store.access(&pb, None);
    let pcase = new_case(store, partner, "Partner case").await;
    pa.consents()
        .record_consent(pcase, consent_to(org, &[FieldGroup::Needs]))
        .await
        .unwrap();
    let referral_in = pa
        .referrals()
        .send_referral(pcase, referral(org, &[FieldGroup::Needs]))
        .await
        .unwrap();
    let user = store
        .add_user_operator(
            org,
            NewUser {
                email: format!("{}@matrix.test", uuid::Uuid::now_v7()),
                display_name: "Assignable".into(),
                roles: vec![Role::Caseworker],
                password: PASSWORD.into(),
                locale: "en".into(),
            },
        )
        .await
        .unwrap()
        .to_string();
    let person = store
        .access(&who(org, &[Role::Caseworker]), None)
        .persons()
        .create_person(person_form("Linked").validate(2026).unwrap())
        .await
        .unwrap()
        .to_string();
    let referral_accepted = a
        .referrals()
        .send_referral(case, referral(partner, &[FieldGroup::Needs]))
        .await
        .unwrap();
    pa.referrals()
        .act_on_referral(referral_accepted, ReferralAction::Accept)
        .await
        .unwrap();
    let referral_lead = pa
        .referrals()
        .send_referral(pcase, referral(org, &[FieldGroup::Needs]))
        .await
        .unwrap();
    a.referrals()
        .act_on_referral(referral_lead, ReferralAction::Accept)
        .await
        .unwrap();
    pa.lead_transfers()
        .propose_lead_transfer(referral_lead)
        .await
        .unwrap();
    let service = a
        .services()
        .add_service(
            case,
            NewService {
                kind: ServiceKind::MedicalCare,
                provider_org: None,
                start_on: None,
                end_on: None,
                status: ServiceStatus::Requested,
                outcome: String::new(),
            },
        )
        .await
        .unwrap();
    let task = a
        .services()
        .add_task(case, "Call the lawyer", None, None)
        .await
        .unwrap();
    Ids {
        service,
        task,
        referral_accepted,
        referral_lead,
        user,
        person,
        case,
        consent,
        proceedings,
        referral_out,
        referral_in,
    }
}

fn body_for(path: &str, csrf: &str, partner: OrgId, ids: &Ids) -> Option<(String, &'static str)> {
    let form = "application/x-www-form-urlencoded";
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let json = "application/json";
    let f = |pairs: &[(&str, &str)]| {
        let mut v = vec![("csrf", csrf)];
        v.extend_from_slice(pairs);
        (form_body(&v), form)
    };
    let partner = partner.to_string();
    Some(match path {
        "/cases" => f(&[("reference", "New matrix case")]),
        "/cases/{id}/details" => f(&[("reference", "Renamed"), ("version", "1"), ("risk", "low")]),
        "/cases/{id}/transition" => f(&[("action", "start_assistance")]),
        "/cases/{id}/caseworkers" => f(&[("user", &ids.user)]),
        "/cases/{id}/persons" => f(&[("person", &ids.person), ("role", "relative")]),
        "/cases/{id}/services" => f(&[("kind", "medical_care"), ("status", "requested")]),
        "/cases/{id}/tasks" => f(&[("task", "Call the lawyer")]),
        "/services/{id}" => f(&[("status", "in_progress"), ("outcome", "Seen")]),
        "/tasks/{id}" => f(&[("done", "on")]),
        "/api/v1/services/{id}" => (serde_json::json!({"status": "in_progress"}).to_string(), json),
        "/api/v1/tasks/{id}" => (serde_json::json!({"done": true}).to_string(), json),
        "/cases/{id}/proceedings" => f(&[("stage", "complaint_filed"), ("victim_role", "witness"), ("opened_on", &today)]),
        "/cases/{id}/proceedings/advance" => f(&[("proceedings", &ids.proceedings), ("stage", "investigation")]),
        "/cases/{id}/court-dates" => f(&[("on", "2030-01-15"), ("accompanied", "on")]),
        "/cases/{id}/permits" => f(&[("applied_on", &today), ("decision", "pending")]),
        "/cases/{id}/compensation" => f(&[("filed_on", &today), ("currency", "EUR"), ("claimed", "1200.50")]),
        "/cases/{id}/consents" => f(&[("purpose", "services"), ("scope", "needs"), ("language", "ro"), ("decision", "given")]),
        "/consents/{id}/withdraw"
        | "/referrals/{id}/accept"
        | "/referrals/{id}/lead"
        | "/referrals/{id}/lead/accept"
        | "/referrals/{id}/lead/decline" => f(&[]),
        "/cases/{id}/referrals" => f(&[("to_org", &partner), ("reason", "Other"), ("fields", "needs")]),
        "/referrals/{id}/decline" | "/referrals/{id}/revoke" => f(&[("reason", "No capacity")]),
        "/cases/{id}/erase" => f(&[("confirm", "ERASE")]),
        "/directory" => f(&[("regions", "North"), ("services", "safe_accommodation")]),
        "/api/v1/referrals/{id}/actions" => (serde_json::json!({"action": "accept"}).to_string(), json),
        "/api/v1/consents/{id}/withdraw" => (String::new(), json),
        "/api/v1/cases" => (serde_json::json!({"reference": "Api case"}).to_string(), json),
        "/api/v1/cases/{id}/services" => (serde_json::json!({"kind": "interpretation", "status": "delivered"}).to_string(), json),
        "/api/v1/cases/{id}/consents" => (
            serde_json::json!({"purpose": "services", "scope": ["needs"], "language": "fr", "given": true}).to_string(),
            json,
        ),
        "/api/v1/cases/{id}/referrals" => (
            serde_json::json!({"to_org": partner, "reason": "Other", "fields": ["needs"]}).to_string(),
            json,
        ),
        "/api/v1/cases/{id}/proceedings" => (
            serde_json::json!({"stage": "investigation", "victim_role": "civil_party", "opened_on": today}).to_string(),
            json,
        ),
        _ => return None,
    })
}

fn id_for(path: &str, ids: &Ids) -> String {
    if path.starts_with("/services/") || path.starts_with("/api/v1/services/") {
        ids.service.clone()
    } else if path.starts_with("/tasks/") || path.starts_with("/api/v1/tasks/") {
        ids.task.clone()
    } else if path == "/referrals/{id}/lead" {
        ids.referral_accepted.to_string()
    } else if path.starts_with("/referrals/{id}/lead/") {
        ids.referral_lead.to_string()
    } else if path.starts_with("/consents/") || path.starts_with("/api/v1/consents/") {
        ids.consent.to_string()
    } else if path.starts_with("/referrals/{id}/revoke") {
        ids.referral_out.to_string()
    } else if path.starts_with("/referrals/{id}") || path.starts_with("/api/v1/referrals/{id}") {
        // Accept and decline are the recipient's acts: a referral sent to the organisation.
        ids.referral_in.to_string()
    } else {
        ids.case.to_string()
    }
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_protection_route_own_and_other() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let partner = f.add_org("Partner Shelter", OrgKind::Shelter).await;
        let routes = ally_web::protection::routes();
        let rows = routes.table();
        let mut failures = Vec::new();
        let mut cells = 0;
        for role in Role::ALL {
            for route in rows {
                assert!(matches!(route.auth, Auth::Session | Auth::Token));
                let relations: &[bool] = if route.path.contains("{id}") {
                    &[true, false]
                } else {
                    &[true]
                };
                for &own in relations {
                    let org = if own { &f.own } else { &f.other };
                    let ids = fresh(&f.store, org.id, partner).await;
                    let (_, csrf, _, _) = f.actors[&role].clone();
                    let path = route.path.replace("{id}", &id_for(route.path, &ids));
                    let mut b = request_as(&f, role, route, &path);
                    let body = match route.method {
                        "GET" => Body::empty(),
                        _ => {
                            let (body, ct) = body_for(route.path, &csrf, partner, &ids)
                                .unwrap_or_else(|| {
                                    panic!("no body for {} {}", route.method, route.path)
                                });
                            b = b.header(header::CONTENT_TYPE, ct);
                            Body::from(body)
                        }
                    };
                    let (status, headers, text) = send(&f.app, b.body(body).unwrap()).await;
                    cells += 1;
                    if !outcome_ok(route, role, own, status, &headers) {
                        failures.push(format!(
                            "{role:?} {} {} ({}): got {status} {}",
                            route.method,
                            route.path,
                            if own { "own" } else { "other org" },
                            text.chars().take(160).collect::<String>()
                        ));
                    }
                }
            }
        }
        println!(
            "protection matrix on {:?}: {cells} cells, {} unexpected",
            db.backend,
            failures.len()
        );
        let expected: usize = rows
            .iter()
            .map(|r| if r.path.contains("{id}") { 2 } else { 1 })
            .sum::<usize>()
            * Role::ALL.len();
        assert_eq!(cells, expected);
        assert!(
            failures.is_empty(),
            "unexpected outcomes:\n{}",
            failures.join("\n")
        );
        f.store.close().await;
        db.cleanup().await;
    }
}

/// Signs in a new caseworker of `org` and returns (session, csrf, api token).
async fn actor(store: &Store, org: OrgId, email: &str) -> (String, String, String) {
    let id = store
        .add_user_operator(
            org,
            NewUser {
                email: email.into(),
                display_name: "Grant tester".into(),
                roles: vec![Role::Caseworker],
                password: PASSWORD.into(),
                locale: "en".into(),
            },
        )
        .await
        .unwrap();
    let step = store.sign_in(email, PASSWORD, None).await.unwrap();
    let csrf = store
        .session(&step.token)
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    let api = store.create_api_token(id, "grant", None).await.unwrap();
    (step.token, csrf, api)
}

async fn get(app: &axum::Router, session: &str, path: &str) -> (StatusCode, String) {
    let (s, _, b) = send(
        app,
        Request::get(path)
            .header(header::COOKIE, format!("ally_session={session}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    (s, b)
}

async fn post(
    app: &axum::Router,
    session: &str,
    path: &str,
    pairs: &[(&str, &str)],
) -> (StatusCode, String) {
    let (s, _, b) = send(
        app,
        Request::post(path)
            .header(header::COOKIE, format!("ally_session={session}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(pairs)))
            .unwrap(),
    )
    .await;
    (s, b)
}

#[tokio::test]
async fn referral_grants_recipient_non_recipient_revocation_and_withdrawal() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let partner = f.add_org("Partner Shelter", OrgKind::Shelter).await;
        let (p_session, p_csrf, p_api) = actor(&f.store, partner, "cw@partner.test").await;
        let (o_session, _, o_api) = actor(&f.store, f.other.id, "cw@other.test").await;
        let (cw_session, cw_csrf, _, _) = f.actors[&Role::Caseworker].clone();
        let case = new_case(&f.store, f.own.id, "Grant case").await;
        let path = format!("/cases/{case}");

        // No consent: the referral is refused with a clear message, nothing is written.
        let (s, body) = post(
            &f.app,
            &cw_session,
            &format!("/cases/{case}/referrals"),
            &[
                ("csrf", &cw_csrf),
                ("to_org", &partner.to_string()),
                ("reason", "Other"),
                ("fields", "needs"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("referral refused"), "{body}");
        assert!(body.contains("no consent"), "{body}");
        let ob = coordinator(f.own.id);
        let own = f.store.access(&ob, None);
        assert!(own.referrals().list_referrals().await.unwrap().1.is_empty());
        assert_eq!(
            get(&f.app, &p_session, &path).await.0,
            StatusCode::NOT_FOUND
        );

        // Consent through the page, then referral of two groups.
        let (s, _) = post(
            &f.app,
            &cw_session,
            &format!("/cases/{case}/consents"),
            &[
                ("csrf", &cw_csrf),
                ("purpose", "referral"),
                ("recipients", &partner.to_string()),
                ("scope", "needs"),
                ("scope", "case_summary"),
                ("scope", "contact"),
                ("language", "ro"),
                ("decision", "given"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, body) = post(
            &f.app,
            &cw_session,
            &format!("/cases/{case}/referrals"),
            &[
                ("csrf", &cw_csrf),
                ("to_org", &partner.to_string()),
                ("reason", "Other"),
                ("fields", "needs"),
                ("fields", "contact"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");

        // Recipient: exactly the shared fields.
        let (s, body) = get(&f.app, &p_session, &path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("Urgent accommodation"), "needs are shared");
        assert!(
            body.contains("green lantern"),
            "the safety plan travels with contact"
        );
        assert!(!body.contains("Untreated injury"), "health is not shared");
        assert!(
            !body.contains("Recruited with false promises"),
            "the summary is not shared"
        );
        assert!(!body.contains("Grant case"), "identity is not shared");
        let (s, _, json) = send(
            &f.app,
            Request::get(format!("/api/v1/cases/{case}"))
                .header(header::AUTHORIZATION, format!("Bearer {p_api}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["view"], "shared");
        let groups: Vec<&String> = v["fields"].as_object().unwrap().keys().collect();
        assert_eq!(groups, ["contact", "needs"]);
        // The recipient cannot change the case.
        let (s, _) = post(
            &f.app,
            &p_session,
            &format!("/cases/{case}/transition"),
            &[("csrf", &p_csrf), ("action", "start_assistance")],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Non-recipient: 404, page and API.
        assert_eq!(
            get(&f.app, &o_session, &path).await.0,
            StatusCode::NOT_FOUND
        );
        let (s, _, _) = send(
            &f.app,
            Request::get(format!("/api/v1/cases/{case}"))
                .header(header::AUTHORIZATION, format!("Bearer {o_api}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // The recipient accepts in its inbox; both sides see the status.
        let (_, out) = own.referrals().list_referrals().await.unwrap();
        let rid = out[0].referral.id;
        let (s, _) = post(
            &f.app,
            &p_session,
            &format!("/referrals/{rid}/accept"),
            &[("csrf", &p_csrf)],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, inbox) = get(&f.app, &p_session, "/referrals").await;
        assert!(inbox.contains("Accepted"));
        let (_, view) = get(&f.app, &cw_session, &path).await;
        assert!(view.contains("Accepted"));

        // After consent withdrawal: 404 at once.
        let consent = own
            .cases()
            .open_case(case)
            .await
            .map(|o| match o {
                ally_store::OpenedCase::Full(v) => v.consents[0].record.id,
                _ => panic!(),
            })
            .unwrap();
        let (s, _) = post(
            &f.app,
            &cw_session,
            &format!("/consents/{consent}/withdraw"),
            &[("csrf", &cw_csrf)],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            get(&f.app, &p_session, &path).await.0,
            StatusCode::NOT_FOUND
        );

        // A new consent and referral, then revocation by the sender: 404 again.
        own.consents()
            .record_consent(case, consent_to(partner, &[FieldGroup::Needs]))
            .await
            .unwrap();
        let rid = own
            .referrals()
            .send_referral(case, referral(partner, &[FieldGroup::Needs]))
            .await
            .unwrap();
        assert_eq!(get(&f.app, &p_session, &path).await.0, StatusCode::OK);
        let (s, _) = post(
            &f.app,
            &cw_session,
            &format!("/referrals/{rid}/revoke"),
            &[("csrf", &cw_csrf), ("reason", "Placed elsewhere")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        assert_eq!(
            get(&f.app, &p_session, &path).await.0,
            StatusCode::NOT_FOUND
        );
        // A revoked referral cannot be accepted afterwards.
        let (s, _) = post(
            &f.app,
            &p_session,
            &format!("/referrals/{rid}/accept"),
            &[("csrf", &p_csrf)],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        f.store.close().await;
        db.cleanup().await;
    }
}

async fn api_post(
    app: &axum::Router,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> (StatusCode, String) {
    let (s, _, b) = send(
        app,
        Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await;
    (s, b)
}

/// A referral of one service request through the pages and the API: the recipient sees the
/// request, becomes its provider on accepting, updates it (page and API) and nothing else; a
/// non-recipient gets 404; after revocation the provider gets 404 too. Tasks are changed
/// through the page.
#[tokio::test]
async fn service_referral_and_service_and_task_updates_over_http() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let partner = f.add_org("Partner Clinic", OrgKind::Shelter).await;
        let (p_session, p_csrf, p_api) = actor(&f.store, partner, "cw@clinic.test").await;
        let (_, _, o_api) = actor(&f.store, f.other.id, "cw2@other.test").await;
        let (cw_session, cw_csrf, _, _) = f.actors[&Role::Caseworker].clone();
        let ob = coordinator(f.own.id);
        let own = f.store.access(&ob, None);
        let case = new_case(&f.store, f.own.id, "Service case").await;
        let path = format!("/cases/{case}");
        own.consents()
            .record_consent(case, consent_to(partner, &[FieldGroup::Needs]))
            .await
            .unwrap();
        let new_service = |kind| NewService {
            kind,
            provider_org: None,
            start_on: None,
            end_on: None,
            status: ServiceStatus::Requested,
            outcome: String::new(),
        };
        let medical = own
            .services()
            .add_service(case, new_service(ServiceKind::MedicalCare))
            .await
            .unwrap();
        let legal = own
            .services()
            .add_service(case, new_service(ServiceKind::LegalCounselling))
            .await
            .unwrap();
        // The referral form offers the open service requests.
        let (_, form) = get(&f.app, &cw_session, &format!("/cases/{case}/refer")).await;
        assert!(form.contains(&format!("value=\"{medical}\"")), "{form}");
        let (s, body) = post(
            &f.app,
            &cw_session,
            &format!("/cases/{case}/referrals"),
            &[
                ("csrf", &cw_csrf),
                ("to_org", &partner.to_string()),
                ("service", &medical),
                ("reason", "Other"),
                ("fields", "needs"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
        let (_, out) = own.referrals().list_referrals().await.unwrap();
        let rid = out[0].referral.id;
        // Before accepting: the request is shown, without an update form.
        let (s, body) = get(&f.app, &p_session, &path).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains("referred-services") && body.contains("Medical care"));
        assert!(!body.contains(&format!("action=\"/services/{medical}\"")));
        let (s, _) = post(
            &f.app,
            &p_session,
            &format!("/referrals/{rid}/accept"),
            &[("csrf", &p_csrf)],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, body) = get(&f.app, &p_session, &path).await;
        assert!(
            body.contains(&format!("action=\"/services/{medical}\"")),
            "{body}"
        );
        // The provider updates it through the page, then the API.
        let (s, _) = post(
            &f.app,
            &p_session,
            &format!("/services/{medical}"),
            &[
                ("csrf", &p_csrf),
                ("case", &case.to_string()),
                ("status", "in_progress"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (s, b) = api_post(
            &f.app,
            &p_api,
            &format!("/api/v1/services/{medical}"),
            serde_json::json!({"status": "delivered", "outcome": "Seen by a doctor"}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (_, view) = get(&f.app, &cw_session, &path).await;
        assert!(view.contains("Seen by a doctor"));
        assert!(
            view.contains("<td class=\"status\">delivered</td>"),
            "{view}"
        );
        // An invalid change: 422 on the page, 400 on the API, nothing written.
        let (s, body) = post(
            &f.app,
            &cw_session,
            &format!("/services/{medical}"),
            &[
                ("csrf", &cw_csrf),
                ("case", &case.to_string()),
                ("status", "requested"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            body.contains("this change of status is not allowed"),
            "{body}"
        );
        let (s, _) = api_post(
            &f.app,
            &p_api,
            &format!("/api/v1/services/{medical}"),
            serde_json::json!({"status": "sideways"}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        // Nothing else: not the other service, not the case's tasks; not a non-recipient.
        let (s, _) = api_post(
            &f.app,
            &p_api,
            &format!("/api/v1/services/{legal}"),
            serde_json::json!({"status": "in_progress"}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let task = own
            .services()
            .add_task(
                case,
                "Call the clinic",
                None,
                Some(time::OffsetDateTime::now_utc().date()),
            )
            .await
            .unwrap();
        let (s, _) = api_post(
            &f.app,
            &p_api,
            &format!("/api/v1/tasks/{task}"),
            serde_json::json!({"done": true}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = api_post(
            &f.app,
            &o_api,
            &format!("/api/v1/services/{medical}"),
            serde_json::json!({"status": "delivered"}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Revoked: the provider gets 404. (This referral is sent through the API.)
        let (s, b) = api_post(
            &f.app,
            &f.actors[&Role::Caseworker].2,
            &format!("/api/v1/cases/{case}/referrals"),
            serde_json::json!({"to_org": partner.to_string(), "reason": "Other",
                "fields": ["needs"], "service_id": legal}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let rid2: ReferralId = serde_json::from_str::<serde_json::Value>(&b).unwrap()["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let (_, _, listed) = send(
            &f.app,
            Request::get("/api/v1/referrals")
                .header(header::AUTHORIZATION, format!("Bearer {p_api}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let listed: serde_json::Value = serde_json::from_str(&listed).unwrap();
        let incoming = listed["incoming"].as_array().unwrap();
        let it = incoming
            .iter()
            .find(|r| r["id"] == rid2.to_string())
            .unwrap();
        assert_eq!(it["service_id"], legal.as_str());
        assert_eq!(it["service_kind"], "legal_counselling");
        own.referrals()
            .act_on_referral(
                rid2,
                ReferralAction::Revoke {
                    reason: "No".into(),
                },
            )
            .await
            .unwrap();
        let (s, _) = api_post(
            &f.app,
            &p_api,
            &format!("/api/v1/services/{legal}"),
            serde_json::json!({"status": "in_progress"}),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // The lead marks the task done through the page: the case shows it done.
        let (s, _) = post(
            &f.app,
            &cw_session,
            &format!("/tasks/{task}"),
            &[
                ("csrf", &cw_csrf),
                ("case", &case.to_string()),
                ("done", "on"),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER);
        let (_, view) = get(&f.app, &cw_session, &path).await;
        assert!(
            view.contains(&format!("class=\"task done\" id=\"task-{task}\"")),
            "{view}"
        );
        let (s, b) = api_post(
            &f.app,
            &f.actors[&Role::Caseworker].2,
            &format!("/api/v1/tasks/{task}"),
            serde_json::json!({"due_on": "not a date"}),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
        f.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_naming_the_field_and_writes_nothing() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let (s_cw, csrf, api, _) = f.actors[&Role::Caseworker].clone();
    let count = || async {
        f.store
            .access(&coordinator(f.own.id), None)
            .cases()
            .list_cases(None, Page::default())
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    let (s, body) = post(
        &f.app,
        &s_cw,
        "/cases",
        &[("csrf", &csrf), ("reference", "  ")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Case reference: this is required."), "{body}");
    let (s, body) = post(
        &f.app,
        &s_cw,
        "/cases",
        &[
            ("csrf", &csrf),
            ("reference", "X"),
            ("identified_on", "31/12/2025"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("Identified on: enter a date"), "{body}");
    let (s, _) = post(
        &f.app,
        &s_cw,
        "/cases",
        &[
            ("csrf", &csrf),
            ("reference", "X"),
            ("interview", "not-a-uuid"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = post(
        &f.app,
        &s_cw,
        "/cases",
        &[("csrf", "wrong"), ("reference", "X")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(count().await, before);

    let case = new_case(&f.store, f.own.id, "Input case").await;
    let cases = |p: &str| format!("/cases/{case}/{p}");
    for (p, pairs, needle) in [
        (
            "services",
            vec![("kind", "teleportation"), ("status", "requested")],
            "Kind: this value is not valid.",
        ),
        (
            "compensation",
            vec![
                ("filed_on", "2026-01-01"),
                ("currency", "EUR"),
                ("claimed", "12,50"),
            ],
            "Claimed: enter an amount",
        ),
        (
            "transition",
            vec![
                ("action", "start_reflection"),
                ("start", "2026-01-01"),
                ("country", "FR"),
                ("days", "10"),
            ],
            "Days: the reflection period is at least 30 days",
        ),
        (
            "transition",
            vec![("action", "start_follow_up")],
            "Action: not allowed",
        ),
        (
            "consents",
            vec![
                ("purpose", "referral"),
                ("scope", "needs"),
                ("language", "ro"),
                ("decision", "given"),
            ],
            "Recipients: name the organisations",
        ),
        ("court-dates", vec![("on", "soon")], "Date: enter a date"),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(pairs);
        let (s, body) = post(&f.app, &s_cw, &cases(p), &all).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert!(body.contains(needle), "{p}: {needle} not in page");
    }
    let ally_store::OpenedCase::Full(v) = f
        .store
        .access(&coordinator(f.own.id), None)
        .cases()
        .open_case(case)
        .await
        .unwrap()
    else {
        panic!()
    };
    assert!(
        v.services.is_empty()
            && v.compensation.is_empty()
            && v.consents.is_empty()
            && v.court_dates.is_empty()
    );
    assert_eq!(v.lifecycle.state().as_str(), "identified");

    // API: a clear 400 with the field.
    let (s, _, body) = send(
        &f.app,
        Request::post("/api/v1/cases")
            .header(header::AUTHORIZATION, format!("Bearer {api}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"reference": ""}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(body.contains("\"field\":\"reference\""), "{body}");
    // Unknown ids: 404, never 500.
    assert_eq!(
        get(&f.app, &s_cw, "/cases/not-an-id").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&f.app, &s_cw, &format!("/cases/{}", CaseId::new()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    f.store.close().await;
}

#[tokio::test]
async fn dossier_zip_holds_only_consented_fields_and_verifies() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let (s_cw, _, _, _) = f.actors[&Role::Caseworker].clone();
    let partner = f.add_org("Law firm", OrgKind::LegalAid).await;
    let case = new_case(&f.store, f.own.id, "Dossier case").await;
    f.store
        .access(&coordinator(f.own.id), None)
        .consents()
        .record_consent(case, consent_to(partner, &[FieldGroup::Needs]))
        .await
        .unwrap();
    let (s, headers, _) = send(
        &f.app,
        Request::get(format!("/cases/{case}/dossier"))
            .header(header::COOKIE, format!("ally_session={s_cw}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "application/zip");
    // The content itself is checked through the same builder the handler uses.
    let data = f
        .store
        .access(&coordinator(f.own.id), None)
        .lifecycle()
        .dossier(case)
        .await
        .unwrap();
    let tr = ally_web::I18n::load().unwrap().tr("en");
    let files = ally_web::protection::dossier::build(&data, &tr);
    let map: std::collections::BTreeMap<String, Vec<u8>> = files.iter().cloned().collect();
    assert_eq!(ally_web::protection::dossier::verify(&map).unwrap(), 1);
    let json = String::from_utf8(map["dossier.json"].clone()).unwrap();
    assert!(json.contains("Urgent accommodation"));
    assert!(
        !json.contains("Untreated injury"),
        "health was not consented"
    );
    assert!(!json.contains("green lantern"));
    let mut tampered = map.clone();
    tampered.insert("dossier.html".into(), b"<p>forged</p>".to_vec());
    let err = ally_web::protection::dossier::verify(&tampered).unwrap_err();
    assert!(err.contains("dossier.html does not match"), "{err}");
    f.store.close().await;
}
