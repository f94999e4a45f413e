//! The information module's storage (issue 5), on SQLite and (when configured) PostgreSQL:
//! sealed text, distribution levels, suspects' data, the public form's rate limit, entity
//! resolution with kept decisions, search in several scripts, operation packages.
#![allow(clippy::unwrap_used)]

use ally_core::OrgId;
use ally_core::authz::{Action, Denied, Principal, Role};
use ally_core::information::{Distribution, EntityInput, ReportInput, ValidReport};
use ally_core::org::OrgKind;
use ally_store::testing::{self, TestDb};
use ally_store::{LinkStatus, OperationRequest, PublicReportError, Store, StoreError};
use base64::Engine as _;

const MARKER: &str = "Quellazaire";
const PHONE: &str = "+40 721 555 019";

mod common;

use common::{World, entity, is_not_found, report_at, who};

fn report(what: &str, entities: Vec<EntityInput>) -> ValidReport {
    report_at("Rue des Lilas 4", what, entities)
}

async fn world(db: &TestDb) -> World {
    World::builder()
        .org("ngo", "NGO", OrgKind::Ngo)
        .org("partner", "Partner", OrgKind::Shelter)
        .org("outsider", "Outsider", OrgKind::Ngo)
        .org("police", "Police", OrgKind::LawEnforcementLiaison)
        .org("network", "Network", OrgKind::Network)
        .member("network", "ngo")
        .member("network", "partner")
        .user("caseworker", "ngo", &[Role::Caseworker])
        .user("coordinator", "ngo", &[Role::Coordinator])
        .build(db)
        .await
}

