//! The protection store's contract (issue 4), on SQLite and (when configured) PostgreSQL:
//! cases and their lifecycle, sealed content, consent, referrals as grants (recipient,
//! non-recipient, after revocation, after consent withdrawal), deadlines, directory, erasure
//! (grepping the SQLite file), retention flags.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use ally_core::OrgId;
use ally_core::authz::{Denied, Principal, Role};
use ally_core::org::OrgKind;
use ally_core::person::PersonForm;
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseAction, CaseActionKind, CaseState, ConsentPurpose, FieldGroup, ProceedingsStage,
    ReferralAction, ReflectionPolicy, ServiceKind, ServiceStatus, VictimRole,
};
use ally_store::protection::{
    CaseContent, NewCase, NewConsent, NewReferralForm, NewService, OpenedCase, SafetyPlan,
    ServiceChange, TaskChange, parse_date,
};
use ally_store::testing::{self, TestDb};
use ally_store::{Page, StoreError};
use sqlx::{Connection, Row};

mod common;

use common::{World, is_not_found, raw, who};

async fn world(db: &TestDb) -> World {
    World::builder()
        .org("ngo", "NGO P", OrgKind::Ngo)
        .org("shelter", "Shelter P", OrgKind::Shelter)
        .org("union", "Union P", OrgKind::Union)
        .account("cw", "ngo", &[Role::Caseworker], "cw@ngo.test")
        .user("shelter_cw", "shelter", &[Role::Caseworker])
        .user("union_cw", "union", &[Role::Caseworker])
        .build(db)
        .await
}

fn content(reference: &str) -> CaseContent {
    CaseContent {
        reference: reference.into(),
        contact: "via outreach worker, Tuesdays".into(),
        summary: "Recruited for farm work, passport withheld".into(),
        exploitation: "Unpaid for eight months".into(),
        health: "Back injury".into(),
        needs: "Shelter and legal counselling".into(),
        immigration: "Visa expired".into(),
        safety: SafetyPlan {
            risk: "high".into(),
            threats: "Recruiter knows the family address".into(),
            contacts_to_avoid: "Recruiter's cousin".into(),
            safe_channel: "Signal to the NGO phone".into(),
            code_word: "blue umbrella".into(),
        },
        ..Default::default()
    }
}

async fn new_case(w: &World, reference: &str) -> ally_core::protection::CaseId {
    let person = w
        .store
        .access(w.user("cw"), None)
        .persons()
        .create_person(
            PersonForm {
                role: "presumed_victim".into(),
                given_names: "Zinaida".into(),
                family_names: "Quorvelle".into(),
                phones: "+40 712 345 678".into(),
                ..Default::default()
            }
            .validate(2026)
            .unwrap(),
        )
        .await
        .unwrap();
    w.store
        .access(w.user("cw"), None)
        .cases()
        .create_case(NewCase {
            person_id: Some(person),
            interview_id: Some(uuid::Uuid::now_v7().to_string()),
            identified_on: Some(time::OffsetDateTime::now_utc().date() - time::Duration::days(25)),
            may_be_child: false,
            content: content(reference),
        })
        .await
        .unwrap()
}

fn consent_to(org: OrgId, scope: &[FieldGroup]) -> NewConsent {
    NewConsent {
        purpose: ConsentPurpose::Referral,
        recipients: [org].into_iter().collect(),
        scope: scope.iter().copied().collect(),
        language: "ro".into(),
        given: true,
        date: None,
        valid_until: None,
        guardian: None,
    }
}

fn referral_to(org: OrgId, fields: &[FieldGroup]) -> NewReferralForm {
    NewReferralForm {
        to_org: org,
        service: None,
        reason: ReferralReason::AdditionalServicesRequired,
        details: "Needs a bed tonight".into(),
        fields: fields.iter().copied().collect(),
    }
}

