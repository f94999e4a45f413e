//! `ally export htcds`, `ally export dossier` and `ally dossier verify` end to end on the demo
//! data set: HTCDS codes without identifying fields unless asked; a dossier written by the CLI
//! verifies, and any tampering makes `verify` exit 1 with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

const NGO: &str = "Ensemble Contre la Traite (demo NGO)";

#[tokio::test(flavor = "multi_thread")]
async fn htcds_export_and_dossier_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = ally::config::Config {
        data_dir: data.clone(),
        ..Default::default()
    };
    let store = ally::open_store(&config).await.unwrap();
    assert!(ally::demo::seed(&store, 0).await.unwrap());
    store.close().await;
    let data_dir = data.to_string_lossy().into_owned();

    // HTCDS CSV without identifying fields.
    let csv_path = tmp.path().join("htcds.csv");
    let out = ally(&[
        "export",
        "htcds",
        "--data-dir",
        &data_dir,
        "--org",
        NGO,
        "--out",
        csv_path.to_str().unwrap(),
    ]);
    ok(&out);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    assert!(
        header.contains(&"cas_Status".to_owned())
            && header.contains(&"vic_TraffickingStatus".to_owned())
    );
    assert!(!header.contains(&"ally_CaseReference".to_owned()));
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5, "one row per demo case");
    let status = header.iter().position(|h| h == "cas_Status").unwrap();
    let statuses: Vec<&str> = rows.iter().map(|r| &r[status]).collect();
    for s in ["Active", "FollowUp", "Closed"] {
        assert!(statuses.contains(&s), "{statuses:?}");
    }
    let consent = header.iter().position(|h| h == "con_Consent").unwrap();
    assert!(
        rows.iter()
            .all(|r| &r[consent] == "TRUE" || &r[consent] == "FALSE")
    );
    let referred = header
        .iter()
        .position(|h| h == "cas_ReferredOrganisation")
        .unwrap();
    assert_eq!(rows.iter().filter(|r| !r[referred].is_empty()).count(), 1);
    assert!(
        !text.contains("DEMO-0"),
        "no case reference without --identifying"
    );

    // With the flag, the references are there.
    let id_path = tmp.path().join("htcds-id.csv");
    ok(&ally(&[
        "export",
        "htcds",
        "--data-dir",
        &data_dir,
        "--org",
        NGO,
        "--out",
        id_path.to_str().unwrap(),
        "--identifying",
    ]));
    let text_id = std::fs::read_to_string(&id_path).unwrap();
    assert!(text_id.contains("DEMO-02 domestic work"));

    // The dossier of the referred case: only the consented groups.
    let case_col = header.iter().position(|h| h == "cas_CaseId").unwrap();
    let referred_case = rows.iter().find(|r| !r[referred].is_empty()).unwrap()[case_col].to_owned();
    let dir = tmp.path().join("dossier");
    ok(&ally(&[
        "export",
        "dossier",
        "--data-dir",
        &data_dir,
        "--org",
        NGO,
        "--case",
        &referred_case,
        "--out",
        dir.to_str().unwrap(),
    ]));
    let json = std::fs::read_to_string(dir.join("dossier.json")).unwrap();
    assert!(
        json.contains("Domestic worker, passport confiscated"),
        "case summary consented"
    );
    assert!(
        json.contains("sunflower"),
        "contact (with the safety plan) consented"
    );
    assert!(!json.contains("Sleep problems"), "health was not consented");
    let html = std::fs::read_to_string(dir.join("dossier.html")).unwrap();
    assert!(
        html.contains("@media print") && !html.contains("http://") && !html.contains("https://")
    );

    let out = ally(&["dossier", "verify", dir.to_str().unwrap()]);
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("dossier verified"));

    // Tampering with an item: exit 1, the file named.
    let forged = json.replace("passport confiscated", "passport returned");
    std::fs::write(dir.join("dossier.json"), forged).unwrap();
    let out = ally(&["dossier", "verify", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dossier.json does not match the manifest"),
        "{err}"
    );
    // An extra file: exit 1.
    std::fs::write(dir.join("dossier.json"), &json).unwrap();
    ok(&ally(&["dossier", "verify", dir.to_str().unwrap()]));
    std::fs::write(dir.join("note.txt"), "added later").unwrap();
    let out = ally(&["dossier", "verify", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("note.txt is not listed"));
    // No such directory: exit 2.
    let out = ally(&[
        "dossier",
        "verify",
        tmp.path().join("nowhere").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `ALLY_RETENTION_<TYPE>_DAYS` reaches the configuration; an unknown type or a bad number
/// stops the start with a message naming the key, before anything is written.
#[test]
fn retention_from_the_environment_is_checked_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let data_dir = data.to_string_lossy().into_owned();
    let run = |var: &str, value: &str| {
        Command::new(env!("CARGO_BIN_EXE_ally"))
            .args(["migrate", "--data-dir", &data_dir])
            .env(var, value)
            .output()
            .expect("run ally")
    };
    for (var, value, named) in [
        (
            "ALLY_RETENTION_CASES_DAYS",
            "10",
            "ALLY_RETENTION_CASES_DAYS",
        ),
        (
            "ALLY_RETENTION_CONSENT_DAYS",
            "soon",
            "ALLY_RETENTION_CONSENT_DAYS",
        ),
    ] {
        let out = run(var, value);
        assert!(!out.status.success(), "{var}={value} must stop the start");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(named), "{err}");
        assert!(!data.join("ally.db").exists(), "nothing written");
    }
    ok(&run("ALLY_RETENTION_CONSENT_DAYS", "1825"));
}
