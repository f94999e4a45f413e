//! The information module's "shared with us" list and the re-index of reports filed before
//! migration 0007, on SQLite and (when configured) PostgreSQL.
#![allow(clippy::unwrap_used)]

use ally_core::authz::{Denied, Principal, Role};
use ally_core::information::{Distribution, ValidReport};
use ally_core::org::OrgKind;
use ally_core::protection::{ConsentPurpose, FieldGroup};
use ally_store::protection::NewConsent;
use ally_store::testing::{self, TestDb};
use ally_store::{CaseContent, NewCase, Page, Policy, Store, StoreError};
use sqlx::Connection;
use uuid::Uuid;

mod common;

use common::{World, audit_details, entity, is_not_found, report_at, who};

fn report(what: &str, entities: &[(&str, &str, &str)]) -> ValidReport {
    let entities = entities.iter().map(|(k, r, v)| entity(k, r, v)).collect();
    report_at("Quai des Brumes 3", what, entities)
}

/// The NGO and the partner are members of one network; the outsider is not.
async fn world(db: &TestDb) -> World {
    World::builder()
        .org("ngo", "NGO", OrgKind::Ngo)
        .org("partner", "Partner shelter", OrgKind::Shelter)
        .org("outsider", "Outsider", OrgKind::Ngo)
        .org("network", "Network", OrgKind::Network)
        .member("network", "ngo")
        .member("network", "partner")
        .build(db)
        .await
}

/// The ids of a report's entities, by value (as the owner reads them).
async fn entity_ids(store: &Store, p: &Principal, report: Uuid) -> Vec<(String, Uuid)> {
    store
        .access(p, None)
        .reports()
        .get_report(report)
        .await
        .unwrap()
        .entities
        .iter()
        .map(|e| (e.value.clone().unwrap_or_default(), e.id))
        .collect()
}

fn id_of(ids: &[(String, Uuid)], value: &str) -> Uuid {
    ids.iter().find(|(v, _)| v == value).unwrap().1
}

