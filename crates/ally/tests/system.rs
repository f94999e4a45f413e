//! The binary end to end: operator commands, data at rest, logs, several servers on one
//! PostgreSQL, and durability under `kill -9`.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use ally_store::testing;
use sqlx::Connection;

const BIN: &str = env!("CARGO_BIN_EXE_ally");

/// Strings of the demo data set that must never appear in clear at rest or in logs.
const DEMO_SECRETS: &[&str] = &[
    "Munteanu",
    "Okafor",
    "Коваленко",
    "Kovalenko",
    "Tesfay",
    "الزهراء",
    "Popescu",
    "Dragan",
    "Maricel",
    "721 555 101",
    "721555101",
    "Rue des Lilas",
    "rue des Lilas",
    "RX1122334",
    "Foyer Saint-Paul",
    "impasse du Moulin",
    // The modules' demo records: workers met at an inspection, suspects in reports, the
    // recruiter's phone, a case's safety code word.
    "Demoworker",
    "Fictivov",
    "Jordi Ferran",
    "Popesku",
    "744 210 387",
    "744210387",
    "sunflower",
    "Dembrova",
];

fn ally(args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd.env_remove("RUST_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn assert_no_secrets(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for s in DEMO_SECRETS {
        assert!(!text.contains(s), "{what} contains {s:?} in clear");
    }
}

fn data_dir(tmp: &Path) -> PathBuf {
    tmp.join("data")
}

#[test]
fn demo_data_is_not_in_clear_in_the_database_wal_or_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = data_dir(tmp.path());
    let d = dir.to_str().unwrap();
    ok(&ally(&["demo", "--data-dir", d, "--no-serve"], &[], None));
    // A second run reuses the data.
    assert!(ok(&ally(&["demo", "--data-dir", d, "--no-serve"], &[], None)).contains("Reusing"));
    let backup = tmp.path().join("backup.jsonl");
    ok(&ally(
        &["backup", "--data-dir", d, "--to", backup.to_str().unwrap()],
        &[],
        None,
    ));
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        assert_no_secrets(&p.display().to_string(), &std::fs::read(&p).unwrap());
        checked += 1;
    }
    assert!(checked >= 1);
    assert_no_secrets("the backup", &std::fs::read(&backup).unwrap());
    // The key file is outside the data directory.
    assert!(tmp.path().join("data.key").exists());
    assert!(!dir.join("data.key").exists());
    // The backup restores into a new data directory with the same key file.
    let dir2 = tmp.path().join("restored");
    std::fs::copy(tmp.path().join("data.key"), tmp.path().join("restored.key")).unwrap();
    let out = ok(&ally(
        &[
            "restore",
            "--data-dir",
            dir2.to_str().unwrap(),
            "--from",
            backup.to_str().unwrap(),
        ],
        &[],
        None,
    ));
    assert!(out.contains("audit chain intact"), "{out}");
}

#[tokio::test]
async fn demo_data_is_not_in_clear_in_a_postgresql_dump() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let url = db.url.clone();
    let d2 = d.clone();
    let out = tokio::task::spawn_blocking(move || {
        ally(
            &["demo", "--data-dir", d2.to_str().unwrap(), "--no-serve"],
            &[("ALLY_DATABASE_URL", &url)],
            None,
        )
    })
    .await
    .unwrap();
    ok(&out);
    let dump = Command::new("pg_dump").arg(&db.url).output().unwrap();
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(dump.stdout.len() > 10_000);
    assert_no_secrets("pg_dump", &dump.stdout);
    db.cleanup().await;
}

#[tokio::test]
async fn audit_verify_fails_with_exit_1_after_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let ds = d.to_str().unwrap().to_owned();
    ok(&ally(&["demo", "--data-dir", &ds, "--no-serve"], &[], None));
    let out = ok(&ally(&["audit", "verify", "--data-dir", &ds], &[], None));
    assert!(out.contains("intact"), "{out}");
    sqlx::any::install_default_drivers();
    let mut c = sqlx::AnyConnection::connect(&format!("sqlite://{}", d.join("ally.db").display()))
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET detail = 'tampered' WHERE seq = 5")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let out = ally(&["audit", "verify", "--data-dir", &ds], &[], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("BROKEN") && err.contains('5'), "{err}");
}

