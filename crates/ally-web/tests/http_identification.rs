//! HTTP tests of the identification module, in-process, on SQLite and (when configured)
//! PostgreSQL: the authorisation matrix over every route of the module (every role × route ×
//! own/other organisation), and bad input (malformed ids, unknown or irrelevant questions,
//! wrong states) answered with a clear 4xx that changes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use ally_core::authz::{Principal, Role};
use ally_core::questionnaire::answer::NOT_IDENTIFIED_CHILD;
use ally_core::screening::Answer;
use ally_store::{InterviewId, NewInterview, Store, testing};
use ally_web::route::{Auth, Route};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// How far an interview made for a cell has gone.
#[derive(Clone, Copy)]
enum Stage {
    Fresh,
    Consented,
    Answered,
    Finished,
}

/// An interview of `org` at `stage`, held by `by` (or by a colleague when `None`).
async fn interview(
    store: &Store,
    org: ally_core::OrgId,
    stage: Stage,
    by: Option<ally_core::UserId>,
) -> InterviewId {
    let p = Principal {
        user_id: by.unwrap_or_default(),
        org_id: org,
        roles: vec![Role::Coordinator],
    };
    let a = store.access(&p, None);
    let id = a
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: "child".into(),
            interviewer_lang: "fr".into(),
            interviewee_lang: "ar".into(),
            person_id: None,
            inspection_id: None,
        })
        .await
        .unwrap();
    if matches!(stage, Stage::Fresh) {
        return id;
    }
    a.interviews()
        .record_interview_consent(id, true)
        .await
        .unwrap();
    if matches!(stage, Stage::Consented) {
        return id;
    }
    for (q, v) in NOT_IDENTIFIED_CHILD {
        a.interviews()
            .answer_interview(id, q, &[(*v).to_owned()], false)
            .await
            .unwrap();
    }
    if matches!(stage, Stage::Finished) {
        a.interviews()
            .finish_interview(id, &[("act_of_trafficking_established".into(), Answer::No)])
            .await
            .unwrap();
    }
    id
}

