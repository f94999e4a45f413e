//! The identification store (interviews, translation reviews) on SQLite and PostgreSQL:
//! the flow's states, sealed answers, authorisation and audit.
#![allow(clippy::unwrap_used)]

use ally_core::authz::{Denied, Role};
use ally_core::org::OrgKind;
use ally_core::questionnaire::answer::{InterviewState, PRESUMED_VICTIM_ADULT_LABOUR};
use ally_core::questionnaire::{AnswerValue, next_question};
use ally_core::screening::{Answer, Outcome};
use ally_store::testing::{self, TestDb};
use ally_store::{AuditFilter, NewInterview, Page, StoreError};

mod common;

use common::{World, count, raw};

async fn world(db: &TestDb) -> World {
    World::builder()
        .second_factor(true)
        .org("ngo", "NGO", OrgKind::Ngo)
        .org("other", "Other", OrgKind::Ngo)
        .user("interviewer", "ngo", &[Role::Interviewer])
        .user("focal_point", "ngo", &[Role::CommunityFocalPoint])
        .user("other_org", "other", &[Role::Caseworker])
        .user("auditor", "ngo", &[Role::Auditor])
        .user("coordinator", "ngo", &[Role::Coordinator])
        .build(db)
        .await
}

fn new(q: &str, lang: &str) -> NewInterview {
    NewInterview {
        questionnaire_id: q.into(),
        interviewer_lang: "fr".into(),
        interviewee_lang: lang.into(),
        person_id: None,
        inspection_id: None,
    }
}

