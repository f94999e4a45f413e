//! Demo data of the protection module (issue 4). Every name and detail is invented.
//!
//! The demo NGO has a case in every lifecycle state, led by caseworker@ngo.demo: one in the
//! reflection period ending within days (an expulsion-sensitive deadline), referred with
//! consent to the demo shelter (pending, in Sofia Shelter's inbox); one in assistance with
//! services, a plan task, proceedings, a court date, a residence permit and a compensation
//! claim; one in follow-up; one closed. The directory has entries for the NGO, the shelter and
//! the union.

use ally_core::authz::{Principal, Role};
use ally_core::protection::htcds::ReferralReason;
use ally_core::protection::{
    CaseAction, ConsentPurpose, FieldGroup, ProceedingsStage, ReflectionPolicy, ServiceKind,
    ServiceStatus, VictimRole,
};
use ally_core::{OrgId, UserId};
use ally_store::protection::{
    CaseContent, CompensationRecord, DirectoryEntry, NewCase, NewConsent, NewReferralForm,
    NewService, PermitRecord, SafetyPlan,
};
use ally_store::{Page, Store};
use anyhow::Context;
use time::Duration;

use crate::demo::DemoOrgs;

fn coordinator(org: OrgId) -> Principal {
    Principal {
        user_id: UserId::new(),
        org_id: org,
        roles: vec![Role::Coordinator],
    }
}

fn content(reference: &str, summary: &str, needs: &str) -> CaseContent {
    CaseContent {
        reference: reference.into(),
        summary: summary.into(),
        needs: needs.into(),
        ..Default::default()
    }
}

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    directory(store, orgs).await?;
    let user = store
        .user_id_operator("caseworker@ngo.demo")
        .await?
        .context("demo caseworker")?;
    let cw = Principal {
        user_id: user,
        org_id: orgs.ngo,
        roles: vec![Role::Caseworker],
    };
    let a = store.access(&cw, None);
    let persons = a.persons().list_persons(Page::new(0, 10)).await?.items;
    let person = |i: usize| persons.get(i).map(|p| p.id);
    let today = time::OffsetDateTime::now_utc().date();
    let days_ago = |d: i64| today - Duration::days(d);
    let policy = ReflectionPolicy::new("FR", 30)?;

    // Identified, just opened.
    a.cases().create_case(NewCase {
        person_id: person(0),
        identified_on: Some(today),
        content: content(
            "DEMO-01 outreach contact, car wash",
            "Met during outreach at a car wash; works 14 hours a day, documents held by the employer.",
            "Medical check, legal information",
        ),
        ..Default::default()
    })
    .await?;

    // Recovery and reflection period ending in 6 days; consent and a pending referral to the
    // shelter.
    let reflection = a
        .cases()
        .create_case(NewCase {
            person_id: person(1),
            identified_on: Some(days_ago(25)),
            content: CaseContent {
                contact: "Through the NGO drop-in, Tuesdays and Thursdays".into(),
                health: "Sleep problems, no treatment yet".into(),
                safety: SafetyPlan {
                    risk: "high".into(),
                    threats: "The recruiter has contacted her family at home".into(),
                    contacts_to_avoid: "The recruiter and his brother".into(),
                    safe_channel: "Only via the NGO phone, never her own".into(),
                    code_word: "sunflower".into(),
                },
                ..content(
                    "DEMO-02 domestic work, reflection period",
                    "Domestic worker, passport confiscated, unpaid for six months.",
                    "Safe accommodation, psychological support",
                )
            },
            ..Default::default()
        })
        .await?;
    a.cases()
        .transition_case(
            reflection,
            CaseAction::StartReflection {
                start: days_ago(24),
                policy: policy.clone(),
            },
        )
        .await?;
    a.consents()
        .record_consent(
            reflection,
            NewConsent {
                purpose: ConsentPurpose::Referral,
                recipients: [orgs.shelter].into_iter().collect(),
                scope: [
                    FieldGroup::CaseSummary,
                    FieldGroup::Needs,
                    FieldGroup::Contact,
                ]
                .into_iter()
                .collect(),
                language: "ro".into(),
                given: true,
                date: Some(days_ago(2)),
                valid_until: None,
                guardian: None,
            },
        )
        .await?;
    a.referrals()
        .send_referral(
            reflection,
            NewReferralForm {
                to_org: orgs.shelter,
                service: None,
                reason: ReferralReason::AdditionalServicesRequired,
                details: "Needs a bed from Friday; speaks Romanian and some English.".into(),
                fields: [FieldGroup::CaseSummary, FieldGroup::Needs]
                    .into_iter()
                    .collect(),
            },
        )
        .await?;

    // Assistance: services, a task, proceedings with a court date, a permit, compensation.
    let assisted = a
        .cases()
        .create_case(NewCase {
            person_id: person(2),
            identified_on: Some(days_ago(90)),
            content: content(
                "DEMO-03 agriculture, assistance",
                "Seasonal farm worker, debt bondage through recruitment fees.",
                "Legal counselling, work permit",
            ),
            ..Default::default()
        })
        .await?;
    a.cases()
        .transition_case(
            assisted,
            CaseAction::StartReflection {
                start: days_ago(88),
                policy: policy.clone(),
            },
        )
        .await?;
    a.cases()
        .transition_case(assisted, CaseAction::StartAssistance)
        .await?;
    a.cases()
        .transition_case(assisted, CaseAction::OpenProceedings)
        .await?;
    a.services()
        .add_service(
            assisted,
            NewService {
                kind: ServiceKind::SafeAccommodation,
                provider_org: Some(orgs.shelter),
                start_on: Some(days_ago(80)),
                end_on: None,
                status: ServiceStatus::InProgress,
                outcome: String::new(),
            },
        )
        .await?;
    a.services()
        .add_service(
            assisted,
            NewService {
                kind: ServiceKind::LegalCounselling,
                provider_org: None,
                start_on: Some(days_ago(60)),
                end_on: Some(days_ago(30)),
                status: ServiceStatus::Delivered,
                outcome: "Complaint prepared with the lawyer".into(),
            },
        )
        .await?;
    a.services()
        .add_task(
            assisted,
            "Book an interpreter for the hearing",
            Some(user),
            Some(today + Duration::days(3)),
        )
        .await?;
    a.judicial()
        .add_proceedings(
            assisted,
            ProceedingsStage::ComplaintFiled,
            VictimRole::Witness,
            days_ago(45),
            "Regional court; protection measure requested: testimony by video",
        )
        .await?;
    a.judicial()
        .add_court_date(
            assisted,
            today + Duration::days(10),
            true,
            "Hearing of the witness",
        )
        .await?;
    a.judicial()
        .add_permit(
            assisted,
            PermitRecord {
                id: String::new(),
                applied_on: days_ago(70),
                renewal: false,
                decision: "granted".into(),
                decided_on: Some(days_ago(50)),
                expires_on: Some(today + Duration::days(20)),
            },
        )
        .await?;
    a.judicial()
        .add_compensation(
            assisted,
            CompensationRecord {
                id: String::new(),
                currency: "EUR".into(),
                claimed: "8450.00".into(),
                awarded: None,
                received: "0".into(),
                filed_on: days_ago(40),
            },
        )
        .await?;

    // Follow-up.
    let follow = a
        .cases()
        .create_case(NewCase {
            person_id: person(3),
            identified_on: Some(days_ago(200)),
            content: content(
                "DEMO-04 restaurant kitchen, follow-up",
                "Kitchen worker, now employed elsewhere; monthly check-in.",
                "Vocational training",
            ),
            ..Default::default()
        })
        .await?;
    a.cases()
        .transition_case(follow, CaseAction::StartAssistance)
        .await?;
    a.cases()
        .transition_case(follow, CaseAction::StartFollowUp)
        .await?;

    // Closed.
    let closed = a
        .cases()
        .create_case(NewCase {
            person_id: person(4),
            identified_on: Some(days_ago(400)),
            content: content(
                "DEMO-05 construction, closed",
                "Construction worker, returned home with reintegration support.",
                "Return and reintegration",
            ),
            ..Default::default()
        })
        .await?;
    a.cases()
        .transition_case(closed, CaseAction::StartAssistance)
        .await?;
    a.cases()
        .transition_case(
            closed,
            CaseAction::Close {
                reason: "Returned home; reintegration partner took over".into(),
                referred_out: false,
            },
        )
        .await?;
    Ok(())
}