#[tokio::test]
async fn report_text_and_entities_are_sealed_and_searchable_without_clear_text() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .reports()
            .file_report(report(
                &format!("{MARKER} recruits women at the bus station"),
                vec![
                    entity("person", "recruiter", "Олег Шевченко"),
                    entity("phone", "recruiter", PHONE),
                ],
            ))
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        assert!(view.text.what.starts_with(MARKER));
        assert_eq!(view.entities.len(), 2);
        // Search in Latin finds the Cyrillic name (transliterated tokens), and by phone.
        assert_eq!(
            a.report_search()
                .search_reports("oleg")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            a.report_search()
                .search_reports("Олег")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            a.report_search()
                .search_reports("0721 555 019")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            a.report_search()
                .search_reports(&MARKER.to_lowercase())
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            a.report_search()
                .search_reports("nobody")
                .await
                .unwrap()
                .is_empty()
        );
        // A role without SuspectRead does not find reports by the suspect's name.
        let union = who(w.org("ngo"), &[Role::UnionRepresentative]);
        let u = w.store.access(&union, None);
        assert!(
            u.report_search()
                .search_reports("oleg")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            u.report_search()
                .search_reports(MARKER)
                .await
                .unwrap()
                .len(),
            1
        );
        // Another organisation's search does not see it.
        let out = who(w.org("outsider"), &[Role::Caseworker]);
        assert!(
            w.store
                .access(&out, None)
                .report_search()
                .search_reports(MARKER)
                .await
                .unwrap()
                .is_empty()
        );
        w.store.close().await;
        if let Some(path) = db.sqlite_path() {
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(wal) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(wal);
            }
            for needle in [
                MARKER,
                "Шевченко",
                "721 555 019",
                "721555019",
                "Rue des Lilas",
            ] {
                assert!(
                    !bytes.windows(needle.len()).any(|x| x == needle.as_bytes()),
                    "{needle} in clear in the database file"
                );
            }
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn distribution_levels_decide_who_reads_and_only_coordinators_widen() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let c = w.store.access(w.user("coordinator"), None);
        let id = a
            .reports()
            .file_report(report(
                "Night shifts without pay",
                vec![entity("company", "employer", "Agro Trans SRL")],
            ))
            .await
            .unwrap();
        let partner = who(w.org("partner"), &[Role::Caseworker]);
        let outsider = who(w.org("outsider"), &[Role::Caseworker]);
        let police = who(w.org("police"), &[Role::LawEnforcementLiaison]);
        let p = w.store.access(&partner, None);
        let o = w.store.access(&outsider, None);
        let pol = w.store.access(&police, None);
        // Aggregate: the partner's report is counted for the network, never read.
        let mut agg = report("Partner's counted report", vec![]);
        agg.exploitation = ally_core::information::Exploitation::Sexual;
        let pcoord = who(w.org("partner"), &[Role::Coordinator]);
        agg.distribution = Distribution::Aggregate;
        let agg_id = w
            .store
            .access(&pcoord, None)
            .reports()
            .file_report(agg)
            .await
            .unwrap();
        let stats = a.reports().report_statistics().await.unwrap();
        assert!(
            stats.contains(&(ally_core::information::Exploitation::Sexual, 0, 1)),
            "{stats:?}"
        );
        assert!(
            stats.contains(&(ally_core::information::Exploitation::Labour, 1, 0)),
            "{stats:?}"
        );
        assert!(is_not_found(
            &a.reports().get_report(agg_id).await.unwrap_err()
        ));
        assert!(
            w.store
                .access(&outsider, None)
                .reports()
                .report_statistics()
                .await
                .unwrap()
                .is_empty()
        );
        // Own organisation only.
        assert!(is_not_found(&p.reports().get_report(id).await.unwrap_err()));
        assert!(
            p.reports()
                .list_reports()
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != id)
        );
        // A caseworker cannot widen; a caseworker filing at a wide level neither.
        let e = a
            .distribution()
            .set_report_distribution(id, Distribution::Network, vec![])
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            StoreError::Denied(Denied::RoleLacksPermission(Action::DistributionWiden))
        ));
        let mut wide = report("x wide", vec![]);
        wide.distribution = Distribution::Network;
        assert!(a.reports().file_report(wide).await.is_err());
        // Named partner.
        c.distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        assert_eq!(p.reports().get_report(id).await.unwrap().id, id);
        assert!(
            p.reports()
                .list_reports()
                .await
                .unwrap()
                .iter()
                .any(|r| r.id == id)
        );
        assert!(is_not_found(&o.reports().get_report(id).await.unwrap_err()));
        // The police can only be named at the law-enforcement level.
        let e = c
            .distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("police")])
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)));
        assert!(is_not_found(
            &pol.reports().get_report(id).await.unwrap_err()
        ));
        // Whole network: the partner is a member, the outsider not.
        c.distribution()
            .set_report_distribution(id, Distribution::Network, vec![])
            .await
            .unwrap();
        assert!(p.reports().get_report(id).await.is_ok());
        assert!(is_not_found(&o.reports().get_report(id).await.unwrap_err()));
        // Lowering is free, also for a caseworker.
        a.distribution()
            .set_report_distribution(id, Distribution::Own, vec![])
            .await
            .unwrap();
        assert!(is_not_found(&p.reports().get_report(id).await.unwrap_err()));
        // A report naming a possible victim stays in the organisation without consent.
        let v = a
            .reports()
            .file_report(report(
                "Young woman kept in the flat",
                vec![entity("person", "possible_victim", "Maria Testova")],
            ))
            .await
            .unwrap();
        match c
            .distribution()
            .set_report_distribution(v, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap_err()
        {
            StoreError::Invalid(errs) => assert_eq!(errs[0].code, "victim_consent_required"),
            other => panic!("{other:?}"),
        }
        // The refusal is audited, with its reason.
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let reasons: Vec<String> = sqlx::query_scalar(
            "SELECT detail FROM audit_log WHERE action = 'report.distribution' AND target_id = $1",
        )
        .bind(v.to_string())
        .fetch_all(&mut conn)
        .await
        .unwrap();
        assert_eq!(reasons, vec!["victim_consent".to_owned()]);
        assert!(is_not_found(&p.reports().get_report(v).await.unwrap_err()));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn suspects_data_is_withheld_without_suspect_read() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .reports()
            .file_report(report(
                "Driver collects workers at dawn",
                vec![
                    entity("vehicle", "driver", "B-123-XYZ"),
                    entity("place", "unknown", "Parking Nord"),
                ],
            ))
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        let suspect = view.entities.iter().find(|e| e.suspect).unwrap();
        assert_eq!(suspect.value.as_deref(), Some("B-123-XYZ"));
        let union = who(w.org("ngo"), &[Role::UnionRepresentative]);
        let u = w.store.access(&union, None);
        let seen = u.reports().get_report(id).await.unwrap();
        let hidden = seen.entities.iter().find(|e| e.suspect).unwrap();
        assert_eq!(hidden.value, None, "criminal-offence data shown");
        assert!(
            seen.entities
                .iter()
                .any(|e| e.value.as_deref() == Some("Parking Nord"))
        );
        assert!(matches!(
            u.entities().get_entity(suspect.id).await.unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::SuspectRead))
        ));
        // Shorter retention for the suspect's entity than for the report.
        let page = a.entities().get_entity(suspect.id).await.unwrap();
        assert_eq!(page.reports.len(), 1);
        assert!(view.retain_until_ms > page.entity.created_at_ms);
        // Retention: the suspect's entity goes first, then the report with the rest.
        let created = view.created_at_ms;
        let three_years = created + 3 * 365 * 24 * 3600 * 1000;
        assert_eq!(
            w.store
                .purge_expired_information(three_years)
                .await
                .unwrap(),
            (0, 1)
        );
        let after = a.reports().get_report(id).await.unwrap();
        assert_eq!(after.entities.len(), 1);
        assert!(after.entities.iter().all(|e| !e.suspect));
        assert!(is_not_found(
            &a.entities().get_entity(suspect.id).await.unwrap_err()
        ));
        let six_years = created + 6 * 365 * 24 * 3600 * 1000;
        assert_eq!(
            w.store.purge_expired_information(six_years).await.unwrap(),
            (1, 1)
        );
        assert!(is_not_found(&a.reports().get_report(id).await.unwrap_err()));
        // Interviewers file reports but read none.
        let int = who(w.org("ngo"), &[Role::Interviewer]);
        let kept = a
            .reports()
            .file_report(report("Kept report", vec![]))
            .await
            .unwrap();
        assert!(matches!(
            w.store
                .access(&int, None)
                .reports()
                .get_report(kept)
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::ReportRead))
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn public_reports_are_rate_limited_triaged_and_matched_with_kept_decisions() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        // No receiving organisation yet.
        let r = w
            .store
            .file_public_report(None, report("hello there", vec![]), Some("192.0.2.1"))
            .await;
        assert!(matches!(r, Err(PublicReportError::NoReceiver)));
        w.store
            .set_report_intake(w.org("ngo"), "ngo", true)
            .await
            .unwrap();
        let earlier = a
            .reports()
            .file_report(report(
                "Recruiter offers jobs abroad",
                vec![
                    entity("phone", "recruiter", PHONE),
                    entity("person", "recruiter", "Vasile Popescu"),
                ],
            ))
            .await
            .unwrap();
        let public = w
            .store
            .file_public_report(
                Some("ngo"),
                report(
                    "عرض عمل مزيف في المحطة",
                    vec![
                        entity("phone", "recruiter", "٠٧٢١ ٥٥٥ ٠١٩"),
                        entity("person", "recruiter", "Popescu Vasyl"),
                    ],
                ),
                Some("192.0.2.1"),
            )
            .await
            .unwrap();
        // In the triage queue, not among the reports.
        assert_eq!(a.reports().triage_queue().await.unwrap().len(), 1);
        assert!(
            a.reports()
                .list_reports()
                .await
                .unwrap()
                .iter()
                .all(|r| r.id != public)
        );
        let union = who(w.org("ngo"), &[Role::UnionRepresentative]);
        assert!(
            w.store
                .access(&union, None)
                .reports()
                .get_report(public)
                .await
                .is_err()
        );
        // Rate limit per client address: the sixth within the hour is refused, nothing written.
        for _ in 1..ally_store_limit() {
            w.store
                .file_public_report(None, report("again and again", vec![]), Some("192.0.2.1"))
                .await
                .unwrap();
        }
        let r = w
            .store
            .file_public_report(None, report("one too many", vec![]), Some("192.0.2.1"))
            .await;
        assert!(matches!(r, Err(PublicReportError::RateLimited)), "{r:?}");
        let queued = a.reports().triage_queue().await.unwrap().len();
        assert_eq!(queued, ally_store_limit() as usize);
        // Another address is not limited.
        w.store
            .file_public_report(None, report("from elsewhere", vec![]), Some("198.51.100.7"))
            .await
            .unwrap();
        // Spam: erased.
        let spam = a.reports().triage_queue().await.unwrap()[0].id;
        a.reports().triage_report(spam, false).await.unwrap();
        assert!(
            a.reports()
                .get_report(spam)
                .await
                .unwrap()
                .text
                .what
                .is_empty()
        );
        // Accept: links suggested, exact on the phone (Arabic-Indic digits) and fuzzy on the name.
        a.reports().triage_report(public, true).await.unwrap();
        assert!(matches!(
            a.reports().triage_report(public, true).await.unwrap_err(),
            StoreError::Conflict(_)
        ));
        let links = a.links().report_links(public).await.unwrap();
        let phone_link = links
            .iter()
            .find(|(l, _, _)| l.method == "exact")
            .expect("phone link");
        assert_eq!(phone_link.0.status, LinkStatus::Suggested);
        let name_link = links
            .iter()
            .find(|(l, _, _)| l.method == "fuzzy")
            .expect("name link");
        assert!(name_link.0.contributions.len() >= 2);
        let earlier_entities: Vec<_> = a
            .reports()
            .get_report(earlier)
            .await
            .unwrap()
            .entities
            .iter()
            .map(|e| e.id)
            .collect();
        assert!(earlier_entities.contains(&phone_link.2.id));
        // Decisions are kept across runs.
        a.links().decide_link(phone_link.0.id, true).await.unwrap();
        a.links().decide_link(name_link.0.id, false).await.unwrap();
        assert_eq!(a.links().resolve_report(public).await.unwrap(), 0);
        let again = a.links().report_links(public).await.unwrap();
        assert!(
            again
                .iter()
                .any(|(l, _, _)| l.status == LinkStatus::Confirmed)
        );
        assert!(
            again
                .iter()
                .any(|(l, _, _)| l.status == LinkStatus::Rejected)
        );
        assert_eq!(again.len(), links.len());
        // The entity page shows its reports and links.
        let page = a.entities().get_entity(phone_link.2.id).await.unwrap();
        assert_eq!(page.reports.len(), 1);
        assert_eq!(page.links.len(), 1);
        // Other organisations cannot decide.
        let out = who(w.org("outsider"), &[Role::Coordinator]);
        assert!(is_not_found(
            &w.store
                .access(&out, None)
                .links()
                .decide_link(phone_link.0.id, false)
                .await
                .unwrap_err()
        ));
        w.store.close().await;
        if let Some(path) = db.sqlite_path() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(9).any(|x| x == b"192.0.2.1"),
                "client address stored"
            );
        }
        db.cleanup().await;
    }
}