#[tokio::test]
async fn lifecycle_sealed_content_services_and_deadlines() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Case R-17").await;
        let a = w.store.access(w.user("cw"), None);
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!("own case must open in full")
        };
        assert_eq!(v.lifecycle.state(), CaseState::Identified);
        assert_eq!(v.content.safety.code_word, "blue umbrella");
        assert_eq!(v.person_name.as_deref(), Some("Zinaida Quorvelle"));
        assert!(v.allowed.contains(&CaseActionKind::StartReflection));

        // A transition the rules refuse is refused, nothing changes.
        let err = a
            .cases()
            .transition_case(id, CaseAction::StartFollowUp)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");

        let today = time::OffsetDateTime::now_utc().date();
        // Started 25 days ago: the 30-day period ends in 5 days (inside the reminder window).
        let start = today - time::Duration::days(25);
        a.cases()
            .transition_case(
                id,
                CaseAction::StartReflection {
                    start,
                    policy: ReflectionPolicy::new("FR", 30).unwrap(),
                },
            )
            .await
            .unwrap();
        a.judicial()
            .add_court_date(
                id,
                today + time::Duration::days(5),
                true,
                "Tribunal, room 4",
            )
            .await
            .unwrap();
        a.services()
            .add_task(
                id,
                "Book interpreter",
                Some(w.user("cw").user_id),
                Some(today + time::Duration::days(2)),
            )
            .await
            .unwrap();
        a.services()
            .add_service(
                id,
                NewService {
                    kind: ServiceKind::SafeAccommodation,
                    provider_org: Some(w.org("shelter")),
                    start_on: Some(today),
                    end_on: None,
                    status: ServiceStatus::InProgress,
                    outcome: String::new(),
                },
            )
            .await
            .unwrap();
        a.judicial()
            .add_proceedings(
                id,
                ProceedingsStage::ComplaintFiled,
                VictimRole::Witness,
                today,
                "Complaint no. 42",
            )
            .await
            .unwrap();
        let bad = a
            .judicial()
            .add_proceedings(id, ProceedingsStage::Trial, VictimRole::Witness, today, "")
            .await
            .unwrap_err();
        assert!(matches!(bad, StoreError::Invalid(_)));

        let d = a.deadlines().my_deadlines(100).await.unwrap();
        let kinds: Vec<&str> = d.iter().map(|d| d.kind.as_str()).collect();
        assert!(kinds.contains(&"reflection_end"), "{kinds:?}");
        assert!(kinds.contains(&"court_date"));
        assert!(kinds.contains(&"task"));
        assert!(
            d.iter()
                .any(|d| d.kind == "reflection_end" && d.expulsion_sensitive)
        );
        // Another caseworker of the organisation, not assigned, has no deadlines of this case;
        // once assigned, they see the case's unassigned ones.
        let colleague = w
            .account(w.org("ngo"), &[Role::Caseworker], "cw2@ngo.test")
            .await;
        assert!(
            w.store
                .access(&colleague, None)
                .deadlines()
                .my_deadlines(100)
                .await
                .unwrap()
                .is_empty()
        );
        a.case_people()
            .assign_caseworker(id, colleague.user_id)
            .await
            .unwrap();
        let theirs = w
            .store
            .access(&colleague, None)
            .deadlines()
            .my_deadlines(100)
            .await
            .unwrap();
        let kinds2: Vec<&str> = theirs.iter().map(|d| d.kind.as_str()).collect();
        assert!(kinds2.contains(&"reflection_end"), "{kinds2:?}");
        assert!(kinds2.contains(&"court_date"), "{kinds2:?}");

        a.cases()
            .transition_case(id, CaseAction::StartAssistance)
            .await
            .unwrap();
        a.cases()
            .transition_case(
                id,
                CaseAction::Close {
                    reason: "Returned home safely".into(),
                    referred_out: false,
                },
            )
            .await
            .unwrap();
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        assert_eq!(v.lifecycle.state(), CaseState::Closed);
        assert_eq!(
            v.lifecycle.closure().unwrap().reason,
            "Returned home safely"
        );
        assert_eq!(v.history.len(), 4, "open, reflection, assistance, close");
        assert!(
            a.deadlines().my_deadlines(100).await.unwrap().is_empty(),
            "a closed case has no deadlines"
        );
        a.cases()
            .transition_case(
                id,
                CaseAction::Reopen {
                    reason: "New threat".into(),
                },
            )
            .await
            .unwrap();
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        assert_eq!(v.lifecycle.state(), CaseState::Assistance);
        assert_eq!(v.lifecycle.reopenings().len(), 1);

        let list = a
            .cases()
            .list_cases(Some(CaseState::Assistance), Page::default())
            .await
            .unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].reference, "Case R-17");
        assert!(
            a.cases()
                .list_cases(Some(CaseState::Closed), Page::default())
                .await
                .unwrap()
                .is_empty()
        );

        // Roles: an interviewer cannot read cases (403), an auditor neither.
        let interviewer = who(w.org("ngo"), &[Role::Interviewer]);
        let e = w
            .store
            .access(&interviewer, None)
            .cases()
            .open_case(id)
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StoreError::Denied(Denied::RoleLacksPermission(_))
        ));
        // Another organisation without a referral: not found.
        let e = w
            .store
            .access(w.user("shelter_cw"), None)
            .cases()
            .open_case(id)
            .await
            .unwrap_err();
        assert!(is_not_found(&e), "{e:?}");

        // Sealed: the safety plan's code word is not in clear in the database.
        let mut c = raw(&db).await;
        let rows = sqlx::query("SELECT sealed FROM prot_cases")
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in rows {
            let b: Vec<u8> = r.try_get("sealed").unwrap();
            assert!(!String::from_utf8_lossy(&b).contains("blue umbrella"));
        }
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn referral_grants_follow_consent_and_revocation() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Case S-3").await;
        let a = w.store.access(w.user("cw"), None);

        // No consent: the referral is refused with the reason, nothing is written.
        let e = a
            .referrals()
            .send_referral(
                id,
                referral_to(w.org("shelter"), &[FieldGroup::CaseSummary]),
            )
            .await
            .unwrap_err();
        match e {
            StoreError::Invalid(f) => {
                assert_eq!((f[0].field, f[0].code), ("consent", "no_consent"))
            }
            other => panic!("{other:?}"),
        }
        let (_, out) = a.referrals().list_referrals().await.unwrap();
        assert!(out.is_empty());

        // Consent to share the summary and needs with the shelter; the referral asks for
        // health too: refused (scope exceeded).
        let consent = a
            .consents()
            .record_consent(
                id,
                consent_to(
                    w.org("shelter"),
                    &[
                        FieldGroup::CaseSummary,
                        FieldGroup::Needs,
                        FieldGroup::Contact,
                    ],
                ),
            )
            .await
            .unwrap();
        let e = a
            .referrals()
            .send_referral(
                id,
                referral_to(
                    w.org("shelter"),
                    &[FieldGroup::CaseSummary, FieldGroup::Health],
                ),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f[0].code == "scope_exceeded"),
            "{e:?}"
        );
        // Law-enforcement sharing is never implied by a consent to referral.
        let police = w
            .store
            .create_organisation("Police P", OrgKind::LawEnforcementLiaison, false)
            .await
            .unwrap();
        let e = a
            .referrals()
            .send_referral(id, referral_to(police, &[FieldGroup::CaseSummary]))
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(f) if f[0].code == "no_consent"));

        let rid = a
            .referrals()
            .send_referral(
                id,
                referral_to(
                    w.org("shelter"),
                    &[FieldGroup::CaseSummary, FieldGroup::Contact],
                ),
            )
            .await
            .unwrap();

        // Recipient: sees exactly the selected groups (pending-as-designed: while deciding).
        let s = w.store.access(w.user("shelter_cw"), None);
        let OpenedCase::Shared(shared) = s.cases().open_case(id).await.unwrap() else {
            panic!("the recipient sees the shared view")
        };
        let groups: BTreeSet<FieldGroup> = shared.fields.keys().copied().collect();
        assert_eq!(
            groups,
            [FieldGroup::CaseSummary, FieldGroup::Contact]
                .into_iter()
                .collect()
        );
        let all: Vec<&str> = shared
            .fields
            .values()
            .flatten()
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(all.iter().any(|v| v.contains("passport withheld")));
        assert!(
            all.iter().any(|v| v.contains("blue umbrella")),
            "the safety plan goes with contact"
        );
        assert!(
            !all.iter().any(|v| v.contains("Quorvelle")),
            "identity was not shared"
        );
        assert!(
            !all.iter().any(|v| v.contains("Back injury")),
            "health was not shared"
        );
        // The recipient cannot change the case.
        let e = s
            .cases()
            .transition_case(id, CaseAction::StartAssistance)
            .await
            .unwrap_err();
        assert!(is_not_found(&e));

        // Non-recipient: not found.
        let e = w
            .store
            .access(w.user("union_cw"), None)
            .cases()
            .open_case(id)
            .await
            .unwrap_err();
        assert!(is_not_found(&e));
        let e = w
            .store
            .access(w.user("union_cw"), None)
            .referrals()
            .act_on_referral(rid, ReferralAction::Accept)
            .await
            .unwrap_err();
        assert!(is_not_found(&e));
        // The sender cannot accept its own referral.
        assert!(
            a.referrals()
                .act_on_referral(rid, ReferralAction::Accept)
                .await
                .is_err()
        );

        // Accept; both sides see the history.
        s.referrals()
            .act_on_referral(rid, ReferralAction::Accept)
            .await
            .unwrap();
        let (incoming, _) = s.referrals().list_referrals().await.unwrap();
        assert_eq!(incoming.len(), 1);
        assert_eq!(incoming[0].referral.history.len(), 2);
        let (_, outgoing) = a.referrals().list_referrals().await.unwrap();
        assert_eq!(outgoing[0].referral.status.as_str(), "accepted");

        // Withdrawal of the consent revokes the referral at once: the recipient gets 404.
        let (_, revoked) = a.consents().withdraw_consent(consent).await.unwrap();
        assert_eq!(revoked, 1);
        let e = s.cases().open_case(id).await.unwrap_err();
        assert!(is_not_found(&e), "{e:?}");
        let (_, outgoing) = a.referrals().list_referrals().await.unwrap();
        assert_eq!(outgoing[0].referral.status.as_str(), "revoked");

        // A new consent and referral, then revocation by the sender: 404 again.
        let consent2 = a
            .consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        let rid2 = a
            .referrals()
            .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        assert!(matches!(
            s.cases().open_case(id).await.unwrap(),
            OpenedCase::Shared(_)
        ));
        // A consent past the date until which it was given grants nothing any more (the date
        // is moved into the past here, as time would).
        let mut conn = raw(&db).await;
        sqlx::query("UPDATE prot_consents SET valid_until = '2020-01-31' WHERE id = $1")
            .bind(consent2.to_string())
            .execute(&mut conn)
            .await
            .unwrap();
        assert!(is_not_found(&s.cases().open_case(id).await.unwrap_err()));
        sqlx::query("UPDATE prot_consents SET valid_until = NULL WHERE id = $1")
            .bind(consent2.to_string())
            .execute(&mut conn)
            .await
            .unwrap();
        assert!(matches!(
            s.cases().open_case(id).await.unwrap(),
            OpenedCase::Shared(_)
        ));
        let e = a
            .referrals()
            .act_on_referral(rid2, ReferralAction::Revoke { reason: " ".into() })
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(f) if f[0].code == "reason_required"));
        a.referrals()
            .act_on_referral(
                rid2,
                ReferralAction::Revoke {
                    reason: "Placed elsewhere".into(),
                },
            )
            .await
            .unwrap();
        assert!(is_not_found(&s.cases().open_case(id).await.unwrap_err()));
        // A declined referral gives no access either.
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn child_consent_needs_a_guardian_and_directory_is_searchable() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("cw"), None);
        let id = a
            .cases()
            .create_case(NewCase {
                may_be_child: true,
                content: content("Minor M-1"),
                ..Default::default()
            })
            .await
            .unwrap();
        let e = a
            .consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap_err();
        assert!(matches!(&e, StoreError::Invalid(f) if f[0].field == "guardian"));
        let mut c = consent_to(w.org("shelter"), &[FieldGroup::Needs]);
        c.guardian = Some(("Aunt Rodica".into(), "aunt".into()));
        a.consents().record_consent(id, c).await.unwrap();
        a.referrals()
            .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();

        // Directory: the shelter's coordinator edits its entry; a caseworker may not.
        let coord = who(w.org("shelter"), &[Role::Coordinator]);
        let entry = ally_store::protection::DirectoryEntry {
            services: vec!["safe_accommodation".into()],
            regions: "Île-de-France".into(),
            languages: "fr, ro, uk".into(),
            opening_hours: "24/7".into(),
            capacity: "3 beds free".into(),
            contact: "+33 1 00 00 00 00".into(),
            ..Default::default()
        };
        let e = w
            .store
            .access(w.user("shelter_cw"), None)
            .service_directory()
            .update_directory_entry(entry.clone())
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StoreError::Denied(Denied::RoleLacksPermission(_))
        ));
        w.store
            .access(&coord, None)
            .service_directory()
            .update_directory_entry(entry)
            .await
            .unwrap();
        let found = a
            .service_directory()
            .directory_entries("", Some(ServiceKind::SafeAccommodation))
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "Shelter P");
        assert_eq!(
            a.service_directory()
                .directory_entries("ro", None)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            a.service_directory()
                .directory_entries("nowhere", None)
                .await
                .unwrap()
                .is_empty()
        );
        let _ = w.org("union");
        let _ = w.user("union_cw");
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn erasure_removes_personal_data_and_keeps_a_tombstone() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Erase-Me-Ref").await;
        let a = w.store.access(w.user("cw"), None);
        a.consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        a.referrals()
            .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        let mut c = raw(&db).await;
        let case_blob: Vec<u8> = sqlx::query("SELECT sealed FROM prot_cases WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut c)
            .await
            .unwrap()
            .try_get("sealed")
            .unwrap();
        let person_blob: Vec<u8> = sqlx::query("SELECT sealed FROM persons")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .try_get("sealed")
            .unwrap();
        drop(c);

        // Only a coordinator holds person.erase.
        let e = a.lifecycle().erase_case(id).await.unwrap_err();
        assert!(matches!(
            e,
            StoreError::Denied(Denied::RoleLacksPermission(_))
        ));
        let coord = who(w.org("ngo"), &[Role::Coordinator]);
        w.store
            .access(&coord, None)
            .lifecycle()
            .erase_case(id)
            .await
            .unwrap();
        let e = a.cases().open_case(id).await.unwrap_err();
        assert!(is_not_found(&e));

        let mut c = raw(&db).await;
        for t in [
            "prot_cases",
            "prot_consents",
            "prot_referrals",
            "prot_referral_events",
            "prot_case_events",
            "prot_deadlines",
            "persons",
            "person_tokens",
        ] {
            let n: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            assert_eq!(n, 0, "{t} still holds rows after erasure");
        }
        let detail: String = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'case.erase' AND target_id = $1",
        )
        .bind(id.to_string())
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert!(detail.starts_with("tombstone"), "{detail}");
        drop(c);
        w.store.close().await;

        if let Some(path) = db.sqlite_path() {
            // Fold the WAL into the file; secure_delete has zeroed the freed pages.
            let mut c = sqlx::AnyConnection::connect(&db.url).await.unwrap();
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&mut c)
                .await
                .unwrap();
            drop(c);
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(wal);
            }
            let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
            assert!(
                !contains(&case_blob[..32]),
                "the case's ciphertext is still in the file"
            );
            assert!(
                !contains(&person_blob[..32]),
                "the person's ciphertext is still in the file"
            );
            assert!(!contains(b"Quorvelle"));
            assert!(!contains(b"Erase-Me-Ref"));
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn retention_job_flags_closed_cases_past_their_period() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Old case").await;
        let a = w.store.access(w.user("cw"), None);
        a.cases()
            .transition_case(
                id,
                CaseAction::Close {
                    reason: "Done".into(),
                    referred_out: false,
                },
            )
            .await
            .unwrap();
        let keep = ally_core::protection::RetentionPolicy::new()
            .with(ally_core::protection::RecordType::Case, 30);
        assert_eq!(w.store.flag_protection_retention(&keep).await.unwrap(), 0);
        // Backdate the closure beyond the period.
        let mut c = raw(&db).await;
        sqlx::query("UPDATE prot_cases SET closed_on = '2020-01-01' WHERE id = $1")
            .bind(id.to_string())
            .execute(&mut c)
            .await
            .unwrap();
        assert_eq!(w.store.flag_protection_retention(&keep).await.unwrap(), 1);
        assert_eq!(
            w.store.flag_protection_retention(&keep).await.unwrap(),
            0,
            "flagged once"
        );
        let flags = a.lifecycle().retention_flags().await.unwrap();
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].record_id, id.to_string());
        assert!(parse_date("2020-01-01").is_some());
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn lead_transfer_is_a_separate_act_and_moves_the_case() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Transfer T-1").await;
        let a = w.store.access(w.user("cw"), None);
        let s = w.store.access(w.user("shelter_cw"), None);
        a.consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        a.services()
            .add_service(
                id,
                NewService {
                    kind: ServiceKind::MedicalCare,
                    provider_org: None,
                    start_on: None,
                    end_on: None,
                    status: ServiceStatus::Requested,
                    outcome: "Clinic appointment".into(),
                },
            )
            .await
            .unwrap();
        a.services()
            .add_task(
                id,
                "Follow-up call",
                None,
                Some(time::OffsetDateTime::now_utc().date() + time::Duration::days(3)),
            )
            .await
            .unwrap();
        let rid = a
            .referrals()
            .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        // Not before the referral is accepted; never by the recipient.
        let e = a
            .lead_transfers()
            .propose_lead_transfer(rid)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(f) if f[0].code == "referral_not_accepted"),
            "{e:?}"
        );
        s.referrals()
            .act_on_referral(rid, ReferralAction::Accept)
            .await
            .unwrap();
        assert!(s.lead_transfers().propose_lead_transfer(rid).await.is_err());
        // Accepting the referral did not move the lead.
        assert!(matches!(
            a.cases().open_case(id).await.unwrap(),
            OpenedCase::Full(_)
        ));
        a.lead_transfers().propose_lead_transfer(rid).await.unwrap();
        // A decline leaves everything as it was; a new proposal can then be accepted.
        s.lead_transfers()
            .answer_lead_transfer(rid, false)
            .await
            .unwrap();
        assert!(matches!(
            s.cases().open_case(id).await.unwrap(),
            OpenedCase::Shared(_)
        ));
        a.lead_transfers().propose_lead_transfer(rid).await.unwrap();
        assert!(
            a.lead_transfers()
                .answer_lead_transfer(rid, true)
                .await
                .is_err(),
            "only the recipient answers"
        );
        let before: Vec<String> = a
            .deadlines()
            .my_deadlines(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.case_id == id)
            .map(|d| d.kind)
            .collect();
        assert!(!before.is_empty(), "the case has deadlines to hand over");
        s.lead_transfers()
            .answer_lead_transfer(rid, true)
            .await
            .unwrap();
        // The deadlines follow the new team.
        let after: Vec<String> = s
            .deadlines()
            .my_deadlines(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|d| d.case_id == id)
            .map(|d| d.kind)
            .collect();
        assert_eq!(after, before);
        assert!(
            a.deadlines()
                .my_deadlines(100)
                .await
                .unwrap()
                .iter()
                .all(|d| d.case_id != id)
        );
        let OpenedCase::Full(v) = s.cases().open_case(id).await.unwrap() else {
            panic!("the new lead sees the whole case")
        };
        assert_eq!(v.org_id, w.org("shelter"));
        assert_eq!(
            v.content.safety.code_word, "blue umbrella",
            "re-sealed intact"
        );
        assert_eq!(v.services[0].outcome, "Clinic appointment");
        assert!(
            is_not_found(&a.cases().open_case(id).await.unwrap_err()),
            "the former lead keeps no access"
        );
        s.cases()
            .transition_case(id, CaseAction::StartAssistance)
            .await
            .unwrap();
        w.store.close().await;
        db.cleanup().await;
    }
}

