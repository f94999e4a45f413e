//! Architecture invariant: authorise before decrypting. For each kind of sealed record an
//! organisation holds, a user of another organisation (without any grant) asks for it through
//! the access layer, is refused, and no sealed value of the owner is opened: the store counts
//! every value each organisation's keys open (`Store::sealed_values_opened`), and the count
//! stays the same across the refused read. Runs on SQLite and (when configured) PostgreSQL.
#![allow(clippy::unwrap_used)]

use std::future::Future;

use ally_core::authz::{Principal, Role};
use ally_core::information::{EntityInput, ReportInput};
use ally_core::labour::{CheckInput, EmployerInput, InspectionPlan, NewLabourCase, WorkplaceInput};
use ally_core::org::OrgKind;
use ally_core::person::PersonForm;
use ally_core::{OrgId, UserId};
use ally_store::protection::{CaseContent, NewCase};
use ally_store::testing::{self, TestDb};
use ally_store::{MasterKey, NewInterview, Policy, Store, StoreError};

struct World {
    store: Store,
    owner_org: OrgId,
    /// A coordinator of the organisation that holds the records.
    owner: Principal,
    /// A coordinator of another organisation, with no grant on any of them.
    stranger: Principal,
}

async fn world(db: &TestDb) -> World {
    let store = Store::open(&db.url, MasterKey::from_bytes([9; 32]), Policy::default())
        .await
        .unwrap();
    let owner_org = store
        .create_organisation("Owner NGO", OrgKind::Ngo, false)
        .await
        .unwrap();
    let other = store
        .create_organisation("Other NGO", OrgKind::Ngo, false)
        .await
        .unwrap();
    let mk = |org| Principal {
        user_id: UserId::new(),
        org_id: org,
        roles: vec![Role::Coordinator],
    };
    World {
        owner: mk(owner_org),
        stranger: mk(other),
        store,
        owner_org,
    }
}

/// Runs the refused read and checks that it was refused and opened nothing of the owner's.
async fn refused_without_opening<T, F>(w: &World, what: &str, read: F)
where
    F: Future<Output = Result<T, StoreError>>,
{
    let before = w.store.sealed_values_opened(w.owner_org);
    let result = read.await;
    let opened = w.store.sealed_values_opened(w.owner_org) - before;
    assert!(
        matches!(
            result,
            Err(StoreError::Denied(_)) | Err(StoreError::NotFound)
        ),
        "{what}: the read of another organisation's record was not refused: {:?}",
        result.err()
    );
    assert_eq!(
        opened, 0,
        "{what}: a refused read opened {opened} sealed values"
    );
}

async fn new_person(w: &World) -> ally_core::PersonId {
    w.store
        .access(&w.owner, None)
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
        .unwrap()
}

fn employer() -> EmployerInput {
    EmployerInput {
        legal_name: "Betonbau Fictivia SARL".into(),
        registration_number: "RCS 123 456 789".into(),
        sector: "construction".into(),
        addresses: vec!["12 rue du Chantier, Lyon".into()],
    }
}

