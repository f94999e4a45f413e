//! End-to-end test of the protection module in a real browser (headless Chromium, phone-sized,
//! the real server on the demo data set).
//!
//! Scenario: caseworker@ngo.demo opens a case from `/cases/new` (the interview step before it is
//! the identification module's, chained by the lead); a referral without consent is refused
//! with a clear message; consent to share with the demo shelter is recorded; the case is
//! referred with two field groups; caseworker@shelter.demo (Sofia Shelter) accepts it and sees
//! only the shared fields; back at the NGO a service is recorded and then marked delivered with
//! its outcome, a court date added, the case closed; the referral is revoked and the shelter
//! then gets "not found".
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser_common;

use browser_common::{Browser, TestResult};
use fantoccini::Locator;

const REFERENCE: &str = "BT-Case Quillfeather";
const NEEDS: &str = "BT-needs: a safe bed tonight";
const HEALTH: &str = "BT-health: private medical note";

async fn sign_out(b: &Browser) -> TestResult {
    b.click("nav.main-nav form[action='/sign-out'] button[type='submit']")
        .await?;
    b.wait_for("#email").await?;
    Ok(())
}

/// Checks the checkbox (or selects the option) whose label text contains `text`, inside `scope`.
async fn pick(b: &Browser, scope: &str, text: &str) -> TestResult {
    let done = b
        .js(&format!(
            "var s = document.querySelector({scope:?}); if (!s) return false;\
             var hit = false;\
             s.querySelectorAll('label').forEach(function (l) {{ if (!hit && l.innerText.indexOf({text:?}) >= 0) {{ var i = l.querySelector('input'); if (i) {{ i.checked = true; hit = true; }} }} }});\
             if (!hit) s.querySelectorAll('option').forEach(function (o) {{ if (!hit && o.text.indexOf({text:?}) >= 0) {{ o.parentElement.value = o.value; hit = true; }} }});\
             return hit;"
        ))
        .await?;
    check!(
        done == serde_json::json!(true),
        "no {text:?} to pick in {scope}"
    );
    Ok(())
}

/// Waits for the next one-time-code period: a user signing in again within the same period
/// would replay the code, which the server refuses (by design).
async fn next_code_period() -> TestResult {
    let totp = totp_rs::Builder::new()
        .with_secret(ally::demo::DEMO_TOTP_SECRET.to_vec())
        .build()?;
    tokio::time::sleep(std::time::Duration::from_secs(totp.ttl() + 1)).await;
    Ok(())
}

async fn body_text(b: &Browser) -> TestResult<String> {
    b.text("main").await
}