/// The values in one principal's "shared with us" list (first page of 100).
async fn shared(store: &Store, p: &Principal) -> Vec<String> {
    store
        .access(p, None)
        .shared_with_us()
        .shared_entities(Page::new(0, 100))
        .await
        .unwrap()
        .items
        .iter()
        .map(|s| s.entity.value.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn shared_with_us_lists_what_the_partner_may_read_and_drops_it_at_once() {
    for db in testing::all().await {
        let w = world(&db).await;
        let coordinator = who(w.org("ngo"), &[Role::Coordinator]);
        let caseworker = who(w.org("ngo"), &[Role::Caseworker]);
        let c = w.store.access(&coordinator, None);
        let a = w.store.access(&caseworker, None);
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let partner_union = who(w.org("partner"), &[Role::UnionRepresentative]);
        let outsider_cw = who(w.org("outsider"), &[Role::Caseworker]);
        let report_id = a
            .reports()
            .file_report(report(
                "Agency places workers on farms",
                &[
                    ("company", "unknown", "Zentravor Logistics"),
                    ("phone", "recruiter", "+40 721 555 019"),
                    ("person", "possible_victim", "Ilona Brevka"),
                ],
            ))
            .await
            .unwrap();
        let ids = entity_ids(&w.store, &caseworker, report_id).await;
        let company = id_of(&ids, "Zentravor Logistics");
        let phone = id_of(&ids, "+40 721 555 019");
        let victim = id_of(&ids, "Ilona Brevka");

        // Nothing is shared yet; the owner's own entities are not "shared with us".
        assert!(shared(&w.store, &partner_cw).await.is_empty());
        assert!(shared(&w.store, &caseworker).await.is_empty());

        // The company and the recruiter's phone, shared on their own with the partner by name:
        // the partner lists them (the offender's phone only for a role with suspect.read), the
        // outsider does not, and the report stays with the NGO.
        c.distribution()
            .set_entity_distribution(company, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        c.distribution()
            .set_entity_distribution(phone, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        let list = w
            .store
            .access(&partner_cw, None)
            .shared_with_us()
            .shared_entities(Page::new(0, 100))
            .await
            .unwrap();
        let values: Vec<_> = list
            .items
            .iter()
            .map(|s| s.entity.value.clone().unwrap_or_default())
            .collect();
        assert_eq!(values, vec!["+40 721 555 019", "Zentravor Logistics"]);
        assert!(list.items.iter().all(|s| s.owner_name == "NGO"
            && s.entity.org_id == w.org("ngo")
            && s.entity.distribution == Distribution::Partners));
        assert!(!list.has_more);
        assert_eq!(
            shared(&w.store, &partner_union).await,
            vec!["Zentravor Logistics"]
        );
        assert!(shared(&w.store, &outsider_cw).await.is_empty());
        let p = w.store.access(&partner_cw, None);
        assert!(is_not_found(
            &p.reports().get_report(report_id).await.unwrap_err()
        ));
        // Every entry opens, as a single read would.
        for s in &list.items {
            assert!(p.entities().get_entity(s.entity.id).await.is_ok());
        }

        // Paged: one at a time, newest first.
        let first = p
            .shared_with_us()
            .shared_entities(Page::new(0, 1))
            .await
            .unwrap();
        assert_eq!(first.items.len(), 1);
        assert!(first.has_more);
        assert_eq!(first.items[0].entity.id, phone);
        let second = p
            .shared_with_us()
            .shared_entities(Page::new(1, 1))
            .await
            .unwrap();
        assert_eq!(second.items[0].entity.id, company);
        assert!(!second.has_more);
        assert!(
            p.shared_with_us()
                .shared_entities(Page::new(2, 1))
                .await
                .unwrap()
                .items
                .is_empty()
        );

        // A lowered level removes it at once.
        a.distribution()
            .set_entity_distribution(company, Distribution::Own, vec![])
            .await
            .unwrap();
        assert_eq!(shared(&w.store, &partner_cw).await, vec!["+40 721 555 019"]);

        // The possible victim: only with the consent on the linked case naming the partner,
        // and gone at once when it is withdrawn.
        let case = c
            .cases()
            .create_case(NewCase {
                person_id: None,
                interview_id: None,
                identified_on: None,
                may_be_child: false,
                content: CaseContent {
                    reference: "V-21".into(),
                    ..Default::default()
                },
            })
            .await
            .unwrap();
        c.entities().link_victim_case(victim, case).await.unwrap();
        let consent = c
            .consents()
            .record_consent(
                case,
                NewConsent {
                    purpose: ConsentPurpose::Referral,
                    recipients: [w.org("partner")].into_iter().collect(),
                    scope: [FieldGroup::Identity, FieldGroup::Exploitation]
                        .into_iter()
                        .collect(),
                    language: "ro".into(),
                    given: true,
                    date: None,
                    valid_until: None,
                    guardian: None,
                },
            )
            .await
            .unwrap();
        c.distribution()
            .set_entity_distribution(victim, Distribution::Partners, vec![w.org("partner")])
            .await
            .unwrap();
        assert_eq!(
            shared(&w.store, &partner_cw).await,
            vec!["Ilona Brevka", "+40 721 555 019"]
        );
        c.consents().withdraw_consent(consent).await.unwrap();
        assert_eq!(shared(&w.store, &partner_cw).await, vec!["+40 721 555 019"]);
        assert!(is_not_found(
            &p.entities().get_entity(victim).await.unwrap_err()
        ));

        // The network level reaches the partner (a fellow member), not the outsider.
        c.distribution()
            .set_entity_distribution(company, Distribution::Network, vec![])
            .await
            .unwrap();
        assert_eq!(
            shared(&w.store, &partner_cw).await,
            vec!["+40 721 555 019", "Zentravor Logistics"]
        );
        assert!(shared(&w.store, &outsider_cw).await.is_empty());

        // Past its retention time (before the daily purge ran) it is no longer shared, in the
        // list or read alone; the owner still reads it until the purge.
        let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        sqlx::query("UPDATE info_entities SET retain_until = 1 WHERE id = $1")
            .bind(company.to_string())
            .execute(&mut conn)
            .await
            .unwrap();
        assert_eq!(shared(&w.store, &partner_cw).await, vec!["+40 721 555 019"]);
        assert!(is_not_found(
            &p.entities().get_entity(company).await.unwrap_err()
        ));
        assert!(a.entities().get_entity(company).await.is_ok());

        // A role without report.read is refused; each list is audited with counts only.
        let focal = who(w.org("partner"), &[Role::CommunityFocalPoint]);
        assert!(matches!(
            w.store
                .access(&focal, None)
                .shared_with_us()
                .shared_entities(Page::default())
                .await
                .unwrap_err(),
            StoreError::Denied(Denied::RoleLacksPermission(_))
        ));
        let details = audit_details(&db, "entity.shared_list").await;
        assert!(details.len() >= 10, "{details:?}");
        assert!(details.iter().all(|d| d.starts_with("offset=")));
        assert!(details.iter().all(|d| !d.contains("Zentravor")));
        w.store.close().await;
        db.cleanup().await;
    }
}

/// Writes a report's tokens as the code before migration 0007 did: its entities' words in the
/// report index with its text, no per-entity tokens.
async fn to_legacy_layout(conn: &mut sqlx::AnyConnection, report: Uuid) {
    sqlx::query(
        "INSERT INTO info_report_tokens (org_id, token, report_id) \
         SELECT DISTINCT t.org_id, t.token, re.report_id FROM info_entity_tokens t \
         JOIN info_report_entities re ON re.entity_id = t.entity_id WHERE re.report_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM info_report_tokens r WHERE r.org_id = t.org_id \
             AND r.token = t.token AND r.report_id = re.report_id)",
    )
    .bind(report.to_string())
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM info_entity_tokens WHERE entity_id IN \
           (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
    )
    .bind(report.to_string())
    .execute(&mut *conn)
    .await
    .unwrap();
}

async fn count(conn: &mut sqlx::AnyConnection, sql: &str, report: Uuid) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(report.to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn reports_filed_before_0007_are_reindexed_so_entity_levels_hold_in_search() {
    for db in testing::all().await {
        let w = world(&db).await;
        let coordinator = who(w.org("ngo"), &[Role::Coordinator]);
        let caseworker = who(w.org("ngo"), &[Role::Caseworker]);
        let partner_cw = who(w.org("partner"), &[Role::Caseworker]);
        let c = w.store.access(&coordinator, None);
        let legacy = c
            .reports()
            .file_report(report(
                "Workers sleep in the quarry sheds",
                &[
                    ("company", "unknown", "Zentravor Logistics"),
                    ("person", "witness", "Ilona Brevka"),
                ],
            ))
            .await
            .unwrap();
        c.distribution()
            .set_report_distribution(legacy, Distribution::Network, vec![])
            .await
            .unwrap();
        // Filed with per-entity tokens: nothing to re-index.
        c.reports()
            .file_report(report(
                "Another quarry, same agency",
                &[("company", "unknown", "Zentravor Logistics")],
            ))
            .await
            .unwrap();
        // Another old report, whose ciphertext will be damaged.
        let damaged = c
            .reports()
            .file_report(report(
                "Ferroquartz depot",
                &[("company", "unknown", "Ferroquartz Bau")],
            ))
            .await
            .unwrap();
        let ids = entity_ids(&w.store, &coordinator, legacy).await;
        // The witness is restricted to the NGO: the partner reads the report, not her.
        c.distribution()
            .set_entity_distribution(id_of(&ids, "Ilona Brevka"), Distribution::Own, vec![])
            .await
            .unwrap();
        w.store.close().await;

        // The first report as it was stored before 0007.
        let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        to_legacy_layout(&mut conn, legacy).await;
        to_legacy_layout(&mut conn, damaged).await;
        sqlx::query("UPDATE info_reports SET sealed = $1 WHERE id = $2")
            .bind(vec![7u8; 64])
            .bind(damaged.to_string())
            .execute(&mut conn)
            .await
            .unwrap();
        let legacy_tokens = count(
            &mut conn,
            "SELECT COUNT(*) FROM info_report_tokens WHERE report_id = $1",
            legacy,
        )
        .await;
        // What that layout leaks while nothing re-indexes it: the partner finds the report by
        // the restricted witness's name.
        let store = common::world::open(&db, 5, Policy::default()).await;
        assert_eq!(
            store
                .access(&partner_cw, None)
                .report_search()
                .search_reports("brevka")
                .await
                .unwrap()
                .len(),
            1
        );
        store.close().await;
        // Back to before migration 0012, which lists such reports when it runs.
        sqlx::query("DROP TABLE info_reindex")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 12")
            .execute(&mut conn)
            .await
            .unwrap();

        // After the migration and the re-index at start: the witness's words are the
        // entity's, the report index holds only the text and place.
        let store = common::world::open(&db, 5, Policy::default()).await;
        let p = store.access(&partner_cw, None);
        assert!(
            p.report_search()
                .search_reports("brevka")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            p.report_search()
                .search_reports("sheds")
                .await
                .unwrap()
                .len(),
            1
        );
        // The company, still at the report's level, is found through its entity tokens.
        assert_eq!(
            p.report_search()
                .search_reports("zentravor sheds")
                .await
                .unwrap()
                .len(),
            1
        );
        // The owner finds everything.
        let a = store.access(&caseworker, None);
        assert_eq!(
            a.report_search()
                .search_reports("brevka")
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            a.report_search()
                .search_reports("zentravor")
                .await
                .unwrap()
                .len(),
            2
        );
        // The damaged report did not stop the start: it keeps its old tokens and stays listed.
        let pending: Vec<String> = sqlx::query_scalar("SELECT report_id FROM info_reindex")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(pending, vec![damaged.to_string()]);
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(DISTINCT entity_id) FROM info_entity_tokens WHERE entity_id IN \
                   (SELECT entity_id FROM info_report_entities WHERE report_id = $1)",
                legacy,
            )
            .await,
            2,
            "both entities of the legacy report have their own tokens again"
        );
        assert!(
            count(
                &mut conn,
                "SELECT COUNT(*) FROM info_report_tokens WHERE report_id = $1",
                legacy,
            )
            .await
                < legacy_tokens
        );
        // Only the legacy report was rewritten, once, and audited with the count.
        assert_eq!(
            audit_details(&db, "information.reindex").await,
            vec!["reports=1".to_owned()]
        );
        // Opening again finds nothing it can do.
        store.close().await;
        let store = common::world::open(&db, 5, Policy::default()).await;
        assert_eq!(store.reindex_legacy_reports().await.unwrap(), 0);
        assert_eq!(audit_details(&db, "information.reindex").await.len(), 1);
        store.close().await;
        db.cleanup().await;
    }
}