fn ally_store_limit() -> i64 {
    5
}

#[tokio::test]
async fn operation_packages_reach_only_the_named_liaison() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .reports()
            .file_report(report(
                "Flat used to house workers",
                vec![
                    entity("phone", "recruiter", PHONE),
                    entity("person", "possible_victim", "Ana Victimova"),
                ],
            ))
            .await
            .unwrap();
        let other = a
            .reports()
            .file_report(report("Unrelated observation", vec![]))
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        let phone = view.entities.iter().find(|e| e.suspect).unwrap().id;
        let victim = view.entities.iter().find(|e| !e.suspect).unwrap().id;
        // A possible victim's data needs consent.
        let e = a
            .operations()
            .export_operation(OperationRequest {
                to_org: w.org("police"),
                reason: "Planned rescue".into(),
                reports: vec![id],
                entities: vec![phone, victim],
            })
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)));
        // Only to a law-enforcement liaison.
        assert!(
            a.operations()
                .export_operation(OperationRequest {
                    to_org: w.org("partner"),
                    reason: "Planned rescue".into(),
                    reports: vec![id],
                    entities: vec![phone],
                })
                .await
                .is_err()
        );
        let op = a
            .operations()
            .export_operation(OperationRequest {
                to_org: w.org("police"),
                reason: "Planned rescue".into(),
                reports: vec![id],
                entities: vec![phone],
            })
            .await
            .unwrap();
        let police = who(w.org("police"), &[Role::LawEnforcementLiaison]);
        let pol = w.store.access(&police, None);
        let pkg = pol.operations().get_operation(op).await.unwrap();
        assert!(pkg.json.contains("Flat used to house workers"));
        assert!(pkg.json.contains(PHONE));
        assert!(!pkg.json.contains("Victimova"));
        assert!(!pkg.json.contains("Unrelated observation"));
        assert!(pkg.json.contains("Planned rescue"));
        // The manifest recorded at export matches the package as read.
        assert!(pkg.verified);
        let manifest = pol.operations().operation_manifest(op).await.unwrap();
        for m in &pkg.manifest {
            assert!(manifest.contains(&m.sha256), "{} hash differs", m.file);
        }
        // The police sees the package, not the reports themselves.
        assert!(is_not_found(
            &pol.reports().get_report(id).await.unwrap_err()
        ));
        assert!(is_not_found(
            &pol.reports().get_report(other).await.unwrap_err()
        ));
        assert_eq!(pol.operations().list_operations().await.unwrap().len(), 1);
        // Nobody else reads the package.
        let partner = who(w.org("partner"), &[Role::Coordinator]);
        assert!(is_not_found(
            &w.store
                .access(&partner, None)
                .operations()
                .get_operation(op)
                .await
                .unwrap_err()
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn network_members_match_encodings_and_learn_only_their_own_side() {
    for db in testing::all().await {
        let w = world(&db).await;
        let c = w.store.access(w.user("coordinator"), None);
        let partner = who(w.org("partner"), &[Role::Coordinator]);
        let outsider = who(w.org("outsider"), &[Role::Coordinator]);
        let pc = w.store.access(&partner, None);
        let ngo_report = c
            .reports()
            .file_report(report(
                "Recruiter seen again",
                vec![entity("person", "recruiter", "Vasile Popescu")],
            ))
            .await
            .unwrap();
        c.reports()
            .file_report(report(
                "Other person",
                vec![entity("person", "witness", "Ana Ionescu")],
            ))
            .await
            .unwrap();
        let partner_report = pc
            .reports()
            .file_report(report(
                "Same recruiter at the shelter's door",
                vec![entity("person", "recruiter", "POPESCU Vasile")],
            ))
            .await
            .unwrap();
        let ngo_entity = c.reports().get_report(ngo_report).await.unwrap().entities[0].id;
        let partner_entity = pc
            .reports()
            .get_report(partner_report)
            .await
            .unwrap()
            .entities[0]
            .id;
        // Caseworkers do not run matching; outsiders do not see the network's runs.
        assert!(matches!(
            w.store
                .access(w.user("caseworker"), None)
                .pprl()
                .start_pprl_run()
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::PprlRun))
        ));
        let run = c.pprl().start_pprl_run().await.unwrap();
        assert_eq!(pc.pprl().pprl_runs().await.unwrap().len(), 1);
        assert!(!pc.pprl().pprl_runs().await.unwrap()[0].joined);
        assert_eq!(pc.pprl().join_pprl_run(run).await.unwrap(), 1);
        let o = w.store.access(&outsider, None);
        assert!(o.pprl().pprl_runs().await.unwrap().is_empty());
        assert!(is_not_found(
            &o.pprl().join_pprl_run(run).await.unwrap_err()
        ));
        assert!(is_not_found(&o.pprl().pprl_results(run).await.unwrap_err()));
        assert_eq!(c.pprl().match_pprl_run(run).await.unwrap(), 1);
        let (view, mine) = c.pprl().pprl_results(run).await.unwrap();
        assert_eq!(view.participants.len(), 2);
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].record_ref, ngo_entity);
        assert_eq!(mine[0].other_org, w.org("partner"));
        let (_, theirs) = pc.pprl().pprl_results(run).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].record_ref, partner_entity);
        assert_eq!(theirs[0].other_org, w.org("ngo"));
        // Neither side learns the other's reference.
        assert!(mine.iter().all(|m| m.record_ref != partner_entity));
        // A run is matched once: its encodings are gone, and rejoining, matching again or
        // uploading is refused, so probing the matcher takes a new run that every member sees.
        let closed = |e: StoreError| matches!(e, StoreError::Conflict(_));
        assert!(closed(pc.pprl().join_pprl_run(run).await.unwrap_err()));
        assert!(closed(c.pprl().match_pprl_run(run).await.unwrap_err()));
        // A well-formed file (1,024 bits, half of them set, as the platform's balancing makes).
        let half: Vec<u8> = [vec![0xFFu8; 64], vec![0u8; 64]].concat();
        let upload = format!(
            "record_id,clk\n{partner_entity},{}\n",
            base64::engine::general_purpose::STANDARD.encode(&half)
        );
        assert!(matches!(
            pc.pprl_members()
                .pprl_upload(run, upload.as_bytes())
                .await
                .unwrap_err(),
            ally_store::PprlUploadError::Store(StoreError::Conflict(_))
        ));
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let left: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT clk FROM info_pprl_clks WHERE run_id = $1")
                .bind(run.to_string())
                .fetch_all(&mut conn)
                .await
                .unwrap();
        // The NGO encoded its two person entities when it started the run, the partner one.
        assert_eq!(left.len(), 3, "the record references stay");
        assert!(left.iter().all(Vec::is_empty), "the encodings are deleted");
        // The participants are still listed, and the results still read.
        assert_eq!(
            pc.pprl()
                .pprl_results(run)
                .await
                .unwrap()
                .0
                .participants
                .len(),
            2
        );
        assert_eq!(pc.pprl().pprl_results(run).await.unwrap().1.len(), 1);
        w.store.close().await;
        if let Some(path) = db.sqlite_path() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(!bytes.windows(7).any(|x| x == b"Popescu" || x == b"popescu"));
        }
        db.cleanup().await;
    }
}

