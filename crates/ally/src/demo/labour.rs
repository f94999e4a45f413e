//! Demo data of the labour module (issue 6). Every name and detail is invented.
//!
//! In the demo union: a construction site with a subcontracting chain (principal → contractor
//! → subcontractor → temporary-work agency), a joint inspection with the demo police liaison
//! unit and labour inspectorate (checklist answers, workers met, one of whom agreed to share
//! their identity with partners, documents, findings, follow-up actions per partner), a payslip
//! check that flags underpayment, and a labour-court case built on it with a coming hearing.

use ally_core::UserId;
use ally_core::authz::{Principal, Role};
use ally_core::labour::{
    CaseEntry, ChainLinkInput, CheckInput, EmployerInput, InspectionEntry, InspectionPlan,
    NewLabourCase, PartnerInput, WorkplaceInput,
};
use ally_store::Store;

use crate::demo::DemoOrgs;

/// Invented employers of the demo chain: (legal name, registration number, role).
pub const EMPLOYERS: &[(&str, &str, &str)] = &[
    (
        "Horizon Bâtiment Démo SA",
        "RCS Lyon 900 000 001",
        "principal",
    ),
    (
        "Gros Œuvre Fictif SARL",
        "RCS Lyon 900 000 002",
        "contractor",
    ),
    ("Betonex Demo SRL", "RO J40/0000/2020", "subcontractor"),
    (
        "InterimPlus Démo",
        "RCS Lyon 900 000 004",
        "temporary_work_agency",
    ),
];

/// Invented workers met during the demo inspection: (name, language, shares identity).
pub const WORKERS: &[(&str, &str, bool)] = &[
    ("Ilie Demoworker", "ro", true),
    ("Stoyan Fictivov", "bg", false),
];

/// One month paid 10.00 an hour for 151.67 hours (below the French minimum), a recruitment
/// fee deducted, and part of the net pay never received.
const DEMO_RECORD: &str = r#"{
  "contract": {"start_date": "2025-01-06", "hourly_wage": "10.00", "weekly_hours": "35",
    "written_contract": false, "work_permit_required": true, "work_permit_present": false,
    "identity_documents_retained": true},
  "payslips": [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_paid": "151.67",
    "gross": "1516.70", "deductions": [{"kind": "recruitment_fee", "amount": "200.00"}],
    "net_paid": "1316.70", "amount_received": "900.00", "debt_balance": "1800.00"}],
  "timesheets": [{"date": "2025-03-03", "hours": "11", "start": "06:00", "end": "18:00"}]
}"#;

/// Adds the module's demo records (called once, by `demo::seed`, after the persons).
pub async fn seed(store: &Store, orgs: &DemoOrgs) -> anyhow::Result<()> {
    let rep = Principal {
        user_id: UserId::new(),
        org_id: orgs.union,
        roles: vec![Role::UnionRepresentative],
    };
    let a = store.access(&rep, None);
    let mut ids = Vec::new();
    for (name, reg, _) in EMPLOYERS {
        ids.push(
            a.employers()
                .create_employer(EmployerInput {
                    legal_name: (*name).into(),
                    registration_number: (*reg).into(),
                    sector: "construction".into(),
                    addresses: vec!["14 avenue de l'Exemple, 69000 Lyon".into()],
                })
                .await?,
        );
    }
    let site = a
        .employers()
        .create_workplace(WorkplaceInput {
            employer_id: ids[0].clone(),
            name: "Chantier Résidence des Tilleuls (démo)".into(),
            address: "3 rue Imaginaire, 69007 Lyon".into(),
        })
        .await?;
    for (i, (_, _, role)) in EMPLOYERS.iter().enumerate().skip(1) {
        a.employers()
            .set_chain_link(
                &site,
                ChainLinkInput {
                    employer_id: ids[i].clone(),
                    role: (*role).into(),
                    contracted_by: Some(ids[i - 1].clone()),
                    collective_agreement: "CCN des ouvriers du bâtiment (IDCC 1596)".into(),
                },
            )
            .await?;
    }
    let inspection = a
        .inspections()
        .plan_inspection(InspectionPlan {
            workplace_id: site,
            date: "2026-11-12".into(),
            legal_basis: "Code du travail, art. L8271-1 et L8271-6-1 (contrôle conjoint)".into(),
            checklist: "construction".into(),
            languages: vec!["ro".into(), "bg".into()],
            interpreters_needed: true,
            partners: vec![
                PartnerInput {
                    org_id: orgs.police.to_string(),
                    kind: "police".into(),
                    members: vec!["Luc Liaison".into()],
                },
                PartnerInput {
                    org_id: orgs.labour_inspectorate.to_string(),
                    kind: "labour_inspectorate".into(),
                    members: vec!["Ingrid Inspector".into()],
                },
            ],
        })
        .await?;
    let mut entries = vec![
        InspectionEntry::Answer {
            item: "payslips_available".into(),
            answer: "no".into(),
            note: "Only two payslips on site".into(),
        },
        InspectionEntry::Answer {
            item: "identity_documents_with_workers".into(),
            answer: "no".into(),
            note: String::new(),
        },
        InspectionEntry::Document {
            document_kind: "payslip".into(),
            description: "March 2025 payslip of worker 1".into(),
        },
        InspectionEntry::Finding {
            text: "Passports kept by the subcontractor's site manager.".into(),
        },
        InspectionEntry::Action {
            assigned_org: orgs.police.to_string(),
            text: "Hear the site manager about the retained passports".into(),
            due: Some("2026-11-20".into()),
        },
        InspectionEntry::Action {
            assigned_org: orgs.labour_inspectorate.to_string(),
            text: "Audit the subcontractor's payroll".into(),
            due: Some("2026-12-15".into()),
        },
        InspectionEntry::Complete,
    ];
    for (name, language, share) in WORKERS {
        entries.insert(
            0,
            InspectionEntry::Worker {
                name: (*name).into(),
                language: (*language).into(),
                person_id: None,
                consent_share: *share,
                interview_id: None,
                note: String::new(),
            },
        );
    }
    for e in entries {
        a.inspections().record_inspection(&inspection, e).await?;
    }
    let check = a
        .document_checks()
        .run_document_check(CheckInput {
            worker_label: WORKERS[0].0.into(),
            rule_set: "fr-construction-2025".into(),
            inspection_id: Some(inspection),
            record_json: DEMO_RECORD.into(),
            payslips_csv: String::new(),
            timesheets_csv: String::new(),
        })
        .await?;
    let case = a
        .labour_cases()
        .open_labour_case(NewLabourCase {
            title: "Unpaid wages at Résidence des Tilleuls".into(),
            collective_agreement: "CCN des ouvriers du bâtiment (IDCC 1596)".into(),
            claimant_name: WORKERS[0].0.into(),
            claimant_consent: true,
            check_id: Some(check),
            employer_ids: ids.clone(),
        })
        .await?;
    a.labour_cases()
        .update_labour_case(
            &case,
            CaseEntry::Evidence {
                description: "Payslip March 2025 (scan)".into(),
                sha256: "9f2c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10".into(),
            },
        )
        .await?;
    a.labour_cases()
        .update_labour_case(
            &case,
            CaseEntry::Hearing {
                // Always ahead of the demo's start, so that the case page shows the reminder.
                date: (time::OffsetDateTime::now_utc().date() + time::Duration::days(45))
                    .to_string(),
                court: "Conseil de prud'hommes de Lyon (demo)".into(),
                note: "Conciliation".into(),
            },
        )
        .await?;
    Ok(())
}
