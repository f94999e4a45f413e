//! `ally intake default` end to end on the demo data set: the operator chooses which
//! organisation receives public reports sent without an address, or none; an unknown address is
//! refused with a clear message and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn ally(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ally"))
        .args(args)
        .output()
        .expect("run ally")
}

async fn default_receiver(config: &ally::config::Config) -> Option<String> {
    let store = ally::open_store(config).await.unwrap();
    let receiver = store.report_receiver(None).await.unwrap().map(|r| r.1);
    store.close().await;
    receiver
}

#[tokio::test(flavor = "multi_thread")]
async fn the_operator_chooses_the_default_receiver_of_public_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = ally::config::Config {
        data_dir: data.clone(),
        ..Default::default()
    };
    let store = ally::open_store(&config).await.unwrap();
    assert!(ally::demo::seed(&store, 0).await.unwrap());
    let (ngo, _) = store.report_receiver(Some("ngo")).await.unwrap().unwrap();
    let circle = store
        .report_receiver(Some("circle"))
        .await
        .unwrap()
        .unwrap()
        .1;
    assert_eq!(
        store.report_receiver(None).await.unwrap().unwrap().0,
        ngo,
        "the demo's default"
    );
    store.close().await;
    let data_dir = data.to_string_lossy().into_owned();

    let out = ally(&[
        "intake",
        "default",
        "--data-dir",
        &data_dir,
        "--slug",
        "circle",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(default_receiver(&config).await, Some(circle.clone()));

    let out = ally(&[
        "intake",
        "default",
        "--data-dir",
        &data_dir,
        "--slug",
        "nowhere",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("slug"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(default_receiver(&config).await, Some(circle));

    let out = ally(&["intake", "default", "--data-dir", &data_dir, "--none"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(default_receiver(&config).await, None);

    // One of the two is required, not both.
    assert!(
        !ally(&["intake", "default", "--data-dir", &data_dir])
            .status
            .success()
    );
}