#[test]
fn operator_commands_users_tokens_keys_and_bad_configuration() {
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let ds = d.to_str().unwrap();
    let out = ok(&ally(
        &[
            "init",
            "--data-dir",
            ds,
            "--org-name",
            "Test NGO",
            "--admin-email",
            "root@test.org",
        ],
        &[],
        Some("a strong admin passphrase\n"),
    ));
    assert!(out.contains("Created organisation"), "{out}");
    // Passwords come from standard input; a weak one is refused with the reason.
    let weak = ally(
        &[
            "user",
            "add",
            "--data-dir",
            ds,
            "--org",
            "Test NGO",
            "--email",
            "cw@test.org",
            "--name",
            "CW",
            "--role",
            "caseworker",
        ],
        &[],
        Some("password\n"),
    );
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("password"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    ok(&ally(
        &[
            "user",
            "add",
            "--data-dir",
            ds,
            "--org",
            "Test NGO",
            "--email",
            "cw@test.org",
            "--name",
            "CW",
            "--role",
            "caseworker",
        ],
        &[],
        Some("caseworker passphrase 1\n"),
    ));
    let token = ok(&ally(
        &["token", "create", "--data-dir", ds, "--user", "cw@test.org"],
        &[],
        None,
    ));
    assert!(token.trim().starts_with("ally_") && token.trim().len() > 40);
    ok(&ally(
        &[
            "user",
            "reset-password",
            "--data-dir",
            ds,
            "--email",
            "cw@test.org",
        ],
        &[],
        Some("another passphrase 22\n"),
    ));
    ok(&ally(
        &[
            "user",
            "disable",
            "--data-dir",
            ds,
            "--email",
            "cw@test.org",
        ],
        &[],
        None,
    ));
    let missing = ally(
        &[
            "user",
            "disable",
            "--data-dir",
            ds,
            "--email",
            "nobody@test.org",
        ],
        &[],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    // Key rotation: the new key works, the old one no longer does.
    let key = tmp.path().join("data.key");
    let old = std::fs::read(&key).unwrap();
    ok(&ally(&["keys", "rotate", "--data-dir", ds], &[], None));
    assert_ne!(std::fs::read(&key).unwrap(), old);
    assert!(ok(&ally(&["audit", "verify", "--data-dir", ds], &[], None)).contains("intact"));
    std::fs::write(&key, &old).unwrap();
    let refused = ally(&["audit", "verify", "--data-dir", ds], &[], None);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("master key"));
    // Bad configuration names the key.
    std::fs::write(d.join("ally.toml"), "lissen = \"127.0.0.1:1\"\n").unwrap();
    let bad = ally(&["migrate", "--data-dir", ds], &[], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("lissen"));
    std::fs::remove_file(d.join("ally.toml")).unwrap();
    let bad = ally(
        &["migrate", "--data-dir", ds],
        &[("ALLY_SESSION_IDLE_MINUTES", "forever")],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .to_lowercase()
            .contains("session_idle_minutes")
    );
    // Every command has help.
    for sub in [
        "serve", "demo", "init", "migrate", "user", "token", "backup", "restore", "audit", "keys",
        "org",
    ] {
        assert!(
            ok(&ally(&[sub, "--help"], &[], None)).contains("Usage"),
            "{sub}"
        );
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn spawn_server(dir: &Path, envs: &[(&str, &str)], log: Option<&Path>) -> Server {
    let port = free_port();
    let mut cmd = Command::new(BIN);
    cmd.args([
        "serve",
        "--data-dir",
        dir.to_str().unwrap(),
        "--listen",
        &format!("127.0.0.1:{port}"),
    ]);
    cmd.stdin(Stdio::null()).stdout(Stdio::null());
    match log {
        Some(p) => {
            cmd.stderr(std::fs::File::create(p).unwrap());
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    cmd.env_remove("RUST_LOG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Server { child, base };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not become ready");
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

/// Signs a demo user in through the real forms (password, then one-time code).
async fn sign_in(client: &reqwest::Client, base: &str, email: &str) {
    let res = client
        .post(format!("{base}/sign-in"))
        .form(&[("email", email), ("password", ally::demo::DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.url().path().ends_with("/sign-in/code"), "{}", res.url());
    let csrf = csrf_of(&res.text().await.unwrap());
    let code = ally::demo::current_code().unwrap();
    let res = client
        .post(format!("{base}/sign-in/code"))
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.url().path().ends_with("/dashboard"), "{}", res.url());
}

#[tokio::test]
async fn debug_logs_of_the_demo_flows_carry_no_personal_data() {
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    ok(&ally(
        &["demo", "--data-dir", d.to_str().unwrap(), "--no-serve"],
        &[],
        None,
    ));
    let log = tmp.path().join("server.log");
    let server = spawn_server(&d, &[("ALLY_LOG", "debug")], Some(&log)).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    sign_in(&client, &server.base, "caseworker@ngo.demo").await;
    let list = client
        .get(format!("{}/persons", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains("Munteanu"),
        "the caseworker sees the demo persons"
    );
    let id = list
        .split("href=\"/persons/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .get(format!("{}/persons/{id}", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    client
        .get(format!("{}/persons?q=Munteanu", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    client
        .get(format!("{}/persons?q=%2B40%20721%20555%20101", server.base))
        .send()
        .await
        .unwrap();
    let created = client
        .post(format!("{}/persons", server.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("role", "witness"),
            ("given_names", "Maricel"),
            ("family_names", "Popescu"),
            ("phones", "+40 721 555 101"),
        ])
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    // A failed sign-in with a name-like e-mail must not log it either.
    client
        .post(format!("{}/sign-in", server.base))
        .form(&[
            ("email", "Okafor@x.org"),
            ("password", "Kovalenko-password"),
        ])
        .send()
        .await
        .unwrap();
    drop(server);
    let text = std::fs::read(&log).unwrap();
    assert!(
        String::from_utf8_lossy(&text).contains("DEBUG"),
        "debug logging was on"
    );
    assert_no_secrets("the debug log", &text);
}

#[tokio::test]
async fn two_servers_on_one_postgresql_share_sessions() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let url = db.url.clone();
    let d2 = d.clone();
    ok(&tokio::task::spawn_blocking(move || {
        ally(
            &["demo", "--data-dir", d2.to_str().unwrap(), "--no-serve"],
            &[("ALLY_DATABASE_URL", &url)],
            None,
        )
    })
    .await
    .unwrap());
    let a = spawn_server(&d, &[("ALLY_DATABASE_URL", &db.url)], None).await;
    let b = spawn_server(&d, &[("ALLY_DATABASE_URL", &db.url)], None).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    sign_in(&client, &a.base, "caseworker@ngo.demo").await;
    // The cookie is for 127.0.0.1 (any port), so the same session goes to server B.
    let res = client
        .get(format!("{}/persons", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.url().path(),
        "/persons",
        "server B accepted server A's session"
    );
    let page = res.text().await.unwrap();
    assert!(page.contains("Munteanu"));
    // Signing out on B ends the session on A too.
    let csrf = csrf_of(&page);
    client
        .post(format!("{}/sign-out", b.base))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let res = client
        .get(format!("{}/persons", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.url().path(), "/sign-in");
    drop(a);
    drop(b);
    db.cleanup().await;
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let ds = d.to_str().unwrap().to_owned();
    ok(&ally(&["demo", "--data-dir", &ds, "--no-serve"], &[], None));
    let token = ok(&ally(
        &[
            "token",
            "create",
            "--data-dir",
            &ds,
            "--user",
            "caseworker@ngo.demo",
        ],
        &[],
        None,
    ))
    .trim()
    .to_owned();
    let client = reqwest::Client::new();
    let mut acknowledged = Vec::new();
    let mut answered_reads = std::collections::HashMap::new();
    for round in 0..3 {
        let mut server = spawn_server(&d, &[], None).await;
        // Some writes complete before the kill; more are in flight when it lands.
        for i in 0..10 {
            let body = serde_json::json!({"role": "contact", "given_names": format!("Durable{round}a{i}"), "family_names": "Kill"});
            let res = client
                .post(format!("{}/api/v1/persons", server.base))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), reqwest::StatusCode::CREATED);
            let v: serde_json::Value = res.json().await.unwrap();
            acknowledged.push(v["id"].as_str().unwrap().to_owned());
        }
        // Reads of those records, in flight with the writes: a read answered before the kill
        // has its audit event committed (the event reaches the log before the answer).
        let mut reads = Vec::new();
        for id in acknowledged.iter().rev().take(10).cycle().take(30).cloned() {
            let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
            reads.push(tokio::spawn(async move {
                let res = client
                    .get(format!("{base}/api/v1/persons/{id}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .ok()?;
                (res.status() == reqwest::StatusCode::OK).then_some(id)
            }));
        }
        let mut tasks = Vec::new();
        for i in 0..30 {
            let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let body = serde_json::json!({"role": "contact", "given_names": format!("Durable{round}b{i}"), "family_names": "Kill"});
                let res = client.post(format!("{base}/api/v1/persons")).bearer_auth(&token).json(&body).send().await.ok()?;
                if res.status() != reqwest::StatusCode::CREATED {
                    return None;
                }
                let v: serde_json::Value = res.json().await.ok()?;
                v["id"].as_str().map(str::to_owned)
            }));
        }
        tokio::time::sleep(Duration::from_millis(20 * (round + 1))).await;
        server.child.kill().unwrap(); // SIGKILL, while requests are in flight
        for t in tasks {
            if let Some(id) = t.await.unwrap() {
                acknowledged.push(id);
            }
        }
        for r in reads {
            if let Some(id) = r.await.unwrap() {
                *answered_reads.entry(id).or_insert(0i64) += 1;
            }
        }
        let _ = server.child.wait();
    }
    assert!(!acknowledged.is_empty());
    assert!(!answered_reads.is_empty());
    {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", d.join("ally.db").display());
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        for (id, answered) in &answered_reads {
            let (logged,): (i64,) = sqlx::query_as(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'person.read' AND target_id = $1",
            )
            .bind(id)
            .fetch_one(&mut c)
            .await
            .unwrap();
            assert!(
                logged >= *answered,
                "{answered} reads of {id} answered, {logged} audited after kill -9"
            );
        }
        c.close().await.unwrap();
    }
    let server = spawn_server(&d, &[], None).await;
    for id in &acknowledged {
        let res = client
            .get(format!("{}/api/v1/persons/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            reqwest::StatusCode::OK,
            "acknowledged person {id} lost after kill -9"
        );
    }
    drop(server);
    assert!(ok(&ally(&["audit", "verify", "--data-dir", &ds], &[], None)).contains("intact"));
}

fn head_of(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("Head: "))
        .unwrap()
        .trim()
        .to_owned()
}

#[tokio::test]
async fn a_head_kept_elsewhere_detects_a_cut_tail_hidden_by_an_older_sealed_head() {
    let tmp = tempfile::tempdir().unwrap();
    let d = data_dir(tmp.path());
    let ds = d.to_str().unwrap().to_owned();
    ok(&ally(&["demo", "--data-dir", &ds, "--no-serve"], &[], None));
    let h1 = head_of(&ok(&ally(
        &["audit", "verify", "--data-dir", &ds],
        &[],
        None,
    )));
    // The attacker keeps a copy of the sealed head as it is now.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", d.join("ally.db").display());
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    let (seq1, mac1, seal1): (i64, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT seq, last_mac, seal FROM audit_head WHERE id = 1")
            .fetch_one(&mut c)
            .await
            .unwrap();
    c.close().await.unwrap();
    // Later events; the operator records the new head outside the server.
    ok(&ally(
        &[
            "token",
            "create",
            "--data-dir",
            &ds,
            "--user",
            "caseworker@ngo.demo",
        ],
        &[],
        None,
    ));
    ok(&ally(
        &[
            "token",
            "create",
            "--data-dir",
            &ds,
            "--user",
            "auditor@ngo.demo",
        ],
        &[],
        None,
    ));
    let h2 = head_of(&ok(&ally(
        &["audit", "verify", "--data-dir", &ds],
        &[],
        None,
    )));
    assert_ne!(h1, h2);
    // The attacker cuts the tail and puts the old sealed head back.
    let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq > $1")
        .bind(seq1)
        .execute(&mut c)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, last_mac = $2, seal = $3 WHERE id = 1")
        .bind(seq1)
        .bind(mac1)
        .bind(seal1)
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    // The chain alone cannot tell (as the architecture says)...
    assert!(ok(&ally(&["audit", "verify", "--data-dir", &ds], &[], None)).contains("intact"));
    // ...but the head kept elsewhere can.
    let out = ally(
        &["audit", "verify", "--data-dir", &ds, "--expect-head", &h2],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no longer in the log"));
    ok(&ally(
        &["audit", "verify", "--data-dir", &ds, "--expect-head", &h1],
        &[],
        None,
    ));
    let bad = ally(
        &[
            "audit",
            "verify",
            "--data-dir",
            &ds,
            "--expect-head",
            "not-a-head",
        ],
        &[],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
}