async fn scenario(b: &Browser) -> TestResult {
    // 1. The NGO caseworker opens a case.
    b.sign_in("caseworker@ngo.demo", "Karim Caseworker").await?;
    b.goto("/cases").await?;
    b.wait_for("#case-list").await?;
    let list = body_text(b).await?;
    check!(
        list.contains("DEMO-02"),
        "the demo cases are listed: {list}"
    );
    b.click("#new-case").await?;
    b.wait_for("#reference").await?;
    b.fill("reference", REFERENCE).await?;
    b.fill("summary", "BT-summary: recruited online for hotel work")
        .await?;
    b.click("#create-case").await?;
    b.wait_for("#case-state").await?;
    let path = b
        .wait_for_path(|p| p.starts_with("/cases/") && p.len() > 20, "the new case")
        .await?;
    let case_id = path.trim_start_matches("/cases/").to_owned();
    let state = b.text("#case-state").await?;
    check!(
        state.contains("Identified"),
        "a new case is identified, shows {state:?}"
    );
    b.screenshot("protection-case-new.png").await?;
    b.assert_fits_phone("case").await?;

    // Needs and health, through the edit page.
    b.click("#edit-case").await?;
    b.wait_for("#needs").await?;
    b.fill("needs", NEEDS).await?;
    b.fill("health", HEALTH).await?;
    b.fill("code_word", "BT-codeword-kestrel").await?;
    b.click("form[action$='/details'] button[type='submit']")
        .await?;
    b.wait_for("#safety-plan").await?;

    // 2. Negative path: no consent, the referral is refused with a clear message.
    b.click("#refer-case").await?;
    b.wait_for("#send-referral").await?;
    b.wait_for("#no-consent-note").await?;
    pick(b, "#to_org", "Safe Harbour").await?;
    b.click("#field-needs").await?;
    b.click("#send-referral").await?;
    b.wait_for("#form-error").await?;
    let err = b.text("#form-error").await?;
    check!(
        err.contains("referral refused") && err.contains("no consent"),
        "the refusal says why: {err:?}"
    );
    b.screenshot("protection-referral-refused.png").await?;

    // 3. Consent to share needs and the case summary with the shelter.
    b.goto(&format!("/cases/{case_id}")).await?;
    b.click("#consent-details summary").await?;
    b.wait_for("#consent-form #purpose")
        .await?
        .select_by_value("referral")
        .await?;
    pick(b, "#consent-form", "Safe Harbour").await?;
    b.click("#scope-needs").await?;
    b.click("#scope-case_summary").await?;
    b.fill("language", "ro").await?;
    b.click("#decision-given").await?;
    b.click("#record-consent").await?;
    b.wait_for("tr.consent").await?;
    let consents = b.text("#consents").await?;
    check!(
        consents.contains("Safe Harbour") && consents.contains("Given"),
        "the consent is listed: {consents:?}"
    );

    // 4. The referral with the needs and the case summary only.
    b.click("#refer-case").await?;
    b.wait_for("#send-referral").await?;
    pick(b, "#to_org", "Safe Harbour").await?;
    b.click("#field-needs").await?;
    b.click("#field-case_summary").await?;
    b.click("#send-referral").await?;
    b.wait_for("#referrals tr.referral").await?;
    let status = b.text("#referrals tr.referral .status").await?;
    check!(status.contains("Sent"), "the referral is sent: {status:?}");
    sign_out(b).await?;

    // 5. The shelter's caseworker accepts and sees only the shared fields.
    b.sign_in("caseworker@shelter.demo", "Sofia Shelter")
        .await?;
    b.goto("/referrals").await?;
    let row = format!("tr.referral:has(a[href='/cases/{case_id}'])");
    b.click(&format!("{row} button.accept")).await?;
    b.wait_for("#shared-note").await?;
    let shared = body_text(b).await?;
    check!(shared.contains(NEEDS), "the shared needs are visible");
    check!(
        shared.contains("BT-summary"),
        "the shared summary is visible"
    );
    check!(
        !shared.contains(HEALTH),
        "health was not shared but is shown"
    );
    check!(
        !shared.contains(REFERENCE),
        "identity was not shared but the reference is shown"
    );
    check!(
        !shared.contains("kestrel"),
        "contact and safety plan were not shared but are shown"
    );
    check!(
        shared.contains("Accepted"),
        "the history shows the acceptance"
    );
    b.screenshot("protection-shared-view.png").await?;
    b.assert_fits_phone("shared case").await?;
    sign_out(b).await?;

    // 6. Back at the NGO: a service, a court date, closure.
    next_code_period().await?;
    b.sign_in("caseworker@ngo.demo", "Karim Caseworker").await?;
    b.goto(&format!("/cases/{case_id}")).await?;
    b.click("#services summary").await?;
    b.wait_for("#kind")
        .await?
        .select_by_value("safe_accommodation")
        .await?;
    pick(b, "#provider_org", "Safe Harbour").await?;
    b.wait_for("#svc-status")
        .await?
        .select_by_value("in_progress")
        .await?;
    b.click("#add-service").await?;
    b.wait_for("#services table").await?;
    let services = b.text("#services").await?;
    check!(
        services.contains("Safe accommodation") && services.contains("Safe Harbour"),
        "the service is listed: {services:?}"
    );
    // The service is delivered: its row's update form changes the status, with an outcome.
    b.click("#services tr.service details summary").await?;
    b.wait_for("#services tr.service select[name='status']")
        .await?
        .select_by_value("delivered")
        .await?;
    b.js("document.querySelector('#services tr.service textarea[name=\"outcome\"]').value = 'BT-outcome: placed for three months'; return true;")
        .await?;
    b.click("#services tr.service button.service-save").await?;
    b.wait_for_text(
        "#services tr.service .status",
        |t| t.contains("delivered"),
        "the delivered status",
    )
    .await?;
    let services = b.text("#services").await?;
    check!(
        services.contains("BT-outcome: placed for three months"),
        "the outcome is shown: {services:?}"
    );

    b.click("#court-date-details summary").await?;
    b.js("document.getElementById('court-on').value = '2030-03-14'; return true;")
        .await?;
    b.click("#accompanied").await?;
    b.fill("court-note", "BT hearing").await?;
    b.click("#add-court-date").await?;
    b.wait_for_text(
        "#court-dates",
        |t| t.contains("2030-03-14"),
        "the court date listed",
    )
    .await?;

    b.fill("reason-close", "BT: moved to the shelter's programme")
        .await?;
    b.click("#transition-close button[type='submit']").await?;
    b.wait_for("#case-state[data-state='closed']").await?;
    b.screenshot("protection-case-closed.png").await?;

    // 7. Revocation: the shelter loses access at once.
    let revoke = format!("#referrals tr.referral:has(a[href='/cases/{case_id}'])");
    b.wait_for(&format!(
        "{revoke} form[action$='/revoke'] input[name='reason']"
    ))
    .await?
    .send_keys("BT: no longer needed")
    .await?;
    b.click(&format!("{revoke} button.revoke")).await?;
    b.wait_for_text(
        "#referrals tr.referral .status",
        |t| t.contains("Revoked"),
        "the referral shown as revoked",
    )
    .await?;
    sign_out(b).await?;

    next_code_period().await?;
    b.sign_in("caseworker@shelter.demo", "Sofia Shelter")
        .await?;
    b.goto(&format!("/cases/{case_id}")).await?;
    b.wait_for("main").await?;
    let h1 = b.text("h1").await?;
    let page = b.client.source().await?;
    check!(
        !page.contains(NEEDS) && !page.contains("BT-summary"),
        "after revocation the shelter still sees shared data ({h1:?})"
    );
    check!(
        b.client.find(Locator::Css("#shared-note")).await.is_err(),
        "after revocation the shelter still gets the shared view"
    );
    b.screenshot("protection-revoked.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_protection() {
    let Some(h) = browser_common::start("protection").await else {
        return;
    };
    let result = scenario(&h.b).await;
    h.finish(result).await;
}