async fn directory(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    let entries = [
        (
            orgs.ngo,
            vec![
                "legal_counselling",
                "psychological_support",
                "interpretation",
            ],
            "Île-de-France",
            "fr, en, ro, uk, ti",
            "Mon–Fri 9:00–18:00; hotline 24/7",
            "Taking new cases",
            "intake desk, +33 1 00 00 00 01",
        ),
        (
            orgs.shelter,
            vec!["safe_accommodation", "material_assistance", "medical_care"],
            "Île-de-France",
            "fr, en, ro",
            "24/7",
            "2 beds free",
            "duty phone, +33 1 00 00 00 02",
        ),
        (
            orgs.union,
            vec!["work_and_training", "legal_counselling"],
            "France",
            "fr, en, pl, ro",
            "Mon–Sat 10:00–19:00",
            "Open",
            "+33 1 00 00 00 03",
        ),
    ];
    for (org, services, regions, languages, hours, capacity, contact) in entries {
        let p = coordinator(org);
        store
            .access(&p, None)
            .service_directory()
            .update_directory_entry(DirectoryEntry {
                services: services.into_iter().map(str::to_owned).collect(),
                regions: regions.into(),
                languages: languages.into(),
                opening_hours: hours.into(),
                capacity: capacity.into(),
                contact: contact.into(),
                ..Default::default()
            })
            .await?;
    }
    Ok(())
}

/// The benchmark's data set (hidden `ally demo --bench-cases N --bench-audit-rows M`): `cases`
/// synthetic cases of the demo NGO spread over caseworker@ngo.demo and synthetic colleagues,
/// and `audit_rows` audit events; with `paths_out`, writes `/cases/<id>` of up to 10,000 of the
/// NGO's cases spread over all of them, one a line (wrk picks among them at random; the demo
/// caseworker may open every one).
pub async fn seed_bench(
    store: &Store,
    cases: usize,
    audit_rows: usize,
    paths_out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    const CASEWORKER: &str = "caseworker@ngo.demo";
    let started = std::time::Instant::now();
    let seeded = store
        .seed_protection_bench(CASEWORKER, cases, audit_rows)
        .await
        .context("seeding the benchmark data set")?;
    println!(
        "Seeded {} bench cases ({} for {CASEWORKER}) and {} audit rows in {:.1} s",
        seeded.cases,
        seeded.own_cases,
        seeded.audit_rows,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = paths_out {
        let ids = store.bench_case_ids(CASEWORKER, 10_000).await?;
        let text: String = ids.iter().map(|id| format!("/cases/{id}\n")).collect();
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