fn service(kind: ServiceKind) -> NewService {
    NewService {
        kind,
        provider_org: None,
        start_on: None,
        end_on: None,
        status: ServiceStatus::Requested,
        outcome: String::new(),
    }
}

fn change(status: ServiceStatus, outcome: Option<&str>) -> ServiceChange {
    ServiceChange {
        status,
        on: None,
        outcome: outcome.map(str::to_owned),
    }
}

fn invalid_code(e: &StoreError) -> &'static str {
    match e {
        StoreError::Invalid(f) => f[0].code,
        _ => "",
    }
}

/// The referral of one service request: the recipient sees that request and the selected
/// groups; once it accepts it is the provider and updates that service and nothing else;
/// non-recipients see nothing; revocation and consent withdrawal end it at once.
#[tokio::test]
async fn service_referral_gives_the_provider_that_service_and_nothing_else() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Service S-1").await;
        let other_case = new_case(&w, "Service S-2").await;
        let a = w.store.access(w.user("cw"), None);
        let s = w.store.access(w.user("shelter_cw"), None);
        let u = w.store.access(w.user("union_cw"), None);
        let consent = a
            .consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        let medical = a
            .services()
            .add_service(id, service(ServiceKind::MedicalCare))
            .await
            .unwrap();
        let legal = a
            .services()
            .add_service(id, service(ServiceKind::LegalCounselling))
            .await
            .unwrap();
        let elsewhere = a
            .services()
            .add_service(other_case, service(ServiceKind::Interpretation))
            .await
            .unwrap();
        let to_shelter = |svc: &str| NewReferralForm {
            service: Some(svc.to_owned()),
            ..referral_to(w.org("shelter"), &[FieldGroup::Needs])
        };
        // Only a service of this case, and a real one.
        for bad in [elsewhere.as_str(), "not-an-id"] {
            let e = a
                .referrals()
                .send_referral(id, to_shelter(bad))
                .await
                .unwrap_err();
            assert_eq!(invalid_code(&e), "not_found", "{e:?}");
        }
        let rid = a
            .referrals()
            .send_referral(id, to_shelter(&medical))
            .await
            .unwrap();
        // Sent: the recipient sees the service request, may not update it yet.
        let OpenedCase::Shared(shared) = s.cases().open_case(id).await.unwrap() else {
            panic!("the recipient sees the shared view")
        };
        assert_eq!(shared.services.len(), 1);
        assert_eq!(shared.services[0].0.id, medical);
        assert!(!shared.services[0].1);
        assert_eq!(
            shared.fields.keys().copied().collect::<Vec<_>>(),
            vec![FieldGroup::Needs]
        );
        assert_eq!(
            shared.referrals[0].service_kind,
            Some(ServiceKind::MedicalCare)
        );
        let e = s
            .services()
            .update_service(&medical, change(ServiceStatus::InProgress, None))
            .await
            .unwrap_err();
        assert!(is_not_found(&e), "{e:?}");
        // Accepted: the recipient is the provider and updates that service.
        s.referrals()
            .act_on_referral(rid, ReferralAction::Accept)
            .await
            .unwrap();
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        let m = v.services.iter().find(|x| x.id == medical).unwrap();
        assert_eq!(m.provider_org, Some(w.org("shelter")));
        let OpenedCase::Shared(shared) = s.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        assert!(shared.services[0].1, "the provider may update it");
        assert_eq!(
            s.services()
                .update_service(&medical, change(ServiceStatus::InProgress, None))
                .await
                .unwrap(),
            id
        );
        s.services()
            .update_service(
                &medical,
                change(ServiceStatus::Delivered, Some("Treated at the clinic")),
            )
            .await
            .unwrap();
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        let m = v.services.iter().find(|x| x.id == medical).unwrap();
        assert_eq!(m.status, ServiceStatus::Delivered);
        assert_eq!(m.outcome, "Treated at the clinic");
        assert!(m.start_on.is_some() && m.end_on.is_some());
        // A final service does not move again.
        let e = a
            .services()
            .update_service(&medical, change(ServiceStatus::InProgress, None))
            .await
            .unwrap_err();
        assert_eq!(invalid_code(&e), "service_transition_not_allowed");
        // Nothing else of the case: not the other service, not the case, not its plan.
        let e = s
            .services()
            .update_service(&legal, change(ServiceStatus::InProgress, None))
            .await
            .unwrap_err();
        assert!(is_not_found(&e), "{e:?}");
        assert!(is_not_found(
            &s.services()
                .add_service(id, service(ServiceKind::Interpretation))
                .await
                .unwrap_err()
        ));
        assert!(is_not_found(
            &s.cases()
                .transition_case(id, CaseAction::StartAssistance)
                .await
                .unwrap_err()
        ));
        assert!(is_not_found(
            &s.services()
                .add_task(id, "Call", None, None)
                .await
                .unwrap_err()
        ));
        // The lead never moves with a service referral.
        let e = a
            .lead_transfers()
            .propose_lead_transfer(rid)
            .await
            .unwrap_err();
        assert_eq!(invalid_code(&e), "service_referral_keeps_lead");
        // A non-recipient: nothing.
        assert!(is_not_found(
            &u.services()
                .update_service(&legal, change(ServiceStatus::InProgress, None))
                .await
                .unwrap_err()
        ));
        assert!(is_not_found(&u.cases().open_case(id).await.unwrap_err()));
        // After revocation: nothing.
        a.referrals()
            .act_on_referral(
                rid,
                ReferralAction::Revoke {
                    reason: "Moved to another clinic".into(),
                },
            )
            .await
            .unwrap();
        assert!(is_not_found(&s.cases().open_case(id).await.unwrap_err()));
        assert!(is_not_found(
            &s.services()
                .update_service(&medical, change(ServiceStatus::Delivered, Some("x")))
                .await
                .unwrap_err()
        ));
        // After consent withdrawal: nothing either.
        let rid2 = a
            .referrals()
            .send_referral(id, to_shelter(&legal))
            .await
            .unwrap();
        s.referrals()
            .act_on_referral(rid2, ReferralAction::Accept)
            .await
            .unwrap();
        s.services()
            .update_service(&legal, change(ServiceStatus::InProgress, None))
            .await
            .unwrap();
        a.consents().withdraw_consent(consent).await.unwrap();
        assert!(is_not_found(&s.cases().open_case(id).await.unwrap_err()));
        assert!(is_not_found(
            &s.services()
                .update_service(&legal, change(ServiceStatus::Delivered, None))
                .await
                .unwrap_err()
        ));
        // The lead still manages its service (the consent is the sharing's, not the service's).
        // (An id written in capitals is the same id; the outcome stays readable.)
        a.services()
            .update_service(
                &legal.to_uppercase(),
                change(ServiceStatus::Cancelled, Some("Withdrawn")),
            )
            .await
            .unwrap();
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        let l = v.services.iter().find(|x| x.id == legal).unwrap();
        assert_eq!(
            (l.status, l.outcome.as_str()),
            (ServiceStatus::Cancelled, "Withdrawn")
        );
        // The service updates are audited with codes only.
        let mut c = raw(&db).await;
        let details: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'service.update' ORDER BY seq",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        assert_eq!(details.len(), 4);
        assert!(details[0].contains("status=requested>in_progress by=provider"));
        assert!(details[3].contains("status=in_progress>cancelled by=lead"));
        assert!(details.iter().all(|d| !d.contains("Treated")));
        w.store.close().await;
        db.cleanup().await;
    }
}

