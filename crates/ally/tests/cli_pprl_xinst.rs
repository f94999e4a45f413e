//! `ally pprl contribute` and `ally pprl results` end to end with two instances (two data
//! directories): the network's instance exports a run's kit; the member's instance encodes its
//! records with it through the command line; the encodings are uploaded and matched on the
//! network's instance; the member looks the returned record ids up on its own instance.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use ally_core::authz::{Principal, Role};
use ally_core::information::{EntityInput, ReportInput, ValidReport};
use ally_core::org::OrgKind;
use ally_core::{OrgId, UserId};

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

fn coordinator(org: OrgId) -> Principal {
    Principal {
        user_id: UserId::new(),
        org_id: org,
        roles: vec![Role::Coordinator],
    }
}

fn report(person: &str) -> ValidReport {
    ReportInput {
        what: "Recruiter seen".into(),
        exploitation: "labour".into(),
        entities: vec![EntityInput {
            kind: "person".into(),
            role: "recruiter".into(),
            value: person.into(),
        }],
        ..Default::default()
    }
    .validate(|_| true, false)
    .unwrap()
}

async fn open(dir: &std::path::Path) -> ally_store::Store {
    ally::open_store(&ally::config::Config {
        data_dir: dir.to_path_buf(),
        ..Default::default()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_encodes_on_its_own_instance_and_finds_its_matched_records() {
    let tmp = tempfile::tempdir().unwrap();
    let net_dir = tmp.path().join("network");
    let mem_dir = tmp.path().join("member");

    // The network's instance: a local member with a record, a run, its kit.
    let net = open(&net_dir).await;
    let network = net
        .create_organisation("Network", OrgKind::Network, false)
        .await
        .unwrap();
    let shelter = net
        .create_organisation("Shelter A", OrgKind::Shelter, false)
        .await
        .unwrap();
    let rep = net
        .create_organisation("Member B (own instance)", OrgKind::Union, false)
        .await
        .unwrap();
    net.add_network_member(network, shelter).await.unwrap();
    net.add_network_member(network, rep).await.unwrap();
    let a = coordinator(shelter);
    net.access(&a, None)
        .reports()
        .file_report(report("Vasile Popescu"))
        .await
        .unwrap();
    let run = net.access(&a, None).pprl().start_pprl_run().await.unwrap();
    let r = coordinator(rep);
    let kit = net
        .access(&r, None)
        .pprl_members()
        .pprl_kit(run)
        .await
        .unwrap();
    let kit_path = tmp.path().join("kit.json");
    std::fs::write(&kit_path, kit.to_json().unwrap()).unwrap();

    // The member's own instance.
    let mem = open(&mem_dir).await;
    let b_org = mem
        .create_organisation("Member B", OrgKind::Union, false)
        .await
        .unwrap();
    let b = coordinator(b_org);
    let rid = mem
        .access(&b, None)
        .reports()
        .file_report(report("POPESCU Vasile"))
        .await
        .unwrap();
    let b_entity = mem
        .access(&b, None)
        .reports()
        .get_report(rid)
        .await
        .unwrap()
        .entities[0]
        .id;
    mem.close().await;

    let mem_s = mem_dir.to_string_lossy().into_owned();
    let clks = tmp.path().join("clks.csv");
    let out = ally(&[
        "pprl",
        "contribute",
        "--data-dir",
        &mem_s,
        "--kit",
        kit_path.to_str().unwrap(),
        "--org",
        "Member B",
        "--output",
        clks.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&clks).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "record_id,clk");
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with(&b_entity.to_string()));
    assert!(!text.to_lowercase().contains("popescu"));
    // A kit that is not one: a clear error.
    std::fs::write(tmp.path().join("bad.json"), "{}").unwrap();
    let out = ally(&[
        "pprl",
        "contribute",
        "--data-dir",
        &mem_s,
        "--kit",
        tmp.path().join("bad.json").to_str().unwrap(),
        "--org",
        "Member B",
        "--output",
        tmp.path().join("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kit: format"));

    // Upload and match on the network's instance.
    assert_eq!(
        net.access(&r, None)
            .pprl_members()
            .pprl_upload(run, text.as_bytes())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        net.access(&a, None)
            .pprl()
            .match_pprl_run(run)
            .await
            .unwrap(),
        1
    );
    let (_, matches) = net.access(&r, None).pprl().pprl_results(run).await.unwrap();
    net.close().await;
    assert_eq!(matches[0].record_ref, b_entity);

    // The member looks the ids up on its own instance; an id that is not its own is flagged.
    let results = tmp.path().join("results.csv");
    std::fs::write(
        &results,
        format!(
            "record_id,other_member,contact,similarity\n{b_entity},Shelter A,,{:.3}\n{},Shelter A,,0.900\n",
            matches[0].similarity as f64 / 1000.0,
            uuid::Uuid::now_v7()
        ),
    )
    .unwrap();
    let out = ally(&[
        "pprl",
        "results",
        "--data-dir",
        &mem_s,
        "--org",
        "Member B",
        "--input",
        results.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("/entities/{b_entity}")),
        "{stdout}"
    );
    assert!(stdout.contains("person\trecruiter\tShelter A"), "{stdout}");
    assert!(stdout.contains("not a record of this organisation"));
    assert!(!stdout.to_lowercase().contains("popescu"));
}