#[tokio::test]
async fn an_interview_goes_from_consent_to_a_presumed_victim_with_sealed_audited_answers() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), Some("10.1.1.1"));
        let id = a
            .interviews()
            .start_interview(new("adult_labour", "ar"))
            .await
            .unwrap();

        // No answer before consent.
        let r = a
            .interviews()
            .answer_interview(id, "al_migrated", &["yes".into()], false)
            .await;
        assert!(
            matches!(r, Err(StoreError::Conflict("consent_missing"))),
            "{r:?}"
        );
        a.interviews()
            .record_interview_consent(id, true)
            .await
            .unwrap();
        let r = a.interviews().record_interview_consent(id, true).await;
        assert!(matches!(
            r,
            Err(StoreError::Conflict("consent_already_given"))
        ));

        // Finishing early is refused.
        let r = a.interviews().finish_interview(id, &[]).await;
        assert!(matches!(r, Err(StoreError::Conflict("questions_remain"))));

        for (q, v) in PRESUMED_VICTIM_ADULT_LABOUR {
            a.interviews()
                .answer_interview(id, q, &[(*v).to_owned()], false)
                .await
                .unwrap();
        }
        // Back and correct: the first answer changed, then restored.
        a.interviews()
            .answer_interview(id, "al_hours", &[], true)
            .await
            .unwrap();
        let (rec, q) = a.interviews().interview_to_conduct(id).await.unwrap();
        assert_eq!(rec.answers.get("al_hours"), Some(&AnswerValue::Declined));
        a.interviews()
            .answer_interview(id, "al_hours", &["yes".into()], false)
            .await
            .unwrap();
        let (rec, _) = a.interviews().interview_to_conduct(id).await.unwrap();
        assert_eq!(next_question(&q, &rec.answers), None);
        assert_eq!(
            rec.answers.get("al_recruiter"),
            Some(&AnswerValue::Choices(vec!["agency".into()]))
        );
        a.interviews().finish_interview(id, &[]).await.unwrap();

        let (rec, _) = w
            .store
            .access(w.user("coordinator"), None)
            .interviews()
            .get_interview(id)
            .await
            .unwrap();
        assert_eq!(rec.state, InterviewState::Finished);
        assert!(rec.consent_at_ms.is_some());
        assert!(rec.consent_sections.contains(&"stop".to_string()));
        assert_eq!(rec.interviewee_lang, "ar");
        assert_eq!(
            rec.outcomes,
            vec![
                ("adult_labour".to_string(), Outcome::PresumedVictim),
                ("ilo11".to_string(), Outcome::IndicatorsOnly)
            ]
        );
        // Over: nothing more is accepted.
        let r = a
            .interviews()
            .answer_interview(id, "al_hours", &["no".into()], false)
            .await;
        assert!(matches!(r, Err(StoreError::Conflict("interview_closed"))));
        assert!(matches!(
            a.interviews().stop_interview(id).await,
            Err(StoreError::Conflict("interview_closed"))
        ));

        // Audit: every step, with ids and codes only.
        let events = w
            .store
            .access(w.user("auditor"), None)
            .audit_log()
            .audit_events(
                AuditFilter {
                    target_id: Some(id.to_string()),
                    ..Default::default()
                },
                200,
            )
            .await
            .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
        for expected in [
            "interview.start",
            "interview.consent",
            "interview.answer",
            "interview.finish",
            "interview.read",
        ] {
            assert!(actions.contains(&expected), "{expected} in {actions:?}");
        }
        assert_eq!(
            actions.iter().filter(|a| **a == "interview.answer").count(),
            PRESUMED_VICTIM_ADULT_LABOUR.len() + 2
        );
        for e in &events {
            assert!(!e.event.detail.contains("agency") && !e.event.detail.contains("al_"));
        }
        w.store.close().await;

        // At rest: the sealed column holds neither question ids nor chosen answers.
        let mut c = raw(&db).await;
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT sealed FROM interviews")
            .fetch_all(&mut c)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        for r in rows {
            let text = String::from_utf8_lossy(&r);
            assert!(!text.contains("al_recruiter") && !text.contains("agency"));
            assert!(!text.contains("yes") && !text.contains("declined"));
        }
        if let Some(path) = db.sqlite_path() {
            for p in [path.clone(), path.with_extension("db-wal")] {
                if let Ok(bytes) = std::fs::read(&p) {
                    assert!(
                        !String::from_utf8_lossy(&bytes).contains("al_recruiter"),
                        "{} holds answers in clear",
                        p.display()
                    );
                }
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_answers_are_refused_with_the_field_and_nothing_is_written() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), None);
        let id = a
            .interviews()
            .start_interview(new("first_contact", "fr"))
            .await
            .unwrap();
        a.interviews()
            .record_interview_consent(id, true)
            .await
            .unwrap();
        let before = count(&db, "SELECT version FROM interviews").await;
        let cases: &[(&str, &[&str], &str, &str)] = &[
            ("no_such_question", &["yes"], "question", "unknown_question"),
            // Only asked after "migrated = yes".
            ("fc_papers_truth", &["no"], "question", "not_relevant"),
            ("fc_migrated", &["maybe"], "value", "unknown_choice"),
            ("fc_migrated", &[], "value", "missing"),
            ("fc_migrated", &["yes", "no"], "value", "too_many"),
        ];
        for (q, vals, field, code) in cases {
            let vals: Vec<String> = vals.iter().map(|s| s.to_string()).collect();
            match a.interviews().answer_interview(id, q, &vals, false).await {
                Err(StoreError::Invalid(f)) => {
                    assert_eq!((f[0].field, f[0].code), (*field, *code), "{q}")
                }
                other => panic!("{q}: {other:?}"),
            }
        }
        assert_eq!(count(&db, "SELECT version FROM interviews").await, before);
        // Bad starts: unknown questionnaire, unknown language, a person of nobody.
        let mut bad = new("nope", "fr");
        assert!(matches!(
            a.interviews().start_interview(bad.clone()).await,
            Err(StoreError::Invalid(_))
        ));
        bad = new("first_contact", "xx");
        assert!(matches!(
            a.interviews().start_interview(bad.clone()).await,
            Err(StoreError::Invalid(_))
        ));
        bad = new("first_contact", "fr");
        bad.person_id = Some(ally_core::PersonId::new());
        assert!(matches!(
            a.interviews().start_interview(bad).await,
            Err(StoreError::Invalid(_))
        ));
        // Unknown fact at finish.
        let r = a
            .interviews()
            .finish_interview(id, &[("made_up".into(), Answer::Yes)])
            .await;
        assert!(r.is_err());
        assert_eq!(count(&db, "SELECT COUNT(*) FROM interviews").await, 1);
        // Refusing consent stops the interview.
        let id2 = a
            .interviews()
            .start_interview(new("child", "ti"))
            .await
            .unwrap();
        a.interviews()
            .record_interview_consent(id2, false)
            .await
            .unwrap();
        let (rec, _) = a.interviews().interview_to_conduct(id2).await.unwrap();
        assert_eq!(rec.state, InterviewState::Stopped);
        assert!(rec.consent_at_ms.is_none() && rec.answers.is_empty());
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn interviews_belong_to_their_organisation_and_roles_are_enforced() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), None);
        let id = a
            .interviews()
            .start_interview(new("first_contact", "es"))
            .await
            .unwrap();

        // Another organisation: not found, for reading and for conducting.
        let o = w.store.access(w.user("other_org"), None);
        for r in [
            o.interviews().get_interview(id).await.map(|_| ()),
            o.interviews().interview_to_conduct(id).await.map(|_| ()),
            o.interviews().record_interview_consent(id, true).await,
            o.interviews().stop_interview(id).await,
        ] {
            assert!(
                matches!(r, Err(StoreError::Denied(Denied::OtherOrganisation))),
                "{r:?}"
            );
        }
        assert_eq!(
            o.interviews()
                .list_interviews(Page::default())
                .await
                .unwrap()
                .items
                .len(),
            0
        );

        // An auditor neither reads nor conducts; a focal point conducts but does not read the
        // organisation's list, only their own interviews.
        let au = w.store.access(w.user("auditor"), None);
        assert!(matches!(
            au.interviews().get_interview(id).await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        assert!(matches!(
            au.interviews()
                .start_interview(new("first_contact", "es"))
                .await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        let fp = w.store.access(w.user("focal_point"), None);
        assert!(matches!(
            fp.interviews().list_interviews(Page::default()).await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        let mine = fp
            .interviews()
            .start_interview(new("first_contact", "tl"))
            .await
            .unwrap();
        let own = fp
            .interviews()
            .list_my_interviews(Page::default())
            .await
            .unwrap();
        assert_eq!(
            own.items.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![mine]
        );
        let all = a
            .interviews()
            .list_interviews(Page::default())
            .await
            .unwrap();
        assert_eq!(all.items.len(), 2);
        // The focal point conducts their own interview, but cannot open a colleague's (its
        // answers and result), while the interviewer, who reads interviews, can open both.
        assert!(fp.interviews().interview_to_conduct(mine).await.is_ok());
        assert!(matches!(
            fp.interviews().interview_to_conduct(id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            fp.interviews().record_interview_consent(id, true).await,
            Err(StoreError::NotFound)
        ));
        assert!(a.interviews().interview_to_conduct(mine).await.is_ok());
        // An unknown id answers not found.
        assert!(matches!(
            a.interviews().get_interview(uuid::Uuid::now_v7()).await,
            Err(StoreError::NotFound)
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn translation_reviews_are_per_organisation_audited_and_used_by_the_flow() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), None);
        let before = a
            .questionnaires()
            .questionnaire("first_contact")
            .await
            .unwrap();
        let key = "fc_migrated.label";
        assert!(
            before.unreviewed("ar").contains(&key.to_string()),
            "shipped Arabic is a machine translation"
        );
        a.reviews()
            .review_translation("first_contact", "ar", key, "هل جئت من بلد آخر لهذا العمل؟")
            .await
            .unwrap();
        let after = a
            .questionnaires()
            .questionnaire("first_contact")
            .await
            .unwrap();
        let label = &after.question("fc_migrated").unwrap().label;
        assert_eq!(label.get("ar"), Some("هل جئت من بلد آخر لهذا العمل؟"));
        assert!(label.is_reviewed("ar"));
        let reviews = a
            .reviews()
            .translation_reviews("first_contact", "ar")
            .await
            .unwrap();
        assert_eq!(reviews.len(), 1);
        // Another organisation still sees the shipped text.
        let other = w
            .store
            .access(w.user("other_org"), None)
            .questionnaires()
            .questionnaire("first_contact")
            .await
            .unwrap();
        assert!(
            !other
                .question("fc_migrated")
                .unwrap()
                .label
                .is_reviewed("ar")
        );
        // Bad input and roles.
        for (q, lang, k, t) in [
            ("nope", "ar", key, "x"),
            ("first_contact", "xx", key, "x"),
            ("first_contact", "en", key, "x"),
            ("first_contact", "ar", "nope.label", "x"),
            ("first_contact", "ar", key, "   "),
        ] {
            assert!(
                matches!(
                    a.reviews().review_translation(q, lang, k, t).await,
                    Err(StoreError::Invalid(_))
                ),
                "{q} {lang} {k}"
            );
        }
        assert!(matches!(
            w.store
                .access(w.user("auditor"), None)
                .reviews()
                .review_translation("first_contact", "ar", key, "x")
                .await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM questionnaire_reviews").await,
            1
        );
        let events = w
            .store
            .access(w.user("auditor"), None)
            .audit_log()
            .audit_events(
                AuditFilter {
                    action: Some("translation.review".into()),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        let outcomes: Vec<&str> = events.iter().map(|e| e.event.outcome.as_str()).collect();
        assert_eq!(outcomes.len(), 2, "{outcomes:?}");
        assert!(outcomes.contains(&"success") && outcomes.contains(&"denied"));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_organisation_adds_its_own_question_mapped_to_an_indicator() {
    for db in testing::all().await {
        let w = world(&db).await;
        let c = w.store.access(w.user("coordinator"), None);
        let ind = "adult_labour.coercion_at_destination.withholding_of_wages";
        let qid = c
            .questionnaires()
            .add_questionnaire_question(
                "first_contact",
                "Does someone else keep your bank card?",
                ind,
                true,
            )
            .await
            .unwrap();
        assert_eq!(qid, "org_1");
        // Bad input: unknown indicator, one of a set the questionnaire does not cover, empty label.
        for (q, label, i) in [
            ("first_contact", "x", "made.up"),
            (
                "first_contact",
                "x",
                "child_labour.coercion_at_destination.debt_bondage",
            ),
            ("first_contact", " ", ind),
            ("nope", "x", ind),
        ] {
            assert!(
                matches!(
                    c.questionnaires()
                        .add_questionnaire_question(q, label, i, true)
                        .await,
                    Err(StoreError::Invalid(_))
                ),
                "{q} {i}"
            );
        }
        // Only the coordinator's role manages questionnaires.
        assert!(matches!(
            w.store
                .access(w.user("interviewer"), None)
                .questionnaires()
                .add_questionnaire_question("first_contact", "x", ind, true)
                .await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        // The organisation's interviews ask it (after the shipped questions); a "yes" counts
        // for the indicator. Another organisation does not see it.
        let a = w.store.access(w.user("interviewer"), None);
        let id = a
            .interviews()
            .start_interview(new("first_contact", "en"))
            .await
            .unwrap();
        a.interviews()
            .record_interview_consent(id, true)
            .await
            .unwrap();
        loop {
            let (rec, q) = a.interviews().interview_to_conduct(id).await.unwrap();
            let Some(next) = next_question(&q, &rec.answers) else {
                break;
            };
            let v = if next == "org_1" { Some("yes") } else { None };
            let vals: Vec<String> = v.map(|s| vec![s.to_owned()]).unwrap_or_default();
            a.interviews()
                .answer_interview(id, next, &vals, v.is_none())
                .await
                .unwrap();
        }
        let (rec, q) = a.interviews().interview_to_conduct(id).await.unwrap();
        assert_eq!(
            rec.answers.get("org_1"),
            Some(&AnswerValue::Choice("yes".into()))
        );
        let s = ally_core::screening::Screening::builtin().unwrap();
        let i =
            ally_core::questionnaire::answer::screening_input(&q, &rec.answers, &[], &s).unwrap();
        assert_eq!(s.answer(&i, ind), Some(Answer::Yes));
        let other = w
            .store
            .access(w.user("other_org"), None)
            .questionnaires()
            .questionnaire("first_contact")
            .await
            .unwrap();
        assert!(other.question("org_1").is_none());
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn consent_and_guidance_translations_are_reviewed_per_organisation() {
    use ally_core::questionnaire::INTERVIEW_TEXTS_ID;
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), None);
        let before = a.questionnaires().interview_texts().await.unwrap();
        let access = before.consent.iter().find(|s| s.id == "access").unwrap();
        assert!(
            access.body.get("fr").is_some() && !access.body.is_reviewed("fr"),
            "shipped French is a machine translation"
        );
        let unreviewed_before = before.language_status(&["fr"])[0].unreviewed;

        // A correction and a confirmation (same text).
        a.reviews()
            .review_translation(
                INTERVIEW_TEXTS_ID,
                "fr",
                "consent.access.body",
                "Seules les personnes formées de notre organisation voient vos réponses.",
            )
            .await
            .unwrap();
        let safe = before
            .guidance
            .iter()
            .find(|s| s.id == "safe_contact")
            .unwrap();
        let shipped_title = safe.title.get("fr").unwrap().to_owned();
        a.reviews()
            .review_translation(
                INTERVIEW_TEXTS_ID,
                "fr",
                "guidance.safe_contact.title",
                &shipped_title,
            )
            .await
            .unwrap();

        // This process shows them at once.
        let after = a.questionnaires().interview_texts().await.unwrap();
        let access = after.consent.iter().find(|s| s.id == "access").unwrap();
        assert_eq!(
            access.body.get("fr"),
            Some("Seules les personnes formées de notre organisation voient vos réponses.")
        );
        assert!(access.body.is_reviewed("fr"));
        let safe = after
            .guidance
            .iter()
            .find(|s| s.id == "safe_contact")
            .unwrap();
        assert_eq!(safe.title.get("fr"), Some(shipped_title.as_str()));
        assert!(safe.title.is_reviewed("fr"));
        assert_eq!(
            after.language_status(&["fr"])[0].unreviewed,
            unreviewed_before - 2
        );
        let reviews = a
            .reviews()
            .translation_reviews(INTERVIEW_TEXTS_ID, "fr")
            .await
            .unwrap();
        let keys: Vec<&str> = reviews.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["consent.access.body", "guidance.safe_contact.title"]);
        // The questionnaires are not touched; another organisation keeps the shipped texts.
        assert!(
            a.reviews()
                .translation_reviews("first_contact", "fr")
                .await
                .unwrap()
                .is_empty()
        );
        let other = w
            .store
            .access(w.user("other_org"), None)
            .questionnaires()
            .interview_texts()
            .await
            .unwrap();
        let access = other.consent.iter().find(|s| s.id == "access").unwrap();
        assert!(!access.body.is_reviewed("fr"));

        // Bad input: a key of another text, an unknown key, English, an empty text; a role
        // without translation.review.
        for (lang, key, text) in [
            ("fr", "fc_migrated.label", "x"),
            ("fr", "consent.nope.body", "x"),
            ("en", "consent.access.body", "x"),
            ("fr", "consent.access.body", "  "),
        ] {
            assert!(
                matches!(
                    a.reviews()
                        .review_translation(INTERVIEW_TEXTS_ID, lang, key, text)
                        .await,
                    Err(StoreError::Invalid(_))
                ),
                "{lang} {key}"
            );
        }
        assert!(matches!(
            w.store
                .access(w.user("auditor"), None)
                .reviews()
                .review_translation(INTERVIEW_TEXTS_ID, "fr", "consent.access.body", "x")
                .await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        assert_eq!(
            count(&db, "SELECT COUNT(*) FROM questionnaire_reviews").await,
            2
        );
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_organisations_questionnaire_is_built_once_and_follows_its_reviews_at_once() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("interviewer"), None);
        let id = a
            .interviews()
            .start_interview(new("adult_labour", "ar"))
            .await
            .unwrap();
        a.interviews()
            .record_interview_consent(id, true)
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let loads_before = w.store.identification_cache_loads();
        // Twenty page loads of an interview in progress, with answers saved in between
        // (an answer does not invalidate the questionnaire).
        for (q, v) in PRESUMED_VICTIM_ADULT_LABOUR.iter().take(10) {
            let (_, q_) = a.interviews().interview_to_conduct(id).await.unwrap();
            assert_eq!(q_.id, "adult_labour");
            a.questionnaires().interview_texts().await.unwrap();
            a.interviews()
                .answer_interview(id, q, &[(*v).to_owned()], false)
                .await
                .unwrap();
        }
        let loads = w.store.identification_cache_loads() - loads_before;
        // Each of the two entries is built at most once per second of the cache's lifetime
        // (and once more at the start): without the cache this would be 20 + 10.
        let bound = 2 * (started.elapsed().as_millis() as u64 / 1000 + 2);
        assert!(loads <= bound, "{loads} loads, at most {bound} expected");

        // A review saved through this process shows in the next read, not a second later.
        a.reviews()
            .review_translation("adult_labour", "ar", "al_migrated.label", "سؤال مُراجَع")
            .await
            .unwrap();
        let (_, q) = a.interviews().interview_to_conduct(id).await.unwrap();
        let label = &q.question("al_migrated").unwrap().label;
        assert_eq!(label.get("ar"), Some("سؤال مُراجَع"));
        assert!(label.is_reviewed("ar"));
        w.store.close().await;
        db.cleanup().await;
    }
}