// ----- the platform gaps (victim consent, entity levels, attachments, access requests,
// intake addresses) -----

use ally_core::protection::{CaseId, ConsentPurpose, FieldGroup};
use ally_store::protection::NewConsent;
use ally_store::{CaseContent, NewCase};

async fn victim_case(store: &Store, p: &Principal) -> CaseId {
    store
        .access(p, None)
        .cases()
        .create_case(NewCase {
            person_id: None,
            interview_id: None,
            identified_on: None,
            may_be_child: false,
            content: CaseContent {
                reference: "V-17".into(),
                ..Default::default()
            },
        })
        .await
        .unwrap()
}

fn consent(purpose: ConsentPurpose, to: OrgId) -> NewConsent {
    NewConsent {
        purpose,
        recipients: [to].into_iter().collect(),
        scope: [FieldGroup::Identity, FieldGroup::Exploitation]
            .into_iter()
            .collect(),
        language: "ro".into(),
        given: true,
        date: None,
        valid_until: None,
        guardian: None,
    }
}

fn code(e: StoreError) -> &'static str {
    match e {
        StoreError::Invalid(errs) => errs[0].code,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_victims_consent_on_the_linked_case_decides_widening_reading_and_packages() {
    for db in testing::all().await {
        let w = world(&db).await;
        let c = w.store.access(w.user("coordinator"), None);
        let id = c
            .reports()
            .file_report(report(
                "Young woman kept in the flat",
                vec![
                    entity("person", "possible_victim", "Maria Testova"),
                    entity("phone", "recruiter", PHONE),
                ],
            ))
            .await
            .unwrap();
        let view = c.reports().get_report(id).await.unwrap();
        let victim = view.entities.iter().find(|e| !e.suspect).unwrap().id;
        let phone = view.entities.iter().find(|e| e.suspect).unwrap().id;
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let p = w.store.access(&partner_cw, None);

        // No linked case: refused.
        let e = c
            .distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap_err();
        assert_eq!(code(e), "victim_consent_required");
        let case = victim_case(&w.store, w.user("coordinator")).await;
        // Only the possible victim's entity links, and only someone who reads both.
        assert_eq!(
            code(
                c.entities()
                    .link_victim_case(phone, case)
                    .await
                    .unwrap_err()
            ),
            "not_a_possible_victim"
        );
        let outsider = who(w.org("outsider"), &[Role::Coordinator]);
        assert!(is_not_found(
            &w.store
                .access(&outsider, None)
                .entities()
                .link_victim_case(victim, case)
                .await
                .unwrap_err()
        ));
        let other_case = victim_case(&w.store, &outsider).await;
        assert!(is_not_found(
            &c.entities()
                .link_victim_case(victim, other_case)
                .await
                .unwrap_err()
        ));
        c.entities().link_victim_case(victim, case).await.unwrap();
        assert_eq!(
            c.entities().get_entity(victim).await.unwrap().victim_case,
            Some(case.as_uuid())
        );
        // Linked, but no consent: still refused; a law-enforcement consent does not cover a
        // shelter.
        let e = c
            .distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap_err();
        assert_eq!(code(e), "victim_consent_required");
        c.consents()
            .record_consent(
                case,
                consent(ConsentPurpose::LawEnforcementSharing, w.org("partner")),
            )
            .await
            .unwrap();
        assert!(
            c.distribution()
                .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
                .await
                .is_err()
        );
        // The sharing consent naming the partner: allowed, and the partner reads the victim.
        let given = c
            .consents()
            .record_consent(case, consent(ConsentPurpose::Referral, w.org("partner")))
            .await
            .unwrap();
        c.distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        let seen = p.reports().get_report(id).await.unwrap();
        assert!(
            seen.entities
                .iter()
                .any(|e| e.value.as_deref() == Some("Maria Testova"))
        );
        assert!(p.entities().get_entity(victim).await.is_ok());
        assert_eq!(
            p.report_search()
                .search_reports("testova")
                .await
                .unwrap()
                .len(),
            1
        );
        // Network-wide would reach members the consent does not name.
        let network_member = w
            .store
            .create_organisation("Member", OrgKind::Ngo, false)
            .await
            .unwrap();
        let network: OrgId = w
            .store
            .create_organisation("Network 2", OrgKind::Network, false)
            .await
            .unwrap();
        w.store
            .add_network_member(network, w.org("ngo"))
            .await
            .unwrap();
        w.store
            .add_network_member(network, network_member)
            .await
            .unwrap();
        let e = c
            .distribution()
            .set_report_distribution(id, Distribution::Network, vec![w.org("partner")])
            .await
            .unwrap_err();
        assert_eq!(code(e), "victim_consent_required");

        // Operation package: the law-enforcement consent must name the liaison.
        let package = |entities: Vec<uuid::Uuid>| OperationRequest {
            to_org: w.org("police"),
            reason: "Planned rescue".into(),
            reports: vec![id],
            entities,
        };
        let e = c
            .operations()
            .export_operation(package(vec![phone, victim]))
            .await
            .unwrap_err();
        assert_eq!(code(e), "victim_consent_required");
        let le = c
            .consents()
            .record_consent(
                case,
                consent(ConsentPurpose::LawEnforcementSharing, w.org("police")),
            )
            .await
            .unwrap();
        let op = c
            .operations()
            .export_operation(package(vec![phone, victim]))
            .await
            .unwrap();
        let police = who(w.org("police"), &[Role::LawEnforcementLiaison]);
        let pol = w.store.access(&police, None);
        assert!(
            pol.operations()
                .get_operation(op)
                .await
                .unwrap()
                .json
                .contains("Testova")
        );

        // Withdrawal: the recipients lose access at once; the owner keeps it.
        c.consents().withdraw_consent(given).await.unwrap();
        assert!(is_not_found(&p.reports().get_report(id).await.unwrap_err()));
        assert!(is_not_found(
            &p.entities().get_entity(victim).await.unwrap_err()
        ));
        assert!(
            p.report_search()
                .search_reports("testova")
                .await
                .unwrap()
                .is_empty()
        );
        c.consents().withdraw_consent(le).await.unwrap();
        assert!(is_not_found(
            &pol.operations().get_operation(op).await.unwrap_err()
        ));
        assert!(c.operations().get_operation(op).await.is_ok());
        assert!(c.reports().get_report(id).await.is_ok());
        // A new consent, then unlinking the case: access ends again.
        c.consents()
            .record_consent(case, consent(ConsentPurpose::Referral, w.org("partner")))
            .await
            .unwrap();
        assert!(p.reports().get_report(id).await.is_ok());
        c.entities().unlink_victim_case(victim).await.unwrap();
        assert!(is_not_found(&p.reports().get_report(id).await.unwrap_err()));
        // Lowering stays free for a caseworker, the victim's entity first, then the report.
        let a = w.store.access(w.user("caseworker"), None);
        a.distribution()
            .set_entity_distribution(victim, Distribution::Own, vec![])
            .await
            .unwrap();
        a.distribution()
            .set_report_distribution(id, Distribution::Aggregate, vec![])
            .await
            .unwrap();
        assert_eq!(
            a.entities()
                .get_entity(victim)
                .await
                .unwrap()
                .entity
                .distribution,
            Distribution::Own
        );
        // Erasing the case removes its link to the entity too (no row left pointing at it).
        c.entities().link_victim_case(victim, case).await.unwrap();
        c.lifecycle().erase_case(case).await.unwrap();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
            .await
            .unwrap();
        let links: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM info_victim_cases WHERE case_id = $1")
                .bind(case.to_string())
                .fetch_one(&mut conn)
                .await
                .unwrap();
        assert_eq!(links, 0);
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn entities_carry_their_own_distribution_level() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let c = w.store.access(w.user("coordinator"), None);
        let id = a
            .reports()
            .file_report(report(
                "Agency places workers on farms",
                vec![
                    entity("company", "unknown", "Zentravor Logistics"),
                    entity("phone", "recruiter", PHONE),
                    entity("person", "possible_victim", "Ilona Brevka"),
                ],
            ))
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        let company = view
            .entities
            .iter()
            .find(|e| e.value.as_deref() == Some("Zentravor Logistics"))
            .unwrap()
            .id;
        let victim = view
            .entities
            .iter()
            .find(|e| e.value.as_deref() == Some("Ilona Brevka"))
            .unwrap()
            .id;
        // Default: the report's level.
        assert!(
            view.entities
                .iter()
                .all(|e| e.distribution == Distribution::Own)
        );
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let p = w.store.access(&partner_cw, None);
        // Widening one entity: a coordinator only, and for a victim only with consent.
        assert!(matches!(
            a.distribution()
                .set_entity_distribution(company, Distribution::Partners, vec![w.org("partner")])
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::DistributionWiden))
        ));
        assert_eq!(
            code(
                c.distribution()
                    .set_entity_distribution(victim, Distribution::Partners, vec![w.org("partner")])
                    .await
                    .unwrap_err()
            ),
            "victim_consent_required"
        );
        // A coordinator shares the company alone: the partner reads the entity (and finds
        // it), not the report.
        c.distribution()
            .set_entity_distribution(company, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        let page = p.entities().get_entity(company).await.unwrap();
        assert_eq!(page.entity.value.as_deref(), Some("Zentravor Logistics"));
        assert!(page.reports.is_empty());
        assert!(is_not_found(&p.reports().get_report(id).await.unwrap_err()));
        assert!(is_not_found(
            &p.entities().get_entity(victim).await.unwrap_err()
        ));
        assert_eq!(
            c.entities().get_entity(company).await.unwrap().shared_with,
            vec![w.org("partner")]
        );
        // Lowering is free: back to own, and the partner loses it.
        a.distribution()
            .set_entity_distribution(company, Distribution::Own, vec![])
            .await
            .unwrap();
        assert!(is_not_found(
            &p.entities().get_entity(company).await.unwrap_err()
        ));
        // An unknown entity or another organisation's: not found.
        let outsider = who(w.org("outsider"), &[Role::Coordinator]);
        let out = w.store.access(&outsider, None);
        assert!(is_not_found(
            &out.distribution()
                .set_entity_distribution(company, Distribution::Own, vec![])
                .await
                .unwrap_err()
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_entity_lowered_below_its_report_is_hidden_from_report_and_search() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let c = w.store.access(w.user("coordinator"), None);
        let id = a
            .reports()
            .file_report(report(
                "Agency places workers on farms",
                vec![
                    entity("company", "unknown", "Zentravor Logistics"),
                    entity("phone", "recruiter", PHONE),
                ],
            ))
            .await
            .unwrap();
        c.distribution()
            .set_report_distribution(id, Distribution::Network, vec![])
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        let company = view
            .entities
            .iter()
            .find(|e| e.value.as_deref() == Some("Zentravor Logistics"))
            .unwrap()
            .id;
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let p = w.store.access(&partner_cw, None);
        assert_eq!(p.reports().get_report(id).await.unwrap().entities.len(), 2);
        assert_eq!(
            p.report_search()
                .search_reports("zentravor")
                .await
                .unwrap()
                .len(),
            1
        );
        a.distribution()
            .set_entity_distribution(company, Distribution::Own, vec![])
            .await
            .unwrap();
        let seen = p.reports().get_report(id).await.unwrap();
        assert_eq!(seen.entities.len(), 1);
        assert!(seen.entities.iter().all(|e| e.id != company));
        assert!(is_not_found(
            &p.entities().get_entity(company).await.unwrap_err()
        ));
        assert!(
            p.report_search()
                .search_reports("zentravor")
                .await
                .unwrap()
                .is_empty()
        );
        // The owner still finds it; the report itself is still found by its text.
        assert_eq!(
            a.report_search()
                .search_reports("zentravor")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            p.report_search()
                .search_reports("farms")
                .await
                .unwrap()
                .len(),
            1
        );
        // Widening the report again leaves the entity at its own, lower level; the entities
        // still at the report's level follow it.
        c.distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        c.distribution()
            .set_report_distribution(id, Distribution::Network, vec![w.org("partner")])
            .await
            .unwrap();
        let seen = p.reports().get_report(id).await.unwrap();
        assert_eq!(seen.entities.len(), 1);
        assert_eq!(seen.entities[0].distribution, Distribution::Network);
        assert!(is_not_found(
            &p.entities().get_entity(company).await.unwrap_err()
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

fn jpeg_with_gps() -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0x00]);
    let exif = b"Exif\0\0MM\0*GPSLatitude=48.8566;GPSLongitude=2.3522";
    j.extend_from_slice(&[0xFF, 0xE1, 0x00, u8::try_from(exif.len() + 2).unwrap()]);
    j.extend_from_slice(exif);
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x01, 0x02]);
    j.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x03, 0x01, 0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9,
    ]);
    j
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn attachments_lose_their_metadata_are_sealed_and_read_as_the_report() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .reports()
            .file_report(report("Photo of the van", vec![]))
            .await
            .unwrap();
        let att = a
            .attachments()
            .add_report_attachment(id, &jpeg_with_gps())
            .await
            .unwrap();
        let (ct, bytes) = a.attachments().get_report_attachment(att).await.unwrap();
        assert_eq!(ct, "image/jpeg");
        assert!(!has(&bytes, b"GPSLatitude"));
        assert!(!has(&bytes, b"Exif"));
        assert!(bytes.ends_with(&[0xFF, 0xD9]));
        assert_eq!(
            a.reports().get_report(id).await.unwrap().attachments.len(),
            1
        );
        // Not an image: a clear refusal, nothing written.
        assert_eq!(
            code(
                a.attachments()
                    .add_report_attachment(id, b"%PDF-1.7 GPSLatitude")
                    .await
                    .unwrap_err()
            ),
            "not_an_image"
        );
        assert_eq!(
            a.reports().get_report(id).await.unwrap().attachments.len(),
            1
        );
        // Read exactly as the report: another organisation does not, until it is shared.
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let p = w.store.access(&partner_cw, None);
        assert!(is_not_found(
            &p.attachments()
                .get_report_attachment(att)
                .await
                .unwrap_err()
        ));
        assert!(is_not_found(
            &p.attachments()
                .add_report_attachment(id, &jpeg_with_gps())
                .await
                .unwrap_err()
        ));
        w.store
            .access(w.user("coordinator"), None)
            .distribution()
            .set_report_distribution(id, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        assert!(p.attachments().get_report_attachment(att).await.is_ok());
        // The public form: one small image, stripped too; a non-image refused, nothing filed.
        w.store
            .set_report_intake(w.org("ngo"), "ngo", true)
            .await
            .unwrap();
        let before = a.reports().triage_queue().await.unwrap().len();
        let e = w
            .store
            .file_public_report_with_image(None, report("Van again", vec![]), None, b"hello")
            .await
            .unwrap_err();
        assert!(matches!(
            e,
            PublicReportError::Store(StoreError::Invalid(_))
        ));
        assert_eq!(a.reports().triage_queue().await.unwrap().len(), before);
        let pid = w
            .store
            .file_public_report_with_image(
                None,
                report("Van again", vec![]),
                None,
                &jpeg_with_gps(),
            )
            .await
            .unwrap();
        let pv = a.reports().get_report(pid).await.unwrap();
        let (_, bytes) = a
            .attachments()
            .get_report_attachment(pv.attachments[0].id)
            .await
            .unwrap();
        assert!(!has(&bytes, b"GPSLatitude"));
        // Sealed at rest: the SQLite file and its WAL hold no clear JPEG header.
        if let Some(path) = db.sqlite_path() {
            let mut raw = std::fs::read(&path).unwrap_or_default();
            raw.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
            assert!(!raw.is_empty());
            assert!(!has(&raw, b"JFIF"));
        }
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_suspects_access_request_shows_no_victim_witness_text_or_reporter() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let mut input = ReportInput {
            what: format!("{MARKER} saw the driver beat a worker"),
            place: "Rue des Lilas 4".into(),
            observed_on: "2026-03-02".into(),
            exploitation: "labour".into(),
            entities: vec![
                entity("person", "driver", "Dragan Velkov"),
                entity("person", "possible_victim", "Ana Victimova"),
                entity("person", "witness", "Petra Zeugin"),
            ],
            ..Default::default()
        };
        let id = a
            .reports()
            .file_report(input.clone().validate(|_| true, false).unwrap())
            .await
            .unwrap();
        input.what = "Second sighting".into();
        input.observed_on = String::new();
        input.entities = vec![
            entity("person", "driver", "Dragan Velkov"),
            entity("phone", "driver", PHONE),
        ];
        a.reports()
            .file_report(input.validate(|_| true, false).unwrap())
            .await
            .unwrap();
        let view = a.reports().get_report(id).await.unwrap();
        let driver = view
            .entities
            .iter()
            .find(|e| e.role == ally_core::information::EntityRole::Driver)
            .unwrap()
            .id;
        let victim = view.entities.iter().find(|e| !e.suspect).unwrap().id;
        let x = a
            .access_requests()
            .suspect_access_extract(driver)
            .await
            .unwrap();
        assert_eq!(x.entity.value, "Dragan Velkov");
        // Both reports (by the exact name link of the second one), by date and kind only.
        assert_eq!(x.reports.len(), 1);
        assert_eq!(x.reports[0].date, "2026-03-02");
        assert!(x.linked.iter().any(|l| l.value == "Dragan Velkov"));
        let json = serde_json::to_string(&x).unwrap();
        for absent in [
            "Victimova",
            "Zeugin",
            MARKER,
            "Lilas",
            "Second sighting",
            &w.user("caseworker").user_id.to_string(),
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
        // Only for suspects' entities, only for roles with suspect.read, only the owner.
        assert_eq!(
            code(
                a.access_requests()
                    .suspect_access_extract(victim)
                    .await
                    .unwrap_err()
            ),
            "not_a_suspect"
        );
        let union = who(w.org("ngo"), &[Role::UnionRepresentative]);
        assert!(matches!(
            w.store
                .access(&union, None)
                .access_requests()
                .suspect_access_extract(driver)
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::SuspectRead))
        ));
        let out = who(w.org("partner"), &[Role::Caseworker]);
        assert!(is_not_found(
            &w.store
                .access(&out, None)
                .access_requests()
                .suspect_access_extract(driver)
                .await
                .unwrap_err()
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn administrators_set_their_intake_address_the_default_stays_the_operators() {
    for db in testing::all().await {
        let w = world(&db).await;
        let admin = who(w.org("ngo"), &[Role::Admin]);
        let ad = w.store.access(&admin, None);
        assert!(ad.intake().report_intake().await.unwrap().is_none());
        for bad in [
            "",
            "a",
            "Has Space",
            "-edge",
            "edge-",
            "ünï",
            &"x".repeat(41),
        ] {
            if bad.is_empty() {
                continue;
            }
            assert_eq!(
                code(ad.intake().set_report_intake(Some(bad)).await.unwrap_err()),
                "invalid"
            );
        }
        ad.intake()
            .set_report_intake(Some("Lilas-Help"))
            .await
            .unwrap();
        assert_eq!(
            ad.intake().report_intake().await.unwrap().unwrap().slug,
            "lilas-help"
        );
        assert_eq!(
            w.store
                .report_receiver(Some("lilas-help"))
                .await
                .unwrap()
                .unwrap()
                .0,
            w.org("ngo")
        );
        // Another organisation cannot take it.
        let other = who(w.org("partner"), &[Role::Admin]);
        let o = w.store.access(&other, None);
        assert_eq!(
            code(
                o.intake()
                    .set_report_intake(Some("lilas-help"))
                    .await
                    .unwrap_err()
            ),
            "taken"
        );
        // Only administrators.
        assert!(matches!(
            w.store
                .access(w.user("coordinator"), None)
                .intake()
                .set_report_intake(Some("mine"))
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(Action::OrgManage))
        ));
        // The default is the operator's; a changed slug keeps it, clearing drops it.
        assert!(w.store.report_receiver(None).await.unwrap().is_none());
        assert_eq!(
            code(
                w.store
                    .set_default_report_intake(Some("nope"))
                    .await
                    .unwrap_err()
            ),
            "unknown"
        );
        w.store
            .set_default_report_intake(Some("lilas-help"))
            .await
            .unwrap();
        ad.intake().set_report_intake(Some("lilas")).await.unwrap();
        assert!(
            ad.intake()
                .report_intake()
                .await
                .unwrap()
                .unwrap()
                .is_default
        );
        assert_eq!(
            w.store.report_receiver(None).await.unwrap().unwrap().0,
            w.org("ngo")
        );
        assert!(
            w.store
                .report_receiver(Some("lilas-help"))
                .await
                .unwrap()
                .is_none()
        );
        ad.intake().set_report_intake(None).await.unwrap();
        assert!(w.store.report_receiver(None).await.unwrap().is_none());
        assert!(ad.intake().report_intake().await.unwrap().is_none());
        // The freed slug can be taken by the other organisation.
        o.intake().set_report_intake(Some("lilas")).await.unwrap();
        w.store.close().await;
        db.cleanup().await;
    }
}