/// The stage a route needs, and a valid body for it (a request that succeeds when allowed).
fn cell(route: &Route, csrf: &str) -> (Stage, Option<(String, &'static str)>) {
    let f = |pairs: &[(&str, &str)]| Some((form_body(pairs), FORM));
    let j = |v: serde_json::Value| Some((v.to_string(), JSON));
    match (route.method, route.path) {
        ("POST", "/interviews") => (
            Stage::Fresh,
            f(&[
                ("csrf", csrf),
                ("questionnaire", "child"),
                ("interviewee_lang", "ar"),
            ]),
        ),
        ("POST", "/interviews/{id}/consent") => {
            (Stage::Fresh, f(&[("csrf", csrf), ("consent", "yes")]))
        }
        ("POST", "/interviews/{id}/answer") => (
            Stage::Consented,
            f(&[("csrf", csrf), ("question", "ch_age"), ("value", "15")]),
        ),
        ("POST", "/interviews/{id}/finish") => (
            Stage::Answered,
            f(&[
                ("csrf", csrf),
                ("fact_act_of_trafficking_established", "no"),
            ]),
        ),
        ("POST", "/interviews/{id}/stop") => (Stage::Consented, f(&[("csrf", csrf)])),
        ("POST", "/questionnaires/{id}/{lang}") => (
            Stage::Fresh,
            f(&[
                ("csrf", csrf),
                ("key", "fc_migrated.label"),
                ("text", "هل انتقلت من بلد آخر للقيام بهذا العمل؟"),
            ]),
        ),
        ("POST", "/questionnaires/{id}/questions") => (
            Stage::Fresh,
            f(&[
                ("csrf", csrf),
                ("label", "Does someone else keep your bank card?"),
                (
                    "indicator",
                    "adult_labour.coercion_at_destination.withholding_of_wages",
                ),
                ("yes_means", "present"),
            ]),
        ),
        ("POST", "/api/v1/interviews") => (
            Stage::Fresh,
            j(serde_json::json!({"questionnaire": "child", "interviewee_language": "ar"})),
        ),
        ("POST", "/api/v1/interviews/{id}/consent") => {
            (Stage::Fresh, j(serde_json::json!({"given": true})))
        }
        ("POST", "/api/v1/interviews/{id}/answers") => (
            Stage::Consented,
            j(serde_json::json!({"question": "ch_age", "value": 15})),
        ),
        ("POST", "/api/v1/interviews/{id}/finish") => (
            Stage::Answered,
            j(serde_json::json!({"facts": {"act_of_trafficking_established": "no"}})),
        ),
        ("GET", "/interviews/{id}/question") => (Stage::Consented, None),
        ("GET", _) => (Stage::Finished, None),
        (m, p) => panic!("no request defined for {m} {p}: add one to the matrix test"),
    }
}

#[tokio::test]
async fn authorisation_matrix_every_role_every_identification_route_own_and_other() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let routes = ally_web::identification::routes();
        let rows = routes.table();
        let mut failures = Vec::new();
        let mut cells = 0;
        for role in Role::ALL {
            for route in rows {
                assert!(matches!(route.auth, Auth::Session | Auth::Token));
                let relations: &[bool] = if route.path.contains("/interviews/{id}") {
                    &[true, false]
                } else {
                    &[true]
                };
                for &own in relations {
                    let (_, csrf, _, _) = f.actors[&role].clone();
                    let (stage, body) = cell(route, &csrf);
                    let org = if own { f.own.id } else { f.other.id };
                    let path = if route.path.starts_with("/questionnaires/") {
                        route
                            .path
                            .replace("{id}", "first_contact")
                            .replace("{lang}", "ar")
                    } else if route.path.contains("{id}") {
                        // In the own organisation the actor holds the interview (conducting
                        // reaches one's own interviews; reading, the organisation's).
                        let by = own.then_some(f.actors[&role].3);
                        let id = interview(&f.store, org, stage, by).await;
                        route.path.replace("{id}", &id.to_string())
                    } else {
                        route.path.to_owned()
                    };
                    let mut b = request_as(&f, role, route, &path);
                    let body = match body {
                        Some((text, ct)) => {
                            b = b.header(header::CONTENT_TYPE, ct);
                            Body::from(text)
                        }
                        None => Body::empty(),
                    };
                    let (status, headers, text) = send(&f.app, b.body(body).unwrap()).await;
                    cells += 1;
                    if !outcome_ok(route, role, own, status, &headers) {
                        failures.push(format!(
                            "{role:?} {} {} ({}): got {status} {}",
                            route.method,
                            route.path,
                            if own { "own" } else { "other org" },
                            text.chars().take(200).collect::<String>()
                        ));
                    }
                }
            }
        }
        println!("identification matrix on {:?}: {cells} cells", db.backend);
        assert!(cells >= 8 * rows.len(), "{cells}");
        assert!(failures.is_empty(), "unexpected:\n{}", failures.join("\n"));
        f.store.close().await;
        db.cleanup().await;
    }
}

fn page(f: &Fixture, role: Role, method: &str, path: &str) -> axum::http::request::Builder {
    let (session, _, _, _) = &f.actors[&role];
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("ally_session={session}"))
}

fn api(f: &Fixture, role: Role, method: &str, path: &str) -> axum::http::request::Builder {
    let (_, _, token, _) = &f.actors[&role];
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
}

async fn version(f: &Fixture, id: InterviewId) -> i64 {
    let p = who(f.own.id, &[Role::Coordinator]);
    f.store
        .access(&p, None)
        .interviews()
        .get_interview(id)
        .await
        .unwrap()
        .0
        .version
}

