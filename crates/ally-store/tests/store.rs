//! The store's contract, run against SQLite and (when configured) PostgreSQL.
#![allow(clippy::unwrap_used)]

use ally_core::authz::{Denied, Principal, Role};
use ally_core::org::OrgKind;
use ally_core::person::{PersonForm, ValidPerson};
use ally_store::testing::{self, TestDb};
use ally_store::{
    AuditFilter, JobRunner, MasterKey, NewUser, Page, Policy, SignInError, Store, StoreError,
};

mod common;

use common::{World, raw};

async fn open(db: &TestDb) -> Store {
    common::world::open(db, 7, Policy::default()).await
}

fn person(given: &str, family: &str, phone: &str) -> ValidPerson {
    PersonForm {
        role: "presumed_victim".into(),
        given_names: given.into(),
        family_names: family.into(),
        phones: phone.into(),
        documents: "passport: ZX998877 (RO)".into(),
        ..Default::default()
    }
    .validate(2026)
    .unwrap()
}

async fn world(db: &TestDb) -> World {
    world_with(db, Policy::default()).await
}

async fn world_with(db: &TestDb, policy: Policy) -> World {
    World::builder()
        .key(7)
        .policy(policy)
        .second_factor(true)
        .org("ngo", "NGO A", OrgKind::Ngo)
        .org("shelter", "Shelter B", OrgKind::Shelter)
        .user("caseworker", "ngo", &[Role::Caseworker])
        .user("other_caseworker", "shelter", &[Role::Caseworker])
        .user("auditor", "ngo", &[Role::Auditor])
        .build(db)
        .await
}

