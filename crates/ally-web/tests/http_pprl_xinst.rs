//! HTTP tests of matching with a member that runs its own Ally instance (issue 5, §3), on
//! SQLite and (when configured) PostgreSQL: the kit download (with its warning), uploads by page
//! and API (malformed files refused naming the line, nothing written), the results page and
//! CSV for the external member, and the member side (encoding with a kit by page and API).
//! The authorisation matrix of these routes runs in `http_information.rs`.
#![allow(clippy::unwrap_used)]

mod common;

use ally_core::authz::Role;
use ally_core::information::{EntityInput, ReportInput, ValidReport};
use ally_core::org::OrgKind;
use ally_store::{MasterKey, Policy, PprlKit, Store, pprl_clks_csv, testing};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;

const BOUNDARY: &str = "AllyPprlBoundary1x2y3z";

fn multipart(csrf: &str, name: &str, file: &[u8]) -> (Vec<u8>, String) {
    let mut b = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"f\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    (b, format!("multipart/form-data; boundary={BOUNDARY}"))
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

fn page(f: &Fixture, method: &str, path: &str) -> axum::http::request::Builder {
    let (session, _, _, _) = &f.actors[&Role::Coordinator];
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("ally_session={session}"))
}

fn api(f: &Fixture, method: &str, path: &str) -> axum::http::request::Builder {
    let (_, _, token, _) = &f.actors[&Role::Coordinator];
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
}