#[tokio::test]
async fn persons() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = new_person(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(&w, "person", other.persons().get_person(id)).await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn protection_cases() {
    for db in testing::all().await {
        let w = world(&db).await;
        let person = new_person(&w).await;
        let case = w
            .store
            .access(&w.owner, None)
            .cases()
            .create_case(NewCase {
                person_id: Some(person),
                interview_id: None,
                identified_on: None,
                may_be_child: false,
                content: CaseContent {
                    reference: "REF-1".into(),
                    summary: "Recruited for farm work, passport withheld".into(),
                    ..Default::default()
                },
            })
            .await
            .unwrap();
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(&w, "protection case", other.cases().open_case(case)).await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn interviews() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(&w.owner, None);
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
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(&w, "interview", other.interviews().get_interview(id)).await;
        w.store.close().await;
        db.cleanup().await;
    }
}

/// A report with one entity, filed by the owner: (report, entity).
async fn filed_report(w: &World) -> (uuid::Uuid, uuid::Uuid) {
    let a = w.store.access(&w.owner, None);
    let report = ReportInput {
        what: "Quellazaire recruits women at the bus station".into(),
        place: "Rue des Lilas 4".into(),
        exploitation: "labour".into(),
        entities: vec![EntityInput {
            kind: "phone".into(),
            role: "recruiter".into(),
            value: "+40 721 555 019".into(),
        }],
        ..Default::default()
    }
    .validate(|_| true, false)
    .unwrap();
    let id = a.reports().file_report(report).await.unwrap();
    let entity = a.reports().get_report(id).await.unwrap().entities[0].id;
    (id, entity)
}

#[tokio::test]
async fn information_reports() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (id, _) = filed_report(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(&w, "information report", other.reports().get_report(id)).await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn information_entities() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (_, entity) = filed_report(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(
            &w,
            "information entity",
            other.entities().get_entity(entity),
        )
        .await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn labour_employers() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = w
            .store
            .access(&w.owner, None)
            .employers()
            .create_employer(employer())
            .await
            .unwrap();
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(&w, "labour employer", other.employers().get_employer(&id)).await;
        w.store.close().await;
        db.cleanup().await;
    }
}

/// Labour records of the owner: (workplace, inspection, document check, labour case).
async fn labour_records(w: &World) -> (String, String, String, String) {
    let a = w.store.access(&w.owner, None);
    let employer = a.employers().create_employer(employer()).await.unwrap();
    let site = a
        .employers()
        .create_workplace(WorkplaceInput {
            employer_id: employer.clone(),
            name: "Chantier Fictif".into(),
            address: "1 quai Imaginaire".into(),
        })
        .await
        .unwrap();
    let inspection = a
        .inspections()
        .plan_inspection(InspectionPlan {
            workplace_id: site.clone(),
            date: "2026-12-03".into(),
            legal_basis: "Code du travail L8271-1".into(),
            checklist: "construction".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let check = a
        .document_checks().run_document_check(CheckInput {
            worker_label: "Vasile Zamfirescu".into(),
            rule_set: "fr-construction-2025".into(),
            record_json: r#"{"contract": {"start_date": "2025-01-06", "hourly_wage": "10.00", "weekly_hours": "35",
  "written_contract": true, "work_permit_required": false, "work_permit_present": false,
  "identity_documents_retained": false},
 "payslips": [], "timesheets": []}"#
                .into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let case = a
        .labour_cases()
        .open_labour_case(NewLabourCase {
            title: "Unpaid wages at Chantier Fictif".into(),
            collective_agreement: "CCN Bâtiment".into(),
            claimant_name: "Vasile Zamfirescu".into(),
            claimant_consent: true,
            check_id: Some(check.clone()),
            employer_ids: vec![employer],
        })
        .await
        .unwrap();
    (site, inspection, check, case)
}

#[tokio::test]
async fn labour_workplaces() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (site, ..) = labour_records(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(
            &w,
            "labour workplace",
            other.employers().get_workplace(&site),
        )
        .await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn labour_inspections() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (_, inspection, ..) = labour_records(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(
            &w,
            "labour inspection",
            other.inspections().get_inspection(&inspection),
        )
        .await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn labour_document_checks() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (_, _, check, _) = labour_records(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(
            &w,
            "labour document check",
            other.document_checks().get_document_check(&check),
        )
        .await;
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn labour_cases() {
    for db in testing::all().await {
        let w = world(&db).await;
        let (.., case) = labour_records(&w).await;
        let other = w.store.access(&w.stranger, None);
        refused_without_opening(
            &w,
            "labour case",
            other.labour_cases().get_labour_case(&case),
        )
        .await;
        w.store.close().await;
        db.cleanup().await;
    }
}
