//! Matching between network members where one member runs its own Ally instance (issue 5, §3):
//! two separate stores (the network's instance on SQLite and, when configured, PostgreSQL; the
//! member's own instance on SQLite). The member encodes on its instance with the run's kit,
//! the organisation representing it uploads the encodings, the matcher pairs them with a local
//! member's, and each side learns only its own references and whom to contact.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use ally_core::OrgId;
use ally_core::authz::{Action, Denied, Role};
use ally_core::information::ValidReport;
use ally_core::org::OrgKind;
use ally_store::testing::{self, TestDb};
use ally_store::{PprlKit, PprlUploadError, StoreError, UploadProblem, pprl_clks_csv};
use base64::Engine as _;
use uuid::Uuid;

mod common;

use common::{World, audit_details, entity, is_not_found, report_at, who};

fn report(what: &str, persons: &[(&str, &str)]) -> ValidReport {
    let entities = persons
        .iter()
        .map(|(r, v)| entity("person", r, v))
        .collect();
    report_at("", what, entities)
}

async fn sql_count(db: &TestDb, sql: &str, bind: &str) -> i64 {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind.to_owned())
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

/// The encodings stored for an organisation in a run, by record.
async fn stored_clks(db: &TestDb, run: Uuid, org: OrgId) -> Vec<(String, Vec<u8>)> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .unwrap();
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT record_ref, clk FROM info_pprl_clks WHERE run_id = $1 AND org_id = $2 ORDER BY record_ref",
    )
    .bind(run.to_string())
    .bind(org.to_string())
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn an_external_member_takes_part_with_encodings_made_on_its_own_instance() {
    for net_db in testing::all().await {
        // ----- the network's instance -----
        let nw = World::builder()
            .org("network", "Network", OrgKind::Network)
            .org("shelter", "Shelter A", OrgKind::Shelter)
            .org("union_rep", "Union B (own instance)", OrgKind::Union)
            .org("outsider", "Outsider", OrgKind::Ngo)
            .member("network", "shelter")
            .member("network", "union_rep")
            .user("a_coord", "shelter", &[Role::Coordinator])
            .build(&net_db)
            .await;
        let net = nw.store.clone();
        let (network, shelter) = (nw.org("network"), nw.org("shelter"));
        let (union_rep, outsider) = (nw.org("union_rep"), nw.org("outsider"));
        let a_coord = nw.user("a_coord").clone();
        let a = net.access(&a_coord, None);
        let bx_coord = who(union_rep, &[Role::Coordinator]);
        let bx = net.access(&bx_coord, None);
        a.service_directory()
            .update_directory_entry(ally_store::protection::DirectoryEntry {
                org_id: shelter.to_string(),
                name: String::new(),
                kind: String::new(),
                services: vec![],
                regions: String::new(),
                languages: String::new(),
                opening_hours: String::new(),
                capacity: String::new(),
                contact: "intake@shelter-a.example, +40 21 000 000".into(),
            })
            .await
            .unwrap();
        let a_report = a
            .reports()
            .file_report(report(
                "Recruiter seen again",
                &[("recruiter", "Vasile Popescu")],
            ))
            .await
            .unwrap();
        let a_entity = a.reports().get_report(a_report).await.unwrap().entities[0].id;

        // ----- the member's own instance -----
        let member_db = testing::sqlite();
        let mw = World::builder()
            .key(9)
            .org("union", "Union B", OrgKind::Union)
            .user("b_coord", "union", &[Role::Coordinator])
            .build(&member_db)
            .await;
        let mem = mw.store.clone();
        let (b_org, b_coord) = (mw.org("union"), mw.user("b_coord").clone());
        let b = mem.access(&b_coord, None);
        let b_report = b
            .reports()
            .file_report(report(
                "Recruiter at the building site",
                &[("recruiter", "POPESCU Vasile"), ("witness", "Ana Ionescu")],
            ))
            .await
            .unwrap();
        let b_entities: Vec<Uuid> = b
            .reports()
            .get_report(b_report)
            .await
            .unwrap()
            .entities
            .iter()
            .map(|e| e.id)
            .collect();
        let b_popescu = b_entities[0];

        // A run; the kit for the external member.
        let run = a.pprl().start_pprl_run().await.unwrap();
        let caseworker = who(shelter, &[Role::Caseworker]);
        assert!(matches!(
            net.access(&caseworker, None)
                .pprl_members()
                .pprl_kit(run)
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::PprlRun))
        ));
        let out = who(outsider, &[Role::Coordinator]);
        assert!(is_not_found(
            &net.access(&out, None)
                .pprl_members()
                .pprl_kit(run)
                .await
                .unwrap_err()
        ));
        let kit_json = bx
            .pprl_members()
            .pprl_kit(run)
            .await
            .unwrap()
            .to_json()
            .unwrap();
        assert!(kit_json.contains("ally-pprl-kit"));
        assert!(kit_json.contains("x-ally-hardening"));
        assert!(!kit_json.contains("Popescu"));

        // ----- on the member's instance: encode with the kit -----
        let kit = PprlKit::from_json(kit_json.as_bytes()).unwrap();
        assert_eq!(kit.run_id, run);
        assert_eq!(kit.network_id, network);
        let b_caseworker = who(b_org, &[Role::Caseworker]);
        assert!(matches!(
            mem.access(&b_caseworker, None)
                .pprl_members()
                .pprl_contribute(&kit)
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::PprlRun))
        ));
        let rows = b.pprl_members().pprl_contribute(&kit).await.unwrap();
        assert_eq!(rows.len(), 2);
        let ids: HashSet<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, b_entities.iter().copied().collect());
        let csv = pprl_clks_csv(&rows);
        assert!(csv.starts_with("record_id,clk\n"));
        for name in ["opescu", "OPESCU", "Ionescu", "Vasile", "Ana"] {
            assert!(!csv.contains(name), "{name} in the encodings file");
        }
        assert_eq!(
            audit_details(&member_db, "pprl.contribute").await,
            vec!["records=2".to_owned()]
        );

        // ----- back on the network's instance: malformed uploads write nothing -----
        let line2 = |row: &str| format!("record_id,clk\n{row}\n");
        let first_clk = rows[0].1.to_base64();
        let id0 = rows[0].0;
        let bad: Vec<(String, usize, UploadProblem)> = vec![
            (
                format!("id,clk\n{id0},{first_clk}\n"),
                1,
                UploadProblem::Header,
            ),
            (
                line2(&format!("{id0},not*base64")),
                2,
                UploadProblem::Base64,
            ),
            (
                line2(&format!("{id0},{}", b64(&[0x0F; 64]))),
                2,
                UploadProblem::Length,
            ),
            (
                line2(&format!("{id0},{}", b64(&[0xFF; 128]))),
                2,
                UploadProblem::Weight,
            ),
            (
                format!("record_id,clk\n{id0},{first_clk}\n{id0},{first_clk}\n"),
                3,
                UploadProblem::Duplicate,
            ),
            (
                line2(&format!("Vasile Popescu,{first_clk}")),
                2,
                UploadProblem::RecordId,
            ),
            ("record_id,clk\n".into(), 2, UploadProblem::Empty),
        ];
        for (body, line, problem) in &bad {
            match bx
                .pprl_members()
                .pprl_upload(run, body.as_bytes())
                .await
                .unwrap_err()
            {
                PprlUploadError::Invalid {
                    line: l,
                    problem: p,
                } => {
                    assert_eq!((l, p), (*line, *problem), "{body}")
                }
                other => panic!("{other:?}"),
            }
        }
        let oversized = vec![b'x'; ally_store::MAX_PPRL_UPLOAD_BYTES + 1];
        assert!(matches!(
            bx.pprl_members()
                .pprl_upload(run, &oversized)
                .await
                .unwrap_err(),
            PprlUploadError::Invalid {
                problem: UploadProblem::TooLarge,
                ..
            }
        ));
        assert!(stored_clks(&net_db, run, union_rep).await.is_empty());
        // Neither a non-member nor a caseworker uploads.
        assert!(matches!(
            net.access(&out, None)
                .pprl_members().pprl_upload(run, csv.as_bytes())
                .await
                .unwrap_err(),
            PprlUploadError::Store(ref e) if is_not_found(e)
        ));
        assert!(matches!(
            net.access(&who(union_rep, &[Role::Caseworker]), None)
                .pprl_members()
                .pprl_upload(run, csv.as_bytes())
                .await
                .unwrap_err(),
            PprlUploadError::Store(StoreError::Denied(Denied::RoleLacksPermission(
                Action::PprlRun
            )))
        ));
        assert!(stored_clks(&net_db, run, union_rep).await.is_empty());

        // The upload; a later malformed one leaves it in place; a valid one replaces it.
        assert_eq!(
            bx.pprl_members()
                .pprl_upload(run, csv.as_bytes())
                .await
                .unwrap(),
            2
        );
        let stored = stored_clks(&net_db, run, union_rep).await;
        assert_eq!(stored.len(), 2);
        assert!(
            bx.pprl_members()
                .pprl_upload(run, bad[1].0.as_bytes())
                .await
                .is_err()
        );
        assert_eq!(stored_clks(&net_db, run, union_rep).await, stored);
        let only_first = format!("record_id,clk\n{id0},{first_clk}\n");
        assert_eq!(
            bx.pprl_members()
                .pprl_upload(run, only_first.as_bytes())
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            bx.pprl_members()
                .pprl_upload(run, csv.as_bytes())
                .await
                .unwrap(),
            2
        );
        assert_eq!(stored_clks(&net_db, run, union_rep).await, stored);

        // Both paths give the same encodings: Shelter A's opt-in stored what a contribution of
        // its own entities with the kit gives.
        let mine = a.pprl_members().pprl_contribute(&kit).await.unwrap();
        let joined = stored_clks(&net_db, run, shelter).await;
        assert_eq!(mine.len(), 1);
        assert_eq!(
            joined,
            vec![(mine[0].0.to_string(), mine[0].1.as_bytes().to_vec())]
        );

        // Matching treats uploaded and local encodings alike.
        assert_eq!(a.pprl().match_pprl_run(run).await.unwrap(), 1);
        let (view, a_matches) = a.pprl().pprl_results(run).await.unwrap();
        assert_eq!(view.participants.len(), 2);
        assert_eq!(a_matches.len(), 1);
        assert_eq!(a_matches[0].record_ref, a_entity);
        assert_eq!(a_matches[0].other_org, union_rep);
        assert!(a_matches[0].local);
        assert!(a_matches[0].similarity >= 800);
        let (_, b_matches) = bx.pprl().pprl_results(run).await.unwrap();
        assert_eq!(b_matches.len(), 1);
        // B learns only its own record (an id of its own instance) and whom to contact.
        assert_eq!(b_matches[0].record_ref, b_popescu);
        assert!(!b_matches[0].local);
        assert_eq!(b_matches[0].other_org, shelter);
        assert_eq!(b_matches[0].other_org_name, "Shelter A");
        assert!(b_matches[0].other_org_contact.contains("intake@shelter-a"));
        assert!(b_matches.iter().all(|m| b_entities.contains(&m.record_ref)));
        assert!(a_matches.iter().all(|m| m.record_ref != b_popescu));
        // On its own instance, B finds the record by that id.
        let page = b
            .entities()
            .get_entity(b_matches[0].record_ref)
            .await
            .unwrap();
        assert_eq!(page.entity.value.as_deref(), Some("POPESCU Vasile"));

        // Audited, with counts only.
        assert_eq!(audit_details(&net_db, "pprl.kit_export").await.len(), 1);
        assert_eq!(
            audit_details(&net_db, "pprl.upload").await,
            vec!["records=2", "records=1", "records=2"]
        );
        assert_eq!(
            sql_count(
                &net_db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'pprl.run' AND outcome = 'denied' AND target_id = $1",
                &run.to_string()
            )
            .await,
            4,
            "the refused exports and uploads are audited"
        );

        net.close().await;
        mem.close().await;
        // B's names never reached the network's instance.
        if let Some(path) = net_db.sqlite_path() {
            let bytes = std::fs::read(&path).unwrap();
            for name in [&b"POPESCU"[..], b"Ionescu", b"ionescu"] {
                assert!(!bytes.windows(name.len()).any(|x| x == name));
            }
        }
        net_db.cleanup().await;
        member_db.cleanup().await;
    }
}