#[tokio::test]
async fn an_external_member_uploads_encodings_and_gets_its_own_references_back() {
    for db in testing::all().await {
        let f = fixture(&db).await;
        let csrf = f.actors[&Role::Coordinator].1.clone();
        // "Own" represents a member with its own instance; "Other" is a local member.
        let network = f.add_org("Network", OrgKind::Network).await;
        f.store.add_network_member(network, f.own.id).await.unwrap();
        f.store
            .add_network_member(network, f.other.id)
            .await
            .unwrap();
        let other = coordinator(f.other.id);
        let o = f.store.access(&other, None);
        o.reports()
            .file_report(report("Vasile Popescu"))
            .await
            .unwrap();
        let run = o.pprl().start_pprl_run().await.unwrap();

        // The kit, downloaded from the run page's form.
        let (status, headers, kit) = send(
            &f.app,
            page(&f, "POST", &format!("/pprl/{run}/kit"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form_body(&[("csrf", &csrf)])))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("attachment")
        );
        assert!(kit.contains("\"secret\"") && kit.contains("network's secret"));
        let (status, _, run_page) = send(
            &f.app,
            page(&f, "GET", &format!("/pprl/{run}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(run_page.contains("id=\"pprl-kit-warning\""));
        assert!(run_page.contains("The participation kit holds the network"));

        // The member's own instance encodes with the kit.
        let member_db = testing::sqlite();
        let mem = Store::open(
            &member_db.url,
            MasterKey::from_bytes([3; 32]),
            Policy::default(),
        )
        .await
        .unwrap();
        let b_org = mem
            .create_organisation("Member B", OrgKind::Union, false)
            .await
            .unwrap();
        let b = coordinator(b_org);
        let ba = mem.access(&b, None);
        let b_report = ba
            .reports()
            .file_report(report("POPESCU Vasile"))
            .await
            .unwrap();
        let b_entity = ba.reports().get_report(b_report).await.unwrap().entities[0].id;
        let kit = PprlKit::from_json(kit.as_bytes()).unwrap();
        let csv = pprl_clks_csv(&ba.pprl_members().pprl_contribute(&kit).await.unwrap());
        mem.close().await;
        member_db.cleanup().await;

        // Malformed uploads: 400 (API) / 422 (page) naming the line; nothing written.
        let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
        lines[1] = lines[1].replacen(',', ",*", 1);
        let bad = lines.join("\n") + "\n";
        let (status, _, body) = send(
            &f.app,
            api(&f, "POST", &format!("/api/v1/pprl/runs/{run}/clks"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(bad.clone()))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("line 2: base64"), "{body}");
        let (mp, ct) = multipart(&csrf, "clks", bad.as_bytes());
        let (status, _, body) = send(
            &f.app,
            page(&f, "POST", &format!("/pprl/{run}/upload"))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(mp))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("The encoding is not base64."), "{body}");
        assert!(body.contains("Line"), "{body}");
        let (view, _) = f
            .store
            .access(&coordinator(f.own.id), None)
            .pprl()
            .pprl_results(run)
            .await
            .unwrap();
        assert!(!view.joined, "nothing written");
        // Too large for the route: refused before the handler.
        let (status, _, _) = send(
            &f.app,
            api(&f, "POST", &format!("/api/v1/pprl/runs/{run}/clks"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(vec![b'a'; 7 * 1024 * 1024]))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

        // The upload by the page's form, then the matcher.
        let (mp, ct) = multipart(&csrf, "clks", csv.as_bytes());
        let (status, _, _) = send(
            &f.app,
            page(&f, "POST", &format!("/pprl/{run}/upload"))
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(mp))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (status, _, body) = send(
            &f.app,
            api(&f, "POST", &format!("/api/v1/pprl/runs/{run}/clks"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv.clone()))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["records"],
            1
        );
        assert_eq!(o.pprl().match_pprl_run(run).await.unwrap(), 1);

        // The external member's results: its own record id, whom to contact.
        let (status, _, body) = send(
            &f.app,
            page(&f, "GET", &format!("/pprl/{run}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains(&b_entity.to_string()));
        assert!(body.contains("Record of your own instance"));
        assert!(!body.contains(&format!("/entities/{b_entity}")));
        let (status, headers, body) = send(
            &f.app,
            page(&f, "GET", &format!("/pprl/{run}/results.csv"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines[0], "record_id,other_member,contact,similarity");
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with(&format!("{b_entity},Other,,")));
        assert!(!body.contains("Popescu") && !body.contains("POPESCU"));
        let (status, _, body) = send(
            &f.app,
            api(&f, "GET", &format!("/api/v1/pprl/runs/{run}/results"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v[0]["record_id"], b_entity.to_string());
        assert_eq!(v[0]["local"], false);
        assert_eq!(v[0]["other_member"], "Other");
        // The local member sees its own entity, linked.
        let (_, mine) = o.pprl().pprl_results(run).await.unwrap();
        assert!(mine[0].local);
        assert_eq!(mine[0].other_org, f.own.id);

        // The member side on this instance: a bad kit is refused, a kit gives the file.
        let (status, _, body) = send(
            &f.app,
            page(&f, "GET", "/pprl/contribute")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("id=\"pprl-contribute-form\""));
        let (mp, ct) = multipart(&csrf, "kit", b"{\"format\": \"something else\"}");
        let (status, _, body) = send(
            &f.app,
            page(&f, "POST", "/pprl/contribute")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(mp))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body.contains("This is not a participation kit."));
        let kit_json = kit.to_json().unwrap();
        let (mp, ct) = multipart(&csrf, "kit", kit_json.as_bytes());
        let (status, headers, body) = send(
            &f.app,
            page(&f, "POST", "/pprl/contribute")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(mp))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains(".csv")
        );
        assert!(body.starts_with("record_id,clk\n"));
        let (status, _, _) = send(
            &f.app,
            api(&f, "POST", "/api/v1/pprl/contribute")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // The new API routes are documented.
        let (_, _, doc) = send(
            &f.app,
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        for p in [
            "/api/v1/pprl/runs/{id}/kit",
            "/api/v1/pprl/runs/{id}/clks",
            "/api/v1/pprl/runs/{id}/results",
            "/api/v1/pprl/contribute",
        ] {
            assert!(doc.contains(p), "{p}");
        }
        f.store.close().await;
        db.cleanup().await;
    }
}