/// Tasks are marked done, reassigned and rescheduled; "my deadlines" follows at once.
#[tokio::test]
async fn tasks_are_done_reassigned_and_rescheduled() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Plan P-1").await;
        let a = w.store.access(w.user("cw"), None);
        let cw2 = w
            .account(w.org("ngo"), &[Role::Caseworker], "cw2@ngo.test")
            .await;
        let b = w.store.access(&cw2, None);
        let due = time::OffsetDateTime::now_utc().date() + time::Duration::days(5);
        let task = a
            .services()
            .add_task(
                id,
                "Book the interpreter",
                Some(w.user("cw").user_id),
                Some(due),
            )
            .await
            .unwrap();
        let tasks_of = |rows: Vec<ally_store::protection::DeadlineRow>| {
            rows.into_iter()
                .filter(|r| r.kind == "task")
                .map(|r| r.due_on)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            tasks_of(a.deadlines().my_deadlines(50).await.unwrap()).len(),
            1
        );
        // Reassigned: it leaves the first caseworker's list and joins the second's.
        a.services()
            .update_task(
                &task,
                TaskChange {
                    assignee: Some(Some(cw2.user_id)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(tasks_of(a.deadlines().my_deadlines(50).await.unwrap()).is_empty());
        assert_eq!(
            tasks_of(b.deadlines().my_deadlines(50).await.unwrap()).len(),
            1
        );
        // Rescheduled.
        let later = due + time::Duration::days(10);
        a.services()
            .update_task(
                &task,
                TaskChange {
                    due_on: Some(Some(later)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            tasks_of(b.deadlines().my_deadlines(50).await.unwrap()),
            vec![later.to_string()]
        );
        // Done: "my deadlines" drops it; the plan keeps it, marked done.
        b.services()
            .update_task(
                &task,
                TaskChange {
                    done: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(tasks_of(b.deadlines().my_deadlines(50).await.unwrap()).is_empty());
        let OpenedCase::Full(v) = a.cases().open_case(id).await.unwrap() else {
            panic!()
        };
        let t = v.tasks.iter().find(|t| t.id == task).unwrap();
        assert!(t.done);
        assert_eq!(t.assignee, Some(cw2.user_id));
        assert_eq!(t.due_on, Some(later));
        // Bad input: a user of another organisation; another organisation; no such task.
        let stranger = w
            .account(w.org("shelter"), &[Role::Caseworker], "s@shelter.test")
            .await;
        let e = a
            .services()
            .update_task(
                &task,
                TaskChange {
                    assignee: Some(Some(stranger.user_id)),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(invalid_code(&e), "not_found");
        let s = w.store.access(w.user("shelter_cw"), None);
        assert!(is_not_found(
            &s.services()
                .update_task(&task, TaskChange::default())
                .await
                .unwrap_err()
        ));
        assert!(is_not_found(
            &a.services()
                .update_task("nope", TaskChange::default())
                .await
                .unwrap_err()
        ));
        let mut c = raw(&db).await;
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'task.update'")
                .fetch_one(&mut c)
                .await
                .unwrap();
        assert_eq!(n, 3, "three successful changes, audited");
        w.store.close().await;
        db.cleanup().await;
    }
}

/// The job applies the configured policy per record type: a consent and a referral are
/// flagged only when their type has a period, and after it.
#[tokio::test]
async fn retention_job_uses_the_configured_policy() {
    use ally_core::protection::{RecordType, RetentionPolicy};
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_case(&w, "Retention R-1").await;
        let a = w.store.access(w.user("cw"), None);
        let consent = a
            .consents()
            .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        let rid = a
            .referrals()
            .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
            .await
            .unwrap();
        a.consents().withdraw_consent(consent).await.unwrap();
        let mut c = raw(&db).await;
        sqlx::query("UPDATE prot_consents SET withdrawn_on = '2021-01-01' WHERE id = $1")
            .bind(consent.to_string())
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("UPDATE prot_referrals SET updated_at = 1609459200000 WHERE id = $1")
            .bind(rid.to_string())
            .execute(&mut c)
            .await
            .unwrap();
        // The defaults (cases only): nothing of these.
        let default_job = ally_store::JobRunner::new(w.store.clone(), "t1");
        assert_eq!(default_job.protection_retention().await.unwrap(), 0);
        // Consents kept a year, referrals kept for ever (no period): the consent only.
        let job = ally_store::JobRunner::new(w.store.clone(), "t2")
            .with_retention(RetentionPolicy::new().with(RecordType::Consent, 365));
        assert_eq!(job.protection_retention().await.unwrap(), 1);
        // Referrals too, but a period longer than their age: still nothing more.
        let job = ally_store::JobRunner::new(w.store.clone(), "t3").with_retention(
            RetentionPolicy::new()
                .with(RecordType::Consent, 365)
                .with(RecordType::Referral, 365 * 100),
        );
        assert_eq!(job.protection_retention().await.unwrap(), 0);
        let job = ally_store::JobRunner::new(w.store.clone(), "t4")
            .with_retention(RetentionPolicy::new().with(RecordType::Referral, 30));
        assert_eq!(job.protection_retention().await.unwrap(), 1);
        let mut flags: Vec<(String, String)> = a
            .lifecycle()
            .retention_flags()
            .await
            .unwrap()
            .into_iter()
            .map(|f| (f.record_type, f.record_id))
            .collect();
        flags.sort();
        assert_eq!(
            flags,
            vec![
                ("consent".to_owned(), consent.to_string()),
                ("referral".to_owned(), rid.to_string())
            ]
        );
        w.store.close().await;
        db.cleanup().await;
    }
}

async fn transfer(w: &World, new_lead: &Principal, id: ally_core::protection::CaseId) {
    let a = w.store.access(w.user("cw"), None);
    let s = w.store.access(new_lead, None);
    a.consents()
        .record_consent(id, consent_to(w.org("shelter"), &[FieldGroup::Needs]))
        .await
        .unwrap();
    let rid = a
        .referrals()
        .send_referral(id, referral_to(w.org("shelter"), &[FieldGroup::Needs]))
        .await
        .unwrap();
    s.referrals()
        .act_on_referral(rid, ReferralAction::Accept)
        .await
        .unwrap();
    a.lead_transfers().propose_lead_transfer(rid).await.unwrap();
    s.lead_transfers()
        .answer_lead_transfer(rid, true)
        .await
        .unwrap();
}

/// The ids of the persons a search for the demo family name finds.
async fn found(acc: &ally_store::Access<'_>) -> Vec<ally_core::PersonId> {
    acc.persons()
        .search_persons("Quorvelle", Page::new(0, 50))
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|p| p.id)
        .collect()
}

/// After a lead transfer the new lead reads and finds the victim's person record; a record
/// the former lead does not use elsewhere moves (the former lead keeps nothing), one it still
/// uses for its own records is copied (it keeps its own, and no longer reaches the case).
#[tokio::test]
async fn lead_transfer_hands_the_linked_persons_over() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("cw"), None);
        let shelter_lead = w
            .account(w.org("shelter"), &[Role::Caseworker], "lead@shelter.test")
            .await;
        let s = w.store.access(&shelter_lead, None);
        // 1. The person is only this case's: it moves.
        let moved_case = new_case(&w, "Move M-1").await;
        let OpenedCase::Full(before) = a.cases().open_case(moved_case).await.unwrap() else {
            panic!()
        };
        let pid = before.person_id.unwrap();
        let name = before.person_name.clone().unwrap();
        assert!(name.contains("Quorvelle"));
        assert!(found(&s).await.is_empty());
        transfer(&w, &shelter_lead, moved_case).await;
        let OpenedCase::Full(after) = s.cases().open_case(moved_case).await.unwrap() else {
            panic!("the new lead sees the whole case")
        };
        assert_eq!(after.person_id, Some(pid));
        assert_eq!(after.person_name.as_deref(), Some(name.as_str()));
        assert_eq!(
            s.persons().get_person(pid).await.unwrap().org_id,
            w.org("shelter")
        );
        assert_eq!(
            found(&s).await,
            vec![pid],
            "found through the new lead's index"
        );
        assert!(is_not_found(
            &a.persons().get_person(pid).await.unwrap_err()
        ));
        assert!(
            found(&a).await.is_empty(),
            "the former lead's index is gone"
        );
        assert!(is_not_found(
            &a.cases().open_case(moved_case).await.unwrap_err()
        ));

        // 2. The former lead still uses the person for another case of its own: copied.
        let kept_case = new_case(&w, "Copy C-1").await;
        let OpenedCase::Full(v) = a.cases().open_case(kept_case).await.unwrap() else {
            panic!()
        };
        let original = v.person_id.unwrap();
        let second = a
            .cases()
            .create_case(NewCase {
                person_id: Some(original),
                content: content("Copy C-2"),
                ..Default::default()
            })
            .await
            .unwrap();
        transfer(&w, &shelter_lead, kept_case).await;
        let OpenedCase::Full(after) = s.cases().open_case(kept_case).await.unwrap() else {
            panic!()
        };
        let copy = after.person_id.unwrap();
        assert_ne!(copy, original);
        assert_eq!(after.person_name.as_deref(), Some(name.as_str()));
        assert!(after.persons.iter().all(|(p, _, _)| *p != original));
        assert!(found(&s).await.contains(&copy));
        assert!(is_not_found(
            &s.persons().get_person(original).await.unwrap_err()
        ));
        // The former lead keeps its own record for its other case, and reaches the
        // transferred case no more.
        assert_eq!(
            a.persons().get_person(original).await.unwrap().org_id,
            w.org("ngo")
        );
        assert!(!found(&a).await.contains(&copy));
        let OpenedCase::Full(v2) = a.cases().open_case(second).await.unwrap() else {
            panic!()
        };
        assert_eq!(v2.person_name.as_deref(), Some(name.as_str()));
        assert!(is_not_found(
            &a.cases().open_case(kept_case).await.unwrap_err()
        ));
        assert!(is_not_found(
            &a.persons().get_person(copy).await.unwrap_err()
        ));
        // The transfers are audited with counts, never names.
        let mut c = raw(&db).await;
        let details: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'lead_transfer.accept' ORDER BY seq",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        assert!(
            details[0].ends_with("persons_moved=1 persons_copied=0"),
            "{details:?}"
        );
        assert!(
            details[1].ends_with("persons_moved=0 persons_copied=1"),
            "{details:?}"
        );
        assert!(details.iter().all(|d| !d.contains("Quorvelle")));
        w.store.close().await;
        db.cleanup().await;
    }
}

/// The benchmark's seed writes cases the access layer opens, spreads them over the
/// caseworker and colleagues, and appends audit rows on a chain that verifies.
#[tokio::test]
async fn bench_seed_writes_openable_cases_and_a_valid_audit_chain() {
    for db in testing::all().await {
        let w = world(&db).await;
        let before = w.store.verify_audit().await.unwrap();
        let seeded = w
            .store
            .seed_protection_bench("cw@ngo.test", 300, 2_000)
            .await
            .unwrap();
        assert_eq!(
            (seeded.cases, seeded.own_cases, seeded.audit_rows),
            (300, 3, 2_000)
        );
        let verified = w.store.verify_audit().await.unwrap();
        assert!(verified >= before + 2_000, "{before} -> {verified}");
        // Paths spread over the whole organisation's cases.
        let ids = w.store.bench_case_ids("cw@ngo.test", 100).await.unwrap();
        assert_eq!(ids.len(), 100);
        let a = w.store.access(w.user("cw"), None);
        for id in &ids {
            let OpenedCase::Full(v) = a.cases().open_case(id.parse().unwrap()).await.unwrap()
            else {
                panic!()
            };
            assert!(v.content.reference.starts_with("Bench case"));
            assert_eq!(v.services.len(), 1);
            assert_eq!(v.tasks.len(), 1);
        }
        // "My deadlines" holds the caseworker's share only.
        assert_eq!(a.deadlines().my_deadlines(500).await.unwrap().len(), 3);
        w.store.close().await;
        db.cleanup().await;
    }
}
