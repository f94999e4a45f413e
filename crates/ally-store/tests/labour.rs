//! The labour module's storage contract (issue 6), on SQLite and (when configured) PostgreSQL:
//! employers and chains, joint inspections with partner grants and consent-bound identities,
//! document checks, labour-court cases; sealing at rest; bad input writes nothing.
#![allow(clippy::unwrap_used)]

use ally_core::authz::{Denied, Role};
use ally_core::labour::{
    CaseEntry, ChainLinkInput, CheckInput, EmployerInput, InspectionEntry, InspectionPlan,
    NewLabourCase, PartnerInput, WorkplaceInput,
};
use ally_core::org::OrgKind;
use ally_store::StoreError;
use ally_store::testing::{self, TestDb};
use sqlx::{Connection, Row};

const WORKER: &str = "Vasile Zamfirescu-Labourtest";
const HIDDEN_WORKER: &str = "Petru Quintanilla-Labourtest";
const EMPLOYER: &str = "Betonbau Fictivia SARL";

mod common;

use common::World;

async fn world(db: &TestDb) -> World {
    World::builder()
        .org("union", "Union", OrgKind::Union)
        .org("police", "Police", OrgKind::LawEnforcementLiaison)
        .org("inspectorate", "Inspectorate", OrgKind::LabourInspectorate)
        .org("other", "Other", OrgKind::Ngo)
        .user("union", "union", &[Role::UnionRepresentative])
        .user("police", "police", &[Role::LawEnforcementLiaison])
        .user("inspectorate", "inspectorate", &[Role::Coordinator])
        .user("outsider", "other", &[Role::Coordinator])
        .user("auditor", "union", &[Role::Auditor])
        .build(db)
        .await
}

fn employer(name: &str) -> EmployerInput {
    EmployerInput {
        legal_name: name.into(),
        registration_number: "RCS 123 456 789".into(),
        sector: "construction".into(),
        addresses: vec!["12 rue du Chantier, Lyon".into()],
    }
}

/// A record whose single payslip pays 10.00/h for 151.67 h, below the French minimum.
const UNDERPAID: &str = r#"{"contract": {"start_date": "2025-01-06", "hourly_wage": "10.00", "weekly_hours": "35",
  "written_contract": true, "work_permit_required": false, "work_permit_present": false,
  "identity_documents_retained": false},
 "payslips": [{"period_start": "2025-03-01", "period_end": "2025-03-31", "hours_paid": "151.67",
  "gross": "1516.70", "deductions": [], "net_paid": "1516.70"}],
 "timesheets": []}"#;