#[tokio::test]
async fn persons_are_created_read_updated_listed_and_found() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .persons()
            .create_person(person("Amina", "Haddad", "+33 6 12 34 56 78"))
            .await
            .unwrap();
        a.persons()
            .create_person(person("Олена", "Коваленко", "+380 44 123 4567"))
            .await
            .unwrap();

        let p = a.persons().get_person(id).await.unwrap();
        assert_eq!(p.identity.display_name(), "Amina Haddad");
        assert_eq!(p.version, 1);

        let page = a.persons().list_persons(Page::default()).await.unwrap();
        assert_eq!(page.items.len(), 2);
        assert!(!page.has_more);

        // Search by name, by transliteration, by phone in national form, by document.
        let names = |pg: ally_store::PersonPage| {
            pg.items
                .into_iter()
                .map(|i| i.display_name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(
                a.persons()
                    .search_persons("amina", Page::default())
                    .await
                    .unwrap()
            ),
            vec!["Amina Haddad"]
        );
        assert_eq!(
            names(
                a.persons()
                    .search_persons("Olena", Page::default())
                    .await
                    .unwrap()
            ),
            vec!["Олена Коваленко"]
        );
        assert_eq!(
            names(
                a.persons()
                    .search_persons("06 12 34 56 78", Page::default())
                    .await
                    .unwrap()
            ),
            vec!["Amina Haddad"]
        );
        assert_eq!(
            a.persons()
                .search_persons("ZX998877", Page::default())
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        assert!(
            a.persons()
                .search_persons("amina kovalenko", Page::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        // Update with optimistic concurrency.
        a.persons()
            .update_person(id, 1, person("Amina", "Haddad-Ali", ""))
            .await
            .unwrap();
        assert_eq!(
            a.persons()
                .get_person(id)
                .await
                .unwrap()
                .identity
                .family_names,
            "Haddad-Ali"
        );
        assert!(matches!(
            a.persons().update_person(id, 1, person("X", "Y", "")).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            a.persons()
                .search_persons("06 12 34 56 78", Page::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
        assert_eq!(
            a.persons()
                .search_persons("ali", Page::default())
                .await
                .unwrap()
                .items
                .len(),
            1
        );

        // Paging.
        let first = a.persons().list_persons(Page::new(0, 1)).await.unwrap();
        assert!(first.has_more);
        assert_eq!(
            a.persons()
                .list_persons(Page::new(1, 1))
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn other_organisations_and_lacking_roles_are_denied_and_audited() {
    for db in testing::all().await {
        let w = world(&db).await;
        let id = w
            .store
            .access(w.user("caseworker"), None)
            .persons()
            .create_person(person("Amina", "Haddad", ""))
            .await
            .unwrap();

        let other = w.store.access(w.user("other_caseworker"), Some("10.0.0.9"));
        assert!(matches!(
            other.persons().get_person(id).await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));
        assert!(matches!(
            other
                .persons()
                .update_person(id, 1, person("X", "Y", ""))
                .await,
            Err(StoreError::Denied(Denied::OtherOrganisation))
        ));
        assert!(
            other
                .persons()
                .list_persons(Page::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
        assert!(
            other
                .persons()
                .search_persons("amina", Page::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
        // A missing id looks the same as another organisation's.
        let missing = other.persons().get_person(ally_core::PersonId::new()).await;
        assert!(matches!(missing, Err(StoreError::NotFound)));

        let auditor = w.store.access(w.user("auditor"), None);
        assert!(matches!(
            auditor.persons().get_person(id).await,
            Err(StoreError::Denied(Denied::RoleLacksPermission(_)))
        ));

        // Reads of the organisation, the directory and the users are audited too (ids and
        // counts, no names).
        let admin = Principal {
            user_id: ally_core::UserId::new(),
            org_id: w.org("ngo"),
            roles: vec![Role::Admin],
        };
        let admin = w.store.access(&admin, None);
        assert_eq!(
            admin.organisations().organisation().await.unwrap().id,
            w.org("ngo")
        );
        let directory = admin.organisations().directory().await.unwrap();
        let users = admin.users().list_users().await.unwrap();

        // The auditor sees, in the NGO's log, the creation, the tenancy denials are in the
        // shelter's log, and the role denial is in the NGO's.
        let events = auditor
            .audit_log()
            .audit_events(AuditFilter::default(), 100)
            .await
            .unwrap();
        let actions: Vec<(String, String)> = events
            .iter()
            .map(|e| (e.event.action.clone(), e.event.outcome.as_str().to_owned()))
            .collect();
        let read = |action: &str| {
            events
                .iter()
                .find(|e| e.event.action == action && e.event.outcome.as_str() == "success")
                .unwrap_or_else(|| panic!("no {action} event: {actions:?}"))
        };
        let org_read = read("org.read");
        assert_eq!(org_read.event.target_kind.as_deref(), Some("organisation"));
        assert_eq!(org_read.event.target_id, Some(w.org("ngo").to_string()));
        assert_eq!(
            read("org.directory").event.detail,
            format!("count={}", directory.len())
        );
        assert_eq!(
            read("user.list").event.detail,
            format!("count={}", users.len())
        );
        assert!(
            actions.contains(&("person.create".into(), "success".into())),
            "{actions:?}"
        );
        assert!(
            actions.contains(&("person.read".into(), "denied".into())),
            "{actions:?}"
        );
        let by_target = auditor
            .audit_log()
            .audit_events(
                AuditFilter {
                    target_id: Some(id.to_string()),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert!(
            by_target
                .iter()
                .all(|e| e.event.target_id.as_deref() == Some(&id.to_string()))
        );
        // Nothing of the NGO's log is visible to the shelter's auditor.
        let shelter_auditor = Principal {
            user_id: ally_core::UserId::new(),
            org_id: w.org("shelter"),
            roles: vec![Role::Auditor],
        };
        let shelter_events = w
            .store
            .access(&shelter_auditor, None)
            .audit_log()
            .audit_events(AuditFilter::default(), 100)
            .await
            .unwrap();
        assert!(
            shelter_events
                .iter()
                .all(|e| e.event.org.as_deref() == Some(&w.org("shelter").to_string()))
        );
        assert!(
            shelter_events
                .iter()
                .any(|e| e.event.action == "person.read"
                    && e.event.client.as_deref() == Some("10.0.0.9"))
        );
        assert_eq!(w.org("ngo"), w.user("caseworker").org_id);
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn identity_data_is_not_stored_in_clear() {
    for db in testing::all().await {
        let w = world(&db).await;
        let a = w.store.access(w.user("caseworker"), None);
        a.persons()
            .create_person(person(
                "Canarygivenname",
                "Canaryfamilyname",
                "+40 721 555 019",
            ))
            .await
            .unwrap();
        w.store.close().await;
        let mut c = raw(&db).await;
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT sealed FROM persons")
            .fetch_all(&mut c)
            .await
            .unwrap();
        for r in rows {
            assert!(!String::from_utf8_lossy(&r).contains("Canary"));
        }
        if let Some(path) = db.sqlite_path() {
            for p in [path.clone(), path.with_extension("db-wal")] {
                if let Ok(bytes) = std::fs::read(&p) {
                    let text = String::from_utf8_lossy(&bytes).to_lowercase();
                    assert!(
                        !text.contains("canary") && !text.contains("721555019"),
                        "{} leaks",
                        p.display()
                    );
                }
            }
        }
        db.cleanup().await;
    }
}

/// Reads (audited by the audit writer: on SQLite its own thread and connection) and writes
/// (audited in their own transaction, through the pool) run at once; every event lands in the
/// one chain, each read's event is committed when the read returns, and the chain verifies.
#[tokio::test]
async fn concurrent_reads_and_writes_share_one_verified_audit_chain() {
    // With a sync window (the default) and with a sync per batch.
    for audit_sync_ms in [100, 0] {
        concurrent_reads_and_writes(Policy {
            audit_sync_ms,
            ..Policy::default()
        })
        .await;
    }
}

async fn concurrent_reads_and_writes(policy: Policy) {
    for db in testing::all().await {
        let w = world_with(&db, policy.clone()).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .persons()
            .create_person(person("Amina", "Haddad", ""))
            .await
            .unwrap();
        let before = w.store.verify_audit().await.unwrap();
        let (readers, reads_each, writes) = (8usize, 20usize, 20usize);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..readers {
            let (store, p) = (w.store.clone(), w.user("caseworker").clone());
            tasks.spawn(async move {
                for _ in 0..reads_each {
                    let got = store
                        .access(&p, None)
                        .persons()
                        .get_person(id)
                        .await
                        .unwrap();
                    assert_eq!(got.identity.given_names, "Amina");
                }
            });
        }
        let (store, p) = (w.store.clone(), w.user("caseworker").clone());
        tasks.spawn(async move {
            let a = store.access(&p, None);
            for v in 1..=writes {
                a.persons()
                    .update_person(id, v as i64, person("Amina", &format!("H{v}"), ""))
                    .await
                    .unwrap();
            }
        });
        // Denied reads are audited by the writer too.
        let (store, p) = (w.store.clone(), w.user("other_caseworker").clone());
        tasks.spawn(async move {
            for _ in 0..10 {
                let r = store.access(&p, None).persons().get_person(id).await;
                assert!(matches!(r, Err(StoreError::Denied(_))), "{r:?}");
            }
        });
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
        // Every read returned after its event was committed: all of them are there already.
        let reads = w
            .store
            .access(w.user("auditor"), None)
            .audit_log()
            .audit_events(
                AuditFilter {
                    action: Some("person.read".into()),
                    target_id: Some(id.to_string()),
                    ..Default::default()
                },
                1000,
            )
            .await
            .unwrap();
        assert_eq!(reads.len(), readers * reads_each);
        let after = w.store.verify_audit().await.unwrap();
        // Reads, writes, denials, and the auditor's query.
        let expected = readers * reads_each + writes + 10 + 1;
        assert_eq!((after - before) as usize, expected, "{before} -> {after}");
        assert_eq!(
            a.persons().get_person(id).await.unwrap().version,
            1 + writes as i64
        );
        w.store.close().await;
        db.cleanup().await;
    }
}

async fn tamper_and_expect_failure(db: &TestDb, sql: &str) {
    let store = open(db).await;
    let mut c = raw(db).await;
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .unwrap();
    let res = store.verify_audit().await;
    assert!(
        matches!(res, Err(StoreError::AuditBroken(_))),
        "{sql}: {res:?}"
    );
    store.close().await;
}

#[tokio::test]
async fn audit_chain_detects_edits_deletions_insertions_reordering_and_truncation() {
    let cases = [
        "UPDATE audit_log SET detail = 'edited' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 4",
        "UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3)",
        "INSERT INTO audit_log (seq, at_ms, action, outcome, detail, mac) SELECT seq + 1, 0, 'forged', 'success', '', mac FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        "DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)",
        "UPDATE audit_head SET seq = seq - 1",
    ];
    for sql in cases {
        for db in testing::all().await {
            let w = world(&db).await;
            let a = w.store.access(w.user("caseworker"), None);
            for i in 0..3 {
                let id = a
                    .persons()
                    .create_person(person(&format!("Name{i}"), "X", ""))
                    .await
                    .unwrap();
                a.persons().get_person(id).await.unwrap();
            }
            let n = w.store.verify_audit().await.unwrap();
            assert!(n >= 8, "{n}");
            w.store.close().await;
            if sql.contains("seq = -seq") {
                // Reorder: swap events 2 and 3 by renumbering them.
                let mut c = raw(&db).await;
                sqlx::query("UPDATE audit_log SET seq = 1000 WHERE seq = 2")
                    .execute(&mut c)
                    .await
                    .unwrap();
                sqlx::query("UPDATE audit_log SET seq = 2 WHERE seq = 3")
                    .execute(&mut c)
                    .await
                    .unwrap();
                tamper_and_expect_failure(&db, "UPDATE audit_log SET seq = 3 WHERE seq = 1000")
                    .await;
            } else {
                tamper_and_expect_failure(&db, sql).await;
            }
            db.cleanup().await;
        }
    }
}

#[tokio::test]
async fn sign_in_second_factor_throttling_and_sessions() {
    for db in testing::all().await {
        let w = world(&db).await;
        let user = NewUser {
            email: "Case.Worker@ngo.example".into(),
            display_name: "Case Worker".into(),
            roles: vec![Role::Caseworker],
            password: "a long and private passphrase".into(),
            locale: "fr".into(),
        };
        w.store
            .add_user_operator(w.org("ngo"), user.clone())
            .await
            .unwrap();
        assert!(matches!(
            w.store.add_user_operator(w.org("ngo"), user).await,
            Err(StoreError::Conflict("email_taken"))
        ));

        // Wrong password and unknown e-mail give the same error.
        assert!(matches!(
            w.store
                .sign_in("case.worker@ngo.example", "wrong password!!", None)
                .await,
            Err(SignInError::Invalid)
        ));
        assert!(matches!(
            w.store
                .sign_in("nobody@ngo.example", "wrong password!!", None)
                .await,
            Err(SignInError::Invalid)
        ));

        // The NGO requires a second factor for roles that see identities: enrolment first.
        let step = w
            .store
            .sign_in(
                "case.worker@ngo.example",
                "a long and private passphrase",
                Some("127.0.0.1"),
            )
            .await
            .unwrap();
        assert_eq!(step.stage, ally_store::SessionStage::Enrol);
        let enrol = w.store.begin_totp_enrolment(&step.token).await.unwrap();
        assert!(enrol.otpauth_url.starts_with("otpauth://totp/"));
        let secret = totp_rs::Secret::try_from_base32(&enrol.secret_base32).unwrap();
        let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
        let code = totp.generate_current().to_string();
        let full = w
            .store
            .confirm_totp_enrolment(&step.token, &code, None)
            .await
            .unwrap();
        let info = w.store.session(&full).await.unwrap().unwrap();
        assert_eq!(info.stage, ally_store::SessionStage::Full);
        assert_eq!(info.locale, "fr");
        assert!(
            w.store.session(&step.token).await.unwrap().is_none(),
            "the pre-enrolment session is gone"
        );

        // Next sign-in asks for the code; the code just used is a replay and is refused.
        let step = w
            .store
            .sign_in(
                "case.worker@ngo.example",
                "a long and private passphrase",
                None,
            )
            .await
            .unwrap();
        assert_eq!(step.stage, ally_store::SessionStage::SecondFactor);
        assert!(w.store.session(&step.token).await.unwrap().is_some());
        assert!(matches!(
            w.store.sign_in_code(&step.token, &code, None).await,
            Err(SignInError::Invalid)
        ));
        assert!(matches!(
            w.store.sign_in_code(&step.token, "000000x", None).await,
            Err(SignInError::Invalid)
        ));

        // Sign out everywhere ends every session.
        w.store.sign_out_everywhere(&info, None).await.unwrap();
        assert!(w.store.session(&full).await.unwrap().is_none());

        // Throttling: after 5 failures the account waits, whatever the password.
        for _ in 0..6 {
            let _ = w
                .store
                .sign_in("case.worker@ngo.example", "not the password", None)
                .await;
        }
        assert!(matches!(
            w.store
                .sign_in(
                    "case.worker@ngo.example",
                    "a long and private passphrase",
                    None
                )
                .await,
            Err(SignInError::Throttled { .. })
        ));
        // Another account is not affected by this account's counter.
        assert!(matches!(
            w.store
                .sign_in("other@ngo.example", "not the password", None)
                .await,
            Err(SignInError::Invalid)
        ));
        w.store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn idle_sessions_expire_and_disabled_users_lose_sessions_and_tokens() {
    for db in testing::all().await {
        let w = World::builder()
            .key(7)
            .policy(Policy {
                session_idle_ms: 300,
                session_absolute_ms: 10_000,
                ..Policy::default()
            })
            .second_factor(true)
            .org("community", "Community", OrgKind::CommunityGroup)
            .build(&db)
            .await;
        let (store, org) = (w.store.clone(), w.org("community"));
        let u = NewUser {
            email: "v@community.example".into(),
            display_name: "Volunteer".into(),
            roles: vec![Role::CommunityFocalPoint],
            password: "volunteer passphrase 2026".into(),
            locale: "en".into(),
        };
        store.add_user_operator(org, u).await.unwrap();
        // A focal point does not see identities: no second factor is demanded.
        let step = store
            .sign_in("v@community.example", "volunteer passphrase 2026", None)
            .await
            .unwrap();
        assert_eq!(step.stage, ally_store::SessionStage::Full);
        assert!(store.session(&step.token).await.unwrap().is_some());
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
        assert!(
            store.session(&step.token).await.unwrap().is_none(),
            "idle timeout"
        );

        let token = store
            .create_api_token_operator("v@community.example", "integration")
            .await
            .unwrap();
        assert!(
            store
                .principal_for_api_token(&token)
                .await
                .unwrap()
                .is_some()
        );
        let step = store
            .sign_in("v@community.example", "volunteer passphrase 2026", None)
            .await
            .unwrap();
        store
            .disable_user_operator("v@community.example")
            .await
            .unwrap();
        assert!(store.session(&step.token).await.unwrap().is_none());
        assert!(
            store
                .principal_for_api_token(&token)
                .await
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            store
                .sign_in("v@community.example", "volunteer passphrase 2026", None)
                .await,
            Err(SignInError::Invalid)
        ));
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn backup_restores_into_a_fresh_database_of_either_backend() {
    let sources = testing::all().await;
    for src in sources {
        let w = world(&src).await;
        let a = w.store.access(w.user("caseworker"), None);
        let id = a
            .persons()
            .create_person(person("Amina", "Haddad", "+33 6 12 34 56 78"))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("backup.jsonl");
        let rows = w.store.backup_to(&file).await.unwrap();
        assert!(rows > 5);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("Amina") && !text.contains("Haddad"));
        w.store.close().await;

        for target in testing::all().await {
            let restored = ally_store::backup::restore(&target.url, &file)
                .await
                .unwrap();
            assert_eq!(restored, rows);
            let store = open(&target).await;
            assert!(store.verify_audit().await.unwrap() > 0);
            let p = store
                .access(w.user("caseworker"), None)
                .persons()
                .get_person(id)
                .await
                .unwrap();
            assert_eq!(p.identity.display_name(), "Amina Haddad");
            // Restoring twice is refused: the target is no longer empty.
            assert!(
                ally_store::backup::restore(&target.url, &file)
                    .await
                    .is_err()
            );
            store.close().await;
            target.cleanup().await;
        }
        // A damaged file changes nothing.
        let mut damaged = text.clone();
        damaged.replace_range(10..11, "X");
        std::fs::write(&file, damaged).unwrap();
        let empty = testing::sqlite();
        assert!(
            ally_store::backup::restore(&empty.url, &file)
                .await
                .is_err()
        );
        src.cleanup().await;
    }
}

#[tokio::test]
async fn jobs_are_claimed_by_exactly_one_worker() {
    for db in testing::all().await {
        let s1 = open(&db).await;
        let s2 = open(&db).await;
        let (a, b) = (
            JobRunner::new(s1.clone(), "one"),
            JobRunner::new(s2.clone(), "two"),
        );
        let (ra, rb) = tokio::join!(a.claim("sweep", 60_000), b.claim("sweep", 60_000));
        assert!(ra.unwrap() ^ rb.unwrap(), "exactly one claim succeeds");
        assert!(
            !a.claim("sweep", 60_000).await.unwrap(),
            "not due again yet"
        );
        assert!(a.last_run_by("sweep").await.unwrap().is_some());
        s1.close().await;
        s2.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn master_key_rotation_rewraps_and_old_key_stops_working() {
    for db in testing::all().await {
        let dir = tempfile::tempdir().unwrap();
        let key_file = dir.path().join("master.key");
        let first = MasterKey::generate().unwrap();
        first.save(&key_file).unwrap();
        let store = Store::open(
            &db.url,
            MasterKey::load(&key_file).unwrap(),
            Policy::default(),
        )
        .await
        .unwrap();
        let org = store
            .create_organisation("NGO", OrgKind::Ngo, true)
            .await
            .unwrap();
        let p = Principal {
            user_id: ally_core::UserId::new(),
            org_id: org,
            roles: vec![Role::Caseworker],
        };
        let id = store
            .access(&p, None)
            .persons()
            .create_person(person("Amina", "H", ""))
            .await
            .unwrap();
        store.rotate_master_key(&key_file).await.unwrap();
        // The running store keeps working after rotation.
        assert_eq!(
            store
                .access(&p, None)
                .persons()
                .get_person(id)
                .await
                .unwrap()
                .identity
                .given_names,
            "Amina"
        );
        store.close().await;

        let old = Store::open(&db.url, first, Policy::default()).await;
        assert!(matches!(
            old,
            Err(StoreError::Crypto(ally_store::CryptoError::WrongMasterKey))
        ));
        let store = Store::open(
            &db.url,
            MasterKey::load(&key_file).unwrap(),
            Policy::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            store
                .access(&p, None)
                .persons()
                .get_person(id)
                .await
                .unwrap()
                .identity
                .given_names,
            "Amina"
        );
        assert!(store.verify_audit().await.is_ok());
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn backups_cover_every_durable_table() {
    let db = testing::sqlite();
    let store = open(&db).await;
    let mut c = raw(&db).await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let covered = ally_store::backup::backed_up_tables();
    for t in tables {
        assert!(
            covered.contains(&t.as_str())
                || ally_store::backup::NOT_BACKED_UP.contains(&t.as_str()),
            "table {t} is neither backed up nor listed as excluded"
        );
    }
    store.close().await;
}

/// Sessions are answered from memory for a moment (see `SESSION_CACHE_TTL_MS`): a change made
/// through the same store applies at once; one made through another process (another `Store`
/// on the same database) applies once the cached answer is older than the bound.
#[tokio::test]
async fn cached_sessions_follow_changes_at_once_here_and_within_a_second_elsewhere() {
    for db in testing::all().await {
        let w = world(&db).await;
        let other_process = open(&db).await;
        for (i, via_other) in [false, true].into_iter().enumerate() {
            let email = format!("cache{i}@ngo.test");
            w.store
                .add_user_operator(
                    w.org("ngo"),
                    NewUser {
                        email: email.clone(),
                        display_name: "Cache".into(),
                        roles: vec![Role::Caseworker],
                        password: "a long enough passphrase".into(),
                        locale: "en".into(),
                    },
                )
                .await
                .unwrap();
            let step = w
                .store
                .sign_in(&email, "a long enough passphrase", None)
                .await
                .unwrap();
            // Read twice: the second answer comes from the cache.
            assert!(w.store.session(&step.token).await.unwrap().is_some());
            assert!(w.store.session(&step.token).await.unwrap().is_some());
            let writer = if via_other { &other_process } else { &w.store };
            writer.disable_user_operator(&email).await.unwrap();
            let now = w.store.session(&step.token).await.unwrap();
            if via_other {
                // Possibly still cached here; gone once the bound has passed.
                tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
                assert!(
                    w.store.session(&step.token).await.unwrap().is_none(),
                    "{:?}: a session of a user disabled elsewhere outlived the cache bound",
                    db.backend
                );
            } else {
                assert!(
                    now.is_none(),
                    "{:?}: a session of a user disabled here survived in the cache",
                    db.backend
                );
            }
        }
        other_process.close().await;
        w.store.close().await;
        db.cleanup().await;
    }
}
