//! End-to-end test of the labour module (issue 6) in a real browser on the demo data set, in a
//! phone-sized window.
//!
//! Scenario: the demo union representative plans a joint inspection of the demo construction
//! site with the demo police liaison unit and labour inspectorate, records a finding, checks a
//! worker's payslip (paid below the minimum wage: the check flags underpayment with its
//! arithmetic), and opens a labour-court case from the check, whose claim carries the amount.
//! Then the police liaison signs in and sees the inspection, as a partner, with the finding, and
//! marks the follow-up action assigned to the police done.
//!
//! Needs `chromedriver` and Chromium; skipped loudly without them unless
//! `ALLY_REQUIRE_BROWSER=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser_common;

use browser_common::{Browser, TestResult};

const FINDING: &str = "Browsertest: twelve workers housed in containers on site";
const LEGAL_BASIS: &str = "Browsertest legal basis L8271-1";

/// Sets a form control's value with script (date inputs take keyboard input in the browser's
/// locale format), and checks it held.
async fn set(b: &Browser, id: &str, value: &str) -> TestResult {
    let v = b
        .js(&format!(
            "var e = document.getElementById('{id}'); e.value = '{value}'; return e.value;"
        ))
        .await?;
    check!(
        v.as_str() == Some(value),
        "#{id} holds {v:?}, expected {value:?}"
    );
    Ok(())
}

/// Picks the option of a select whose text contains `label`.
async fn pick(b: &Browser, id: &str, label: &str) -> TestResult {
    let v = b
        .js(&format!(
            "var s = document.getElementById('{id}'); for (var i = 0; i < s.options.length; i++) \
             {{ if (s.options[i].text.indexOf('{label}') >= 0) {{ s.selectedIndex = i; return s.value; }} }} return '';"
        ))
        .await?;
    check!(
        v.as_str().is_some_and(|s| !s.is_empty()),
        "no option containing {label:?} in #{id}"
    );
    Ok(())
}