async fn raw_blobs(db: &TestDb) -> Vec<Vec<u8>> {
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let mut out = Vec::new();
    for t in [
        "labour_employers",
        "labour_workplaces",
        "labour_inspections",
        "labour_checks",
        "labour_cases",
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT sealed FROM {t}")))
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in rows {
            out.push(r.try_get::<Vec<u8>, _>("sealed").unwrap());
        }
    }
    c.close().await.unwrap();
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn iv_actions_n(w: &World, id: &str) -> Vec<usize> {
    w.store
        .access(w.user("inspectorate"), None)
        .inspections()
        .get_inspection(id)
        .await
        .unwrap()
        .actions
        .iter()
        .map(|a| a.n)
        .collect()
}

#[tokio::test]
async fn the_whole_labour_flow_with_partner_grants_and_sealing() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("union"), None);
        // Employers and a subcontracting chain.
        let principal = a
            .employers()
            .create_employer(employer(EMPLOYER))
            .await
            .unwrap();
        let sub = a
            .employers()
            .create_employer(employer("Sous-Traitance Fictive SRL"))
            .await
            .unwrap();
        let agency = a
            .employers()
            .create_employer(employer("Interim Fictif"))
            .await
            .unwrap();
        let site = a
            .employers()
            .create_workplace(WorkplaceInput {
                employer_id: principal.clone(),
                name: "Chantier Fictif".into(),
                address: "1 quai Imaginaire".into(),
            })
            .await
            .unwrap();
        a.employers()
            .set_chain_link(
                &site,
                ChainLinkInput {
                    employer_id: sub.clone(),
                    role: "subcontractor".into(),
                    contracted_by: Some(principal.clone()),
                    collective_agreement: "CCN Bâtiment ouvriers".into(),
                },
            )
            .await
            .unwrap();
        a.employers()
            .set_chain_link(
                &site,
                ChainLinkInput {
                    employer_id: agency.clone(),
                    role: "temporary_work_agency".into(),
                    contracted_by: Some(sub.clone()),
                    collective_agreement: String::new(),
                },
            )
            .await
            .unwrap();
        let wp = a.employers().get_workplace(&site).await.unwrap();
        assert_eq!(wp.chain.len(), 3);
        assert_eq!(
            wp.chain[2].contracted_by_name.as_deref(),
            Some("Sous-Traitance Fictive SRL")
        );
        // A link to an employer outside the chain is refused, nothing written.
        let err = a
            .employers()
            .set_chain_link(
                &site,
                ChainLinkInput {
                    employer_id: agency.clone(),
                    role: "subcontractor".into(),
                    contracted_by: Some(uuid::Uuid::new_v4().to_string()),
                    collective_agreement: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(ref f) if f[0].field == "contracted_by"));

        // A joint inspection with the police and the labour inspectorate.
        let id = a
            .inspections()
            .plan_inspection(InspectionPlan {
                workplace_id: site.clone(),
                date: "2026-12-03".into(),
                legal_basis: "Code du travail L8271-1".into(),
                checklist: "construction".into(),
                languages: vec!["ro".into(), "bg".into()],
                interpreters_needed: true,
                partners: vec![
                    PartnerInput {
                        org_id: w.user("police").org_id.to_string(),
                        kind: "police".into(),
                        members: vec!["Officer One".into()],
                    },
                    PartnerInput {
                        org_id: w.user("inspectorate").org_id.to_string(),
                        kind: "labour_inspectorate".into(),
                        members: vec![],
                    },
                ],
            })
            .await
            .unwrap();
        for entry in [
            InspectionEntry::Answer {
                item: "payslips_available".into(),
                answer: "no".into(),
                note: String::new(),
            },
            InspectionEntry::Worker {
                name: WORKER.into(),
                language: "ro".into(),
                person_id: None,
                consent_share: true,
                interview_id: None,
                note: String::new(),
            },
            InspectionEntry::Worker {
                name: HIDDEN_WORKER.into(),
                language: "bg".into(),
                person_id: Some(uuid::Uuid::new_v4().to_string()),
                consent_share: false,
                interview_id: None,
                note: "lives on site".into(),
            },
            InspectionEntry::Finding {
                text: "Passports held by the site manager".into(),
            },
            InspectionEntry::Action {
                assigned_org: w.user("police").org_id.to_string(),
                text: "Open an investigation".into(),
                due: Some("2026-12-10".into()),
            },
            InspectionEntry::Action {
                assigned_org: w.user("inspectorate").org_id.to_string(),
                text: "Audit the payroll".into(),
                due: None,
            },
        ] {
            a.inspections().record_inspection(&id, entry).await.unwrap();
        }
        // The owner sees everything.
        let v = a.inspections().get_inspection(&id).await.unwrap();
        assert!(v.is_owner);
        assert_eq!(v.workers[1].name.as_deref(), Some(HIDDEN_WORKER));
        assert_eq!(v.actions.len(), 2);
        assert_eq!(v.employer_names.len(), 3);
        // A partner sees the inspection, consented identities only, and its own actions only.
        let pv = w
            .store
            .access(w.user("police"), None)
            .inspections()
            .get_inspection(&id)
            .await
            .unwrap();
        assert!(!pv.is_owner);
        assert_eq!(pv.workers[0].name.as_deref(), Some(WORKER));
        assert_eq!(pv.workers[1].name, None);
        assert_eq!(pv.workers[1].person_id, None);
        assert_eq!(pv.workers[1].note, None);
        assert_eq!(pv.workers[1].n, 2);
        assert_eq!(pv.actions.len(), 1);
        assert_eq!(pv.actions[0].text, "Open an investigation");
        assert_eq!(pv.findings.len(), 1);
        let iv = w
            .store
            .access(w.user("inspectorate"), None)
            .inspections()
            .get_inspection(&id)
            .await
            .unwrap();
        assert_eq!(iv.actions.len(), 1);
        assert_eq!(iv.actions[0].text, "Audit the payroll");
        // A partner marks its own follow-up action done, not another's.
        let police = w.store.access(w.user("police"), None);
        police
            .inspections()
            .complete_inspection_action(&id, 1)
            .await
            .unwrap();
        assert!(matches!(
            police
                .inspections()
                .complete_inspection_action(&id, 2)
                .await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));
        let v = a.inspections().get_inspection(&id).await.unwrap();
        assert!(v.actions[0].done_at_ms.is_some());
        assert!(v.actions[1].done_at_ms.is_none());
        assert_eq!(pv.actions[0].n, 1);
        assert_eq!(iv_actions_n(&w, &id).await, vec![2]);
        // Both partners list it; the outsider neither sees nor lists it.
        let listed = w
            .store
            .access(w.user("police"), None)
            .inspections()
            .list_inspections()
            .await
            .unwrap();
        assert!(listed.iter().any(|i| i.id == id && !i.is_owner));
        let out = w.store.access(w.user("outsider"), None);
        assert!(matches!(
            out.inspections().get_inspection(&id).await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));
        assert!(
            out.inspections()
                .list_inspections()
                .await
                .unwrap()
                .is_empty()
        );
        // Partners read but never write.
        let err = w
            .store
            .access(w.user("police"), None)
            .inspections()
            .record_inspection(&id, InspectionEntry::Finding { text: "x".into() })
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Denied(Denied::OtherOrganisation)));
        // A role without the action is refused whatever the record.
        assert!(matches!(
            w.store
                .access(w.user("auditor"), None)
                .inspections()
                .get_inspection(&id)
                .await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));
        // Adding a partner later grants it read access.
        assert!(out.inspections().get_inspection(&id).await.is_err());
        a.inspections()
            .add_inspection_partner(
                &id,
                PartnerInput {
                    org_id: w.user("outsider").org_id.to_string(),
                    kind: "tax_authority".into(),
                    members: vec![],
                },
            )
            .await
            .unwrap();
        assert!(out.inspections().get_inspection(&id).await.is_ok());

        // A document check flags the underpayment; the case takes its amount.
        let check = a
            .document_checks()
            .run_document_check(CheckInput {
                worker_label: WORKER.into(),
                rule_set: "fr-construction-2025".into(),
                inspection_id: Some(id.clone()),
                record_json: UNDERPAID.into(),
                payslips_csv: String::new(),
                timesheets_csv: String::new(),
            })
            .await
            .unwrap();
        let c = a
            .document_checks()
            .get_document_check(&check)
            .await
            .unwrap();
        let under = c
            .findings
            .iter()
            .find(|f| f.kind == "underpayment")
            .unwrap();
        assert!(under.arithmetic.contains("151.67"), "{}", under.arithmetic);
        let owed: rust_decimal::Decimal = under.amount.parse().unwrap();
        assert!(owed > rust_decimal::Decimal::ZERO);
        assert_eq!(
            a.document_checks()
                .list_document_checks(Some(&id))
                .await
                .unwrap()
                .len(),
            1
        );
        // Another organisation cannot open it.
        assert!(matches!(
            w.store
                .access(w.user("inspectorate"), None)
                .document_checks()
                .get_document_check(&check)
                .await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));

        let case = a
            .labour_cases()
            .open_labour_case(NewLabourCase {
                title: "Unpaid wages at Chantier Fictif".into(),
                collective_agreement: "CCN Bâtiment".into(),
                claimant_name: WORKER.into(),
                claimant_consent: true,
                check_id: Some(check.clone()),
                employer_ids: vec![principal.clone(), sub.clone()],
            })
            .await
            .unwrap();
        a.labour_cases()
            .update_labour_case(
                &case,
                CaseEntry::Evidence {
                    description: "Payslip March".into(),
                    sha256: "AB".repeat(32),
                },
            )
            .await
            .unwrap();
        a.labour_cases()
            .update_labour_case(
                &case,
                CaseEntry::Hearing {
                    date: "2099-01-15".into(),
                    court: "Conseil de prud'hommes".into(),
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        let lc = a.labour_cases().get_labour_case(&case).await.unwrap();
        // The two named, plus the chain of the inspected site (the agency), with their positions.
        assert_eq!(lc.employers.len(), 3);
        let roles: Vec<&str> = lc.employers.iter().map(|e| e.role.as_str()).collect();
        assert_eq!(
            roles,
            ["principal", "subcontractor", "temporary_work_agency"]
        );
        assert_eq!(lc.claims.len(), 1);
        assert_eq!(
            lc.claims[0]
                .amount
                .parse::<rust_decimal::Decimal>()
                .unwrap(),
            owed
        );
        assert_eq!(lc.claimed_total, lc.claims[0].amount);
        assert_eq!(lc.evidence[0].sha256, "ab".repeat(32));
        assert_eq!(lc.upcoming_hearings("2026-01-01").len(), 1);
        let listed = a.labour_cases().list_labour_cases().await.unwrap();
        assert_eq!(listed[0].next_hearing.as_deref(), Some("2099-01-15"));
        a.labour_cases()
            .update_labour_case(
                &case,
                CaseEntry::Outcome {
                    text: "Settled".into(),
                    recovered: "150.00".into(),
                    date: "2026-11-01".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            a.labour_cases()
                .get_labour_case(&case)
                .await
                .unwrap()
                .status,
            "closed"
        );
        // The police liaison reads cases but may not manage them; other orgs get not-found.
        assert!(matches!(
            w.store
                .access(w.user("police"), None)
                .labour_cases()
                .get_labour_case(&case)
                .await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));

        // Nothing identifying is stored in clear.
        let blobs = raw_blobs(&db).await;
        assert_eq!(blobs.len(), 7);
        for b in &blobs {
            for needle in [
                WORKER,
                HIDDEN_WORKER,
                EMPLOYER,
                "Chantier Fictif",
                "Passports held",
            ] {
                assert!(!contains(b, needle), "{needle} in clear");
            }
        }
        if let Some(path) = db.sqlite_path() {
            w.store.close().await;
            for suffix in ["", "-wal"] {
                let p = format!("{}{suffix}", path.display());
                if let Ok(bytes) = std::fs::read(&p) {
                    for needle in [WORKER, HIDDEN_WORKER, EMPLOYER] {
                        assert!(!contains(&bytes, needle), "{needle} in clear in {p}");
                    }
                }
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_by_field_and_writes_nothing() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("union"), None);
        let field = |e: StoreError| match e {
            StoreError::Invalid(f) => f[0].field,
            other => panic!("{other:?}"),
        };
        let mut e = employer("X");
        e.sector = "piracy".into();
        assert_eq!(
            field(a.employers().create_employer(e).await.unwrap_err()),
            "sector"
        );
        assert_eq!(
            field(
                a.employers()
                    .create_employer(employer("  "))
                    .await
                    .unwrap_err()
            ),
            "legal_name"
        );
        assert!(a.employers().list_employers().await.unwrap().is_empty());
        let emp = a.employers().create_employer(employer("Y")).await.unwrap();
        let site = a
            .employers()
            .create_workplace(WorkplaceInput {
                employer_id: emp,
                name: "Site".into(),
                address: String::new(),
            })
            .await
            .unwrap();
        let plan = |date: &str, partner: String| InspectionPlan {
            workplace_id: site.clone(),
            date: date.into(),
            legal_basis: "L8271-1".into(),
            checklist: "construction".into(),
            partners: vec![PartnerInput {
                org_id: partner,
                kind: "police".into(),
                members: vec![],
            }],
            ..Default::default()
        };
        assert_eq!(
            field(
                a.inspections()
                    .plan_inspection(plan("2026-13-01", w.user("police").org_id.to_string()))
                    .await
                    .unwrap_err()
            ),
            "date"
        );
        assert_eq!(
            field(
                a.inspections()
                    .plan_inspection(plan("2026-12-01", uuid::Uuid::new_v4().to_string()))
                    .await
                    .unwrap_err()
            ),
            "partner_org"
        );
        assert!(a.inspections().list_inspections().await.unwrap().is_empty());
        // Malformed documents: negative hours, dates out of order.
        let bad = UNDERPAID.replace("\"151.67\"", "\"-3\"");
        let input = |json: &str, csv: &str| CheckInput {
            worker_label: "W".into(),
            rule_set: "fr-construction-2025".into(),
            inspection_id: None,
            record_json: json.into(),
            payslips_csv: csv.into(),
            timesheets_csv: String::new(),
        };
        assert_eq!(
            field(
                a.document_checks()
                    .run_document_check(input(&bad, ""))
                    .await
                    .unwrap_err()
            ),
            "documents"
        );
        let out_of_order =
            "period_start,period_end,hours_paid,gross,net_paid\n2025-05-31,2025-05-01,10,100,100\n";
        assert_eq!(
            field(
                a.document_checks()
                    .run_document_check(input(UNDERPAID, out_of_order))
                    .await
                    .unwrap_err()
            ),
            "documents"
        );
        let mut unknown = input(UNDERPAID, "");
        unknown.rule_set = "xx".into();
        assert_eq!(
            field(
                a.document_checks()
                    .run_document_check(unknown)
                    .await
                    .unwrap_err()
            ),
            "rule_set"
        );
        assert!(
            a.document_checks()
                .list_document_checks(None)
                .await
                .unwrap()
                .is_empty()
        );
        // A case needs the claimant's consent.
        let no_consent = NewLabourCase {
            title: "T".into(),
            claimant_name: "C".into(),
            claimant_consent: false,
            ..Default::default()
        };
        assert_eq!(
            field(
                a.labour_cases()
                    .open_labour_case(no_consent)
                    .await
                    .unwrap_err()
            ),
            "claimant_consent"
        );
        assert!(
            a.labour_cases()
                .list_labour_cases()
                .await
                .unwrap()
                .is_empty()
        );
        db.cleanup().await;
    }
}