async fn interview_count(f: &Fixture) -> usize {
    let p = who(f.own.id, &[Role::Coordinator]);
    f.store
        .access(&p, None)
        .interviews()
        .list_interviews(ally_store::Page::new(0, 100))
        .await
        .unwrap()
        .items
        .len()
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let r = Role::Interviewer;
        let (_, csrf, _, _) = f.actors[&r].clone();
        let id = interview(&f.store, f.own.id, Stage::Consented, None).await;
        let v0 = version(&f, id).await;
        let post = |path: String, pairs: Vec<(&'static str, String)>| {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            page(&f, r, "POST", &path)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(form_body(&pairs)))
                .unwrap()
        };
        let answer = format!("/interviews/{id}/answer");

        // Unknown question: 400 naming the field.
        let (s, _, body) = send(
            &f.app,
            post(
                answer.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("question", "made_up".into()),
                    ("value", "yes".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("not part of the questionnaire"), "{body}");
        // A question not asked given the answers (only after "migrated = yes").
        let (s, _, body) = send(
            &f.app,
            post(
                answer.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("question", "ch_documents".into()),
                    ("value", "yes".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert!(body.contains("not asked given the answers"), "{body}");
        // A choice the question does not offer, and no answer at all: the question again.
        let (s, _, body) = send(
            &f.app,
            post(
                answer.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("question", "ch_lives_with_family".into()),
                    ("value", "perhaps".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("answer-error"), "{body}");
        let (s, _, _) = send(
            &f.app,
            post(
                answer.clone(),
                vec![("csrf", csrf.clone()), ("question", "ch_age".into())],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _, _) = send(
            &f.app,
            post(
                answer.clone(),
                vec![
                    ("csrf", csrf.clone()),
                    ("question", "ch_age".into()),
                    ("value", "fifteen".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Missing CSRF token.
        let (s, _, _) = send(
            &f.app,
            post(
                answer.clone(),
                vec![("question", "ch_age".into()), ("value", "15".into())],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // Finishing with questions left: 409.
        let (s, _, _) = send(
            &f.app,
            post(
                format!("/interviews/{id}/finish"),
                vec![("csrf", csrf.clone())],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(version(&f, id).await, v0, "nothing written");

        // Malformed and unknown ids: 404.
        for path in [
            "/interviews/not-a-uuid".to_owned(),
            "/interviews/not-a-uuid/question".to_owned(),
            format!("/interviews/{}/result", uuid::Uuid::now_v7()),
        ] {
            let (s, _, _) = send(
                &f.app,
                page(&f, r, "GET", &path).body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        }
        let (s, _, body) = send(
            &f.app,
            api(&f, r, "POST", "/api/v1/interviews/xyz/answers")
                .header(header::CONTENT_TYPE, JSON)
                .body(Body::from(r#"{"question":"ch_age","value":15}"#))
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");

        // API: unknown question, wrong value type, unknown field: 400 naming the field.
        for (json, field) in [
            (r#"{"question":"made_up","value":"yes"}"#, Some("question")),
            (r#"{"question":"ch_age","value":{"a":1}}"#, None),
            (r#"{"question":"ch_age","value":15,"extra":1}"#, None),
        ] {
            let (s, _, body) = send(
                &f.app,
                api(&f, r, "POST", &format!("/api/v1/interviews/{id}/answers"))
                    .header(header::CONTENT_TYPE, JSON)
                    .body(Body::from(json))
                    .unwrap(),
            )
            .await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{json}: {body}");
            if let Some(field) = field {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert_eq!(v["fields"][0]["field"], field, "{body}");
            }
        }
        assert_eq!(version(&f, id).await, v0, "nothing written");

        // A finished interview takes no more answers: 409, page and API.
        let done = interview(&f.store, f.own.id, Stage::Finished, None).await;
        let vd = version(&f, done).await;
        let (s, _, _) = send(
            &f.app,
            post(
                format!("/interviews/{done}/answer"),
                vec![
                    ("csrf", csrf.clone()),
                    ("question", "ch_age".into()),
                    ("value", "16".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _, _) = send(
            &f.app,
            api(&f, r, "POST", &format!("/api/v1/interviews/{done}/answers"))
                .header(header::CONTENT_TYPE, JSON)
                .body(Body::from(r#"{"question":"ch_age","value":16}"#))
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(version(&f, done).await, vd);

        // Starting: a malformed person id or an unknown questionnaire creates nothing.
        let n = interview_count(&f).await;
        for pairs in [
            vec![
                ("csrf", csrf.clone()),
                ("questionnaire", "child".into()),
                ("interviewee_lang", "ar".into()),
                ("person", "123".into()),
            ],
            vec![
                ("csrf", csrf.clone()),
                ("questionnaire", "nope".into()),
                ("interviewee_lang", "ar".into()),
            ],
            vec![
                ("csrf", csrf.clone()),
                ("questionnaire", "child".into()),
                ("interviewee_lang", "klingon".into()),
            ],
        ] {
            let (s, _, body) = send(&f.app, post("/interviews".into(), pairs)).await;
            assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
            assert!(body.contains("refusal"), "{body}");
        }
        let (s, _, _) = send(
            &f.app,
            api(&f, r, "POST", "/api/v1/interviews")
                .header(header::CONTENT_TYPE, JSON)
                .body(Body::from(
                    r#"{"questionnaire":"child","interviewee_language":"ar","person_id":"x"}"#,
                ))
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(interview_count(&f).await, n);

        // Review: unknown key 400, unknown language or questionnaire 404.
        let (s, _, _) = send(
            &f.app,
            post(
                "/questionnaires/first_contact/ar".into(),
                vec![
                    ("csrf", csrf.clone()),
                    ("key", "nope.label".into()),
                    ("text", "x".into()),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        for path in [
            "/questionnaires/first_contact/xx",
            "/questionnaires/nope/ar",
        ] {
            let (s, _, _) = send(
                &f.app,
                page(&f, r, "GET", path).body(Body::empty()).unwrap(),
            )
            .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{path}");
        }
        f.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_question_page_is_bilingual_with_the_interviewee_text_right_to_left() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let id = interview(&f.store, f.own.id, Stage::Consented, None).await;
    let (s, _, body) = send(
        &f.app,
        page(
            &f,
            Role::Interviewer,
            "GET",
            &format!("/interviews/{id}/question"),
        )
        .header(header::ACCEPT_LANGUAGE, "fr")
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // The interviewee's text (Arabic, a machine translation) beside the interviewer's.
    assert!(
        body.contains(r#"class="bi-other" lang="ar" dir="rtl""#),
        "{body}"
    );
    assert!(body.contains("class=\"unreviewed\""), "{body}");
    assert!(body.contains("/static/identification.css"));
    // Guidance: the four sections, including the safe contact channel.
    assert!(body.contains("guidance"));
    let (s, h, _) = send(
        &f.app,
        Request::get("/static/identification.css")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    f.store.close().await;
}

#[tokio::test]
async fn the_result_page_explains_the_outcome_and_links_to_a_protected_case() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    let p = who(f.own.id, &[Role::Caseworker]);
    let a = f.store.access(&p, None);
    let id = a
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: "adult_labour".into(),
            interviewer_lang: "en".into(),
            interviewee_lang: "ro".into(),
            person_id: Some(f.own.person),
            inspection_id: None,
        })
        .await
        .unwrap();
    a.interviews()
        .record_interview_consent(id, true)
        .await
        .unwrap();
    for (q, v) in ally_core::questionnaire::answer::PRESUMED_VICTIM_ADULT_LABOUR {
        a.interviews()
            .answer_interview(id, q, &[(*v).to_owned()], false)
            .await
            .unwrap();
    }
    a.interviews().finish_interview(id, &[]).await.unwrap();
    let (s, _, body) = send(
        &f.app,
        page(
            &f,
            Role::Caseworker,
            "GET",
            &format!("/interviews/{id}/result"),
        )
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains(r#"data-outcome="outcome-presumed""#),
        "{body}"
    );
    assert!(body.contains("Presumed victim"));
    assert!(body.contains("Decisive indicators") && body.contains("at least"));
    // An English reader gets the catalogue's English labels, marked English, not flagged.
    assert!(
        body.contains(r#"<span class="catalogue-label" lang="en" dir="ltr">Misled about the kind of work, where it is, or who the employer is</span>"#),
        "{body}"
    );
    // The ILO 11 list is not usable for a verdict: the page says why.
    assert!(body.contains(r#"data-outcome="outcome-indicators""#));
    assert!(body.contains("No verdict for this set"));
    let person = f.own.person;
    // Askama escapes `&` in attributes as `&#38;`, which the browser reads back as `&`.
    let hrefs = body.replace("&#38;", "&");
    assert!(
        hrefs.contains(&format!(
            r#"href="/cases/new?interview={id}&person={person}""#
        )),
        "{body}"
    );
    assert!(hrefs.contains(&format!(
        r#"href="/cases/new?interview={id}&person={person}&then=refer""#
    )));
    // The printable record (interview.read) carries the answers; the API gives the outcome.
    let (s, _, body) = send(
        &f.app,
        page(&f, Role::Caseworker, "GET", &format!("/interviews/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("identification.css") && body.contains("Answers"));
    let (s, _, body) = send(
        &f.app,
        api(
            &f,
            Role::Caseworker,
            "GET",
            &format!("/api/v1/interviews/{id}"),
        )
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["state"], "finished");
    assert_eq!(v["outcomes"][0]["outcome"], "presumed_victim");
    assert_eq!(v["person_id"], person.to_string());
    f.store.close().await;
}

/// Switches an actor of the fixture to another interface language.
async fn speak(f: &Fixture, role: Role, locale: &str) {
    let (session, _, _, _) = &f.actors[&role];
    let info = f.store.session(session).await.unwrap().unwrap();
    f.store.set_locale(&info, locale).await.unwrap();
}

#[tokio::test]
async fn a_french_result_page_explains_the_rule_in_french() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    speak(&f, Role::Caseworker, "fr").await;
    let p = who(f.own.id, &[Role::Caseworker]);
    let a = f.store.access(&p, None);
    let id = a
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: "adult_labour".into(),
            interviewer_lang: "fr".into(),
            interviewee_lang: "ar".into(),
            person_id: None,
            inspection_id: None,
        })
        .await
        .unwrap();
    a.interviews()
        .record_interview_consent(id, true)
        .await
        .unwrap();
    for (q, v) in ally_core::questionnaire::answer::PRESUMED_VICTIM_ADULT_LABOUR {
        a.interviews()
            .answer_interview(id, q, &[(*v).to_owned()], false)
            .await
            .unwrap();
    }
    a.interviews().finish_interview(id, &[]).await.unwrap();
    for path in [
        format!("/interviews/{id}/result"),
        format!("/interviews/{id}"),
    ] {
        let (s, _, body) = send(
            &f.app,
            page(&f, Role::Caseworker, "GET", &path)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{path}");
        // The outcome's explanation: the rule, its parts and the dimensions present.
        assert!(body.contains("Victime présumée selon la"), "{body}");
        assert!(body.contains("règle pour les adultes"), "{body}");
        assert!(body.contains("recrutement trompeur"), "{body}");
        assert!(body.contains("établi"), "{body}");
        // The clause each decisive indicator satisfied.
        assert!(body.contains("au moins"), "{body}");
        // The decisive indicators' labels: the French translation (data/indicators/labels),
        // marked French and flagged as not reviewed by a human, no English catalogue label.
        let decisive = &body[body.find(r#"<ul class="decisive">"#).unwrap()..];
        let decisive = &decisive[..decisive.find("</ul>").unwrap()];
        assert!(
            decisive.contains(
                r#"<span class="catalogue-label" lang="fr" dir="ltr">Trompé(e) sur la nature du travail, son lieu ou l&#39;identité de l&#39;employeur <abbr class="unreviewed""#
            ),
            "{decisive}"
        );
        assert!(!decisive.contains(r#"lang="en""#), "{decisive}");
        assert!(!decisive.contains("Misled about"), "{decisive}");
        // The ILO 11 indicators found, in French too.
        assert!(
            body.contains(r#"<span class="catalogue-label" lang="fr" dir="ltr">Tromperie <abbr"#),
            "{body}"
        );
        // The ILO 11 note and the caveat.
        assert!(body.contains("Convention n° 29"), "{body}");
        assert!(body.contains("pas une identification légale"), "{body}");
        // No English left from the engine.
        for english in [
            "Presumed victim under rule",
            "at least",
            "deceptive_recruitment",
            "Both elements of ILO",
            "not a legal identification",
        ] {
            assert!(!body.contains(english), "{english} in {body}");
        }
    }
    f.store.close().await;
}

#[tokio::test]
async fn consent_and_guidance_are_reviewed_in_the_translators_ui_and_flagged_until_then() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    speak(&f, Role::Interviewer, "fr").await;
    let (_, csrf, _, _) = f.actors[&Role::Interviewer].clone();
    // The list offers the consent step and guidance next to the questionnaires.
    let (s, _, body) = send(
        &f.app,
        page(&f, Role::Interviewer, "GET", "/questionnaires")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains(r#"href="/questionnaires/interview_texts/fr""#),
        "{body}"
    );
    // Before any review: the French consent and guidance are flagged in the interview.
    let me = f.actors[&Role::Interviewer].3;
    let id = interview(&f.store, f.own.id, Stage::Fresh, Some(me)).await;
    let consent = |f: &Fixture| {
        page(
            f,
            Role::Interviewer,
            "GET",
            &format!("/interviews/{id}/consent"),
        )
        .body(Body::empty())
        .unwrap()
    };
    let (s, _, body) = send(&f.app, consent(&f)).await;
    assert_eq!(s, StatusCode::OK);
    let flags_before = body.matches(r#"class="unreviewed""#).count();
    assert!(flags_before > 0, "{body}");
    // The review page lists every consent and guidance string, unreviewed.
    let (s, _, body) = send(
        &f.app,
        page(
            &f,
            Role::Interviewer,
            "GET",
            "/questionnaires/interview_texts/fr",
        )
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("consent.access.body") && body.contains("guidance.safe_contact.title"));
    assert!(!body.contains(r#"class="tag reviewed""#), "{body}");
    // Correct the consent text and confirm a guidance title.
    let review = |key: &str, text: &str| {
        page(
            &f,
            Role::Interviewer,
            "POST",
            "/questionnaires/interview_texts/fr",
        )
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(format!(
            "csrf={csrf}&key={key}&text={}",
            urlencoding(text)
        )))
        .unwrap()
    };
    let (s, _, _) = send(
        &f.app,
        review("consent.access.body", "Texte relu par notre traductrice."),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(
        &f.app,
        review("guidance.safe_contact.title", "Canal de contact sûr (relu)"),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = send(&f.app, review("guidance.safe_contact.body", "Corps relu.")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, body) = send(
        &f.app,
        page(
            &f,
            Role::Interviewer,
            "GET",
            "/questionnaires/interview_texts/fr",
        )
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body.matches(r#"class="tag reviewed""#).count(), 3, "{body}");
    // The interview shows the reviewed texts without their flags (the consent section in
    // French, the guidance section); the interviewee's Arabic stays flagged.
    let (s, _, body) = send(&f.app, consent(&f)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Texte relu par notre traductrice."), "{body}");
    assert!(body.contains("Canal de contact sûr (relu)"), "{body}");
    assert_eq!(
        body.matches(r#"class="unreviewed""#).count(),
        flags_before - 2,
        "{body}"
    );
    // Bad input: an unknown key, English, a role without translation.review.
    let (s, _, _) = send(&f.app, review("consent.nope.body", "x")).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _, _) = send(
        &f.app,
        page(
            &f,
            Role::Interviewer,
            "POST",
            "/questionnaires/interview_texts/en",
        )
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(format!(
            "csrf={csrf}&key=consent.access.body&text=x"
        )))
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = send(
        &f.app,
        page(
            &f,
            Role::Caseworker,
            "GET",
            "/questionnaires/interview_texts/fr",
        )
        .body(Body::empty())
        .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    f.store.close().await;
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn an_undecided_result_names_the_questions_that_would_decide_it_in_the_readers_language() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    speak(&f, Role::Caseworker, "fr").await;
    let p = who(f.own.id, &[Role::Caseworker]);
    let a = f.store.access(&p, None);
    let id = a
        .interviews()
        .start_interview(NewInterview {
            questionnaire_id: "first_contact".into(),
            interviewer_lang: "fr".into(),
            interviewee_lang: "uk".into(),
            person_id: None,
            inspection_id: None,
        })
        .await
        .unwrap();
    a.interviews()
        .record_interview_consent(id, true)
        .await
        .unwrap();
    // Every question declined: nothing is known, so the outcome is undecided.
    loop {
        let (rec, q) = a.interviews().interview_to_conduct(id).await.unwrap();
        let Some(next) = ally_core::questionnaire::next_question(&q, &rec.answers) else {
            break;
        };
        a.interviews()
            .answer_interview(id, next, &[], true)
            .await
            .unwrap();
    }
    a.interviews().finish_interview(id, &[]).await.unwrap();
    let (s, _, body) = send(
        &f.app,
        page(&f, Role::Caseworker, "GET", &format!("/interviews/{id}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains(r#"data-outcome="outcome-undecided""#),
        "{body}"
    );
    assert!(body.contains("Indécis selon la"), "{body}");
    let undecided = &body[body.find(r#"<ul class="undecided">"#).unwrap()..];
    let undecided = &undecided[..undecided.find("</ul>").unwrap()];
    assert!(undecided.contains("Question(s) posée(s)"), "{undecided}");
    assert!(
        undecided.contains("Êtes-vous venu(e) d&#39;un autre pays pour faire ce travail ?")
            || undecided.contains("Le travail que vous faites est-il le même"),
        "{undecided}"
    );
    f.store.close().await;
}

#[tokio::test]
async fn the_indicators_offered_for_an_own_question_are_labelled_in_the_readers_language() {
    let db = testing::sqlite();
    let f = fixture(&db).await;
    speak(&f, Role::Coordinator, "es").await;
    let (s, _, body) = send(
        &f.app,
        page(&f, Role::Coordinator, "GET", "/questionnaires")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let select = &body[body.find(r#"<select id="indicator-adult_labour""#).unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        select.contains(
            r#"<option value="adult_labour.deceptive_recruitment.deceived_about_wages" lang="es" dir="ltr">Engaño sobre el salario o los ingresos (adult_labour.deceptive_recruitment.deceived_about_wages)</option>"#
        ),
        "{select}"
    );
    assert!(
        select.contains(r#"lang="es" dir="ltr">Engaño (ilo11.deception)</option>"#),
        "{select}"
    );
    assert!(!select.contains(r#"lang="en""#), "{select}");
    // Options cannot hold the flag: it stands next to the list's label.
    let label = &body[body
        .find(r#"<label for="indicator-adult_labour">"#)
        .unwrap()..];
    let label = &label[..label.find("</label>").unwrap()];
    assert!(label.contains(r#"<abbr class="unreviewed""#), "{label}");
    f.store.close().await;
}