async fn scenario(b: &Browser) -> TestResult {
    b.sign_in("rep@union.demo", "Radu Representative").await?;
    // The nav leads to the inspections; the demo inspection is listed.
    b.click("nav.main-nav a[href='/inspections']").await?;
    b.wait_for_path(|p| p == "/inspections", "the inspections page")
        .await?;
    b.wait_for("#inspection-list").await?;
    b.assert_fits_phone("inspections").await?;

    // Plan a joint inspection with the police liaison and the labour inspectorate.
    b.click("#new-inspection").await?;
    b.wait_for("#inspection-form").await?;
    pick(b, "workplace_id", "Tilleuls").await?;
    set(b, "date", "2026-12-17").await?;
    b.fill("legal_basis", LEGAL_BASIS).await?;
    b.fill("languages", "ro, bg").await?;
    b.click("#interpreters_needed").await?;
    pick(b, "partner1", "Police Liaison Unit").await?;
    pick(b, "partner1_kind", "Police").await?;
    b.fill("partner1_members", "Luc Liaison").await?;
    pick(b, "partner2", "Labour Inspectorate").await?;
    pick(b, "partner2_kind", "Labour inspectorate").await?;
    b.screenshot("labour-plan.png").await?;
    b.click("#plan-submit").await?;
    let inspection = b
        .wait_for_path(
            |p| p.starts_with("/inspections/") && !p.ends_with("/new"),
            "the new inspection",
        )
        .await?;
    let partners = b.text("#partners").await?;
    check!(
        partners.contains("Police Liaison Unit") && partners.contains("Labour Inspectorate"),
        "partners shown: {partners:?}"
    );
    b.assert_fits_phone("inspection").await?;

    // Record a finding.
    b.fill("finding-text", FINDING).await?;
    b.click("#finding-submit").await?;
    b.wait_for("#findings li").await?;
    let findings = b.text("#findings").await?;
    check!(findings.contains(FINDING), "findings: {findings:?}");

    // A follow-up action for the police.
    pick(b, "assigned_org", "Police Liaison Unit").await?;
    b.fill("action-text", "Browsertest: hear the site manager")
        .await?;
    b.click("#action-form button[type='submit']").await?;
    b.wait_for("#actions li").await?;

    // A payslip check that flags underpayment.
    b.click("#check-link").await?;
    b.wait_for("#check-form").await?;
    b.fill("worker_label", "Worker met at the gate").await?;
    pick(b, "rule_set", "France").await?;
    set(b, "start_date", "2025-01-06").await?;
    b.fill("hourly_wage", "10.00").await?;
    b.fill("weekly_hours", "35").await?;
    set(b, "period_start", "2025-03-01").await?;
    set(b, "period_end", "2025-03-31").await?;
    b.fill("hours_paid", "151.67").await?;
    b.fill("gross", "1516.70").await?;
    b.fill("net_paid", "1516.70").await?;
    let invalid = b
        .js("return Array.from(document.querySelectorAll('#check-form :invalid')).map(function (e) { return e.id + '=' + e.value; });")
        .await?;
    check!(
        invalid.as_array().is_some_and(|a| a.is_empty()),
        "invalid fields in the check form: {invalid}"
    );
    b.click("#check-submit").await?;
    b.wait_for("#check-findings").await?;
    let found = b.text("#check-findings").await?;
    check!(
        found.contains("Underpayment") && found.contains("151.67"),
        "the check should flag underpayment with its arithmetic: {found:?}"
    );
    let totals = b.text("#totals").await?;
    check!(totals.contains("EUR"), "amounts owed: {totals:?}");
    b.screenshot("labour-check.png").await?;
    b.assert_fits_phone("document check").await?;

    // Open a labour-court case from it.
    b.click("#open-labour-case").await?;
    b.wait_for("#case-form").await?;
    let claims = b.text("#check-claims").await?;
    check!(
        claims.contains("Underpayment"),
        "claims to come: {claims:?}"
    );
    b.fill("title", "Browsertest underpayment claim").await?;
    b.fill("claimant_name", "Worker met at the gate").await?;
    b.click("#claimant_consent").await?;
    pick(b, "employer1", "Horizon").await?;
    pick(b, "employer2", "Betonex").await?;
    b.click("#case-submit").await?;
    b.wait_for_path(
        |p| p.starts_with("/labour-cases/") && !p.ends_with("/new"),
        "the new case",
    )
    .await?;
    let claims = b.text("#claims").await?;
    check!(claims.contains("underpayment"), "case claims: {claims:?}");
    let total = b.text("#claimed-total").await?;
    check!(
        total != "0.00" && !total.is_empty(),
        "claimed total is {total:?}"
    );
    let liable = b.text("#liable").await?;
    check!(
        liable.contains("Horizon") && liable.contains("Betonex"),
        "liable employers: {liable:?}"
    );
    b.screenshot("labour-case.png").await?;
    b.assert_fits_phone("labour case").await?;
    b.click("#summary-link").await?;
    b.wait_for("article.printable").await?;

    // The police liaison sees the inspection as a partner, with the finding.
    b.click("form[action='/sign-out'] button").await?;
    b.wait_for("#email").await?;
    b.sign_in("liaison@police.demo", "Luc Liaison").await?;
    b.goto(&inspection).await?;
    b.wait_for("#partner-note").await?;
    let findings = b.text("#findings").await?;
    check!(
        findings.contains(FINDING),
        "the partner sees findings {findings:?}"
    );
    check!(
        b.js("return document.getElementById('finding-form') === null;")
            .await?
            .as_bool()
            == Some(true),
        "a partner must not get the recording forms"
    );
    // The police marks its own follow-up action done.
    b.click("#done-1").await?;
    b.wait_for("#actions .tag").await?;
    let actions = b.text("#actions").await?;
    check!(
        actions.contains("done"),
        "the action should be done: {actions:?}"
    );
    b.screenshot("labour-partner.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_labour() {
    let Some(h) = browser_common::start("labour").await else {
        return;
    };
    let result = scenario(&h.b).await;
    h.finish(result).await;
}

/// The labour demo records (employers, site, workers, findings, claimant) never appear in clear
/// in the database file or its write-ahead log. Runs without a browser.
#[tokio::test]
async fn demo_labour_records_are_sealed_at_rest() {
    let db = ally_store::testing::sqlite();
    let store = ally_store::Store::open(
        &db.url,
        ally_store::MasterKey::from_bytes([3; 32]),
        ally_store::Policy::default(),
    )
    .await
    .unwrap();
    assert!(ally::demo::seed(&store, 0).await.unwrap());
    store.close().await;
    let path = db.sqlite_path().unwrap();
    let mut files = 0;
    for suffix in ["", "-wal"] {
        let p = format!("{}{suffix}", path.display());
        let Ok(bytes) = std::fs::read(&p) else {
            continue;
        };
        files += 1;
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "Demoworker",
            "Fictivov",
            "Betonex",
            "Tilleuls",
            "Horizon Bâtiment",
            "InterimPlus",
            "Passports kept",
            "rue Imaginaire",
        ] {
            assert!(!text.contains(secret), "{p} holds {secret:?} in clear");
        }
    }
    assert!(files >= 1);
    db.cleanup().await;
}
