//! End-to-end test of a detection interview in a real browser (headless Chromium via
//! WebDriver), on the demo data set, in a phone-sized window.
//!
//! Scenario: Ines Interviewer signs in, switches the interface to French, sees the demo
//! interviews, starts an adult-labour interview with the questions shown in Arabic (right to
//! left) next to French, records consent, answers one question at a time (going back once to
//! correct an answer), finishes, and sees a presumed victim with its explanation (decisive
//! indicators and the clause they satisfy); then "Open a protected case" leads to
//! `/cases/new?interview=ID` (the protection module's page), opens the case and is sent back to
//! the interview (the role does not read cases); the NGO's caseworker then finds the case, linked
//! to the interview.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser_common;

use ally_core::questionnaire::answer::PRESUMED_VICTIM_ADULT_LABOUR;
use browser_common::{Browser, TestResult};
use fantoccini::Locator;

/// The reference of the case opened from the interview.
const CASE_REFERENCE: &str = "BT-IDENT-CASE";

async fn scenario(b: &Browser) -> TestResult {
    b.sign_in("interviewer@ngo.demo", "Ines Interviewer")
        .await?;
    b.switch_language("fr").await?;

    // The list: the demo interviews, one per outcome.
    b.goto("/interviews").await?;
    b.wait_for("#interview-list").await?;
    let h1 = b.text("main h1").await?;
    check!(h1 == "Entretiens", "the list's heading is {h1:?}");
    let list = b.text("#interview-list").await?;
    for outcome in [
        "Victime présumée",
        "Non identifiée",
        "Indéterminé",
        "Indicateurs seulement",
    ] {
        check!(
            list.contains(outcome),
            "the demo list lacks {outcome:?}: {list}"
        );
    }
    b.assert_fits_phone("interview list").await?;

    // Start: adult labour, the person's language Arabic.
    b.goto("/interviews/new?questionnaire=adult_labour").await?;
    b.wait_for("#interviewee_lang")
        .await?
        .select_by_value("ar")
        .await?;
    let checked = b
        .js("return document.querySelector('#questionnaire-adult_labour').checked;")
        .await?;
    check!(
        checked == serde_json::json!(true),
        "the link's questionnaire is preselected"
    );
    b.click("#start").await?;
    let path = b
        .wait_for_path(|p| p.ends_with("/consent"), "the consent step")
        .await?;
    let id = path
        .trim_start_matches("/interviews/")
        .trim_end_matches("/consent")
        .to_owned();
    check!(id.len() == 36, "interview id {id:?}");

    // Consent: both languages, Arabic right to left; the guidance panel.
    b.wait_for("#consent-yes").await?;
    let (lang, dir) = b.lang_dir().await?;
    check!(
        lang == "fr" && dir == "ltr",
        "the page is lang={lang} dir={dir}"
    );
    let ar = b.wait_for(".bi-other[lang='ar'][dir='rtl']").await?;
    check!(
        !ar.text().await?.is_empty(),
        "the consent text is shown in Arabic"
    );
    let guidance = b.text(".guidance").await?;
    check!(
        guidance.contains("Moyen de contact sûr"),
        "the guidance panel names the safe contact channel: {guidance}"
    );
    b.assert_fits_phone("consent").await?;
    b.screenshot("identification-consent.png").await?;
    b.click("#consent-yes").await?;

    // The questions, one at a time.
    for (i, (q, v)) in PRESUMED_VICTIM_ADULT_LABOUR.iter().enumerate() {
        b.wait_for(&format!("fieldset[data-question='{q}']"))
            .await?;
        if i == 0 {
            let label = b.wait_for("#question-label .bi-other").await?;
            check!(
                label.attr("lang").await?.as_deref() == Some("ar")
                    && label.attr("dir").await?.as_deref() == Some("rtl"),
                "the question is shown in Arabic, right to left"
            );
            let flag = b.text("#question-label .unreviewed").await?;
            check!(
                flag.contains("traduction automatique"),
                "the unreviewed translation is flagged: {flag:?}"
            );
            let progress = b.text("#progress").await?;
            check!(progress.contains("1 /"), "progress reads {progress:?}");
            b.assert_fits_phone("question").await?;
            b.screenshot("identification-question.png").await?;
        }
        b.click(&format!("#choice-{v}")).await?;
        b.click("#next").await?;
        if i == 2 {
            // Back and correct: the previous question comes back with its answer.
            b.wait_for(&format!(
                "fieldset[data-question='{}']",
                PRESUMED_VICTIM_ADULT_LABOUR[3].0
            ))
            .await?;
            b.click("#back").await?;
            b.wait_for(&format!("fieldset[data-question='{q}']"))
                .await?;
            let kept = b
                .js(&format!(
                    "return document.querySelector('#choice-{v}').checked;"
                ))
                .await?;
            check!(
                kept == serde_json::json!(true),
                "the earlier answer is kept"
            );
            b.click("#choice-unsure").await?;
            b.click("#next").await?;
            b.wait_for(&format!(
                "fieldset[data-question='{}']",
                PRESUMED_VICTIM_ADULT_LABOUR[3].0
            ))
            .await?;
            b.click("#back").await?;
            b.wait_for(&format!(
                "fieldset[data-question='{q}'] #choice-unsure:checked"
            ))
            .await?;
            b.click(&format!("#choice-{v}")).await?;
            b.click("#next").await?;
        }
    }

    // Finish: the result, with its explanation.
    b.click("#finish").await?;
    b.wait_for_path(
        |p| p == format!("/interviews/{id}/result"),
        "the result page",
    )
    .await?;
    let set = b.wait_for("[data-outcome='outcome-presumed']").await?;
    let text = set.text().await?;
    check!(
        text.contains("Victime présumée"),
        "the adult labour set reads {text:?}"
    );
    let decisive = b
        .text("[data-outcome='outcome-presumed'] .decisive")
        .await?;
    check!(
        decisive.contains("au moins") && !decisive.contains("at least"),
        "decisive indicators name the clause they satisfy, in French: {decisive:?}"
    );
    check!(
        decisive.contains("Trompé(e)")
            && decisive.contains("traduction automatique")
            && !decisive.contains("Misled"),
        "decisive indicators are labelled in French, flagged as machine translations: {decisive:?}"
    );
    let explanation = b
        .text("[data-outcome='outcome-presumed'] .explanation")
        .await?;
    check!(
        explanation.contains("Victime présumée selon la")
            && explanation.contains("règle pour les adultes"),
        "the explanation is shown in French: {explanation:?}"
    );
    let consent = b.text("#consent-recorded").await?;
    check!(
        consent.contains("Consentement"),
        "consent is recorded: {consent:?}"
    );
    b.assert_fits_phone("result").await?;
    b.screenshot("identification-result.png").await?;

    // The contract with the protection module: an interviewer may open a case (not refer:
    // that is a caseworker's act, so the refer button is not offered to this role).
    check!(
        b.client.find(Locator::Css("#refer")).await.is_err(),
        "the refer button is offered to a role that cannot refer"
    );
    let open = b.wait_for("#open-case").await?;
    let href = open.attr("href").await?.unwrap_or_default();
    check!(
        href == format!("/cases/new?interview={id}"),
        "open a protected case links to {href:?}"
    );
    open.click().await?;
    b.wait_for_path(
        |p| p == format!("/cases/new?interview={id}"),
        "the case form of the protection module",
    )
    .await?;
    b.fill("reference", CASE_REFERENCE).await?;
    b.click("#create-case").await?;
    // The interviewer cannot read cases: back to the interview, with a notice.
    b.wait_for("#case-opened").await?;
    b.wait_for_path(
        |p| p.starts_with(&format!("/interviews/{id}/result")),
        "the interview after opening the case",
    )
    .await?;
    b.screenshot("identification-case-opened.png").await?;

    // The caseworker finds the case, linked to the interview.
    b.switch_language("en").await?;
    b.click("nav.main-nav form[action='/sign-out'] button[type='submit']")
        .await?;
    b.wait_for("#email").await?;
    b.sign_in("caseworker@ngo.demo", "Karim Caseworker").await?;
    b.goto("/cases").await?;
    b.wait_for("#case-list").await?;
    let case_href = b
        .js(&format!(
            "var a = Array.prototype.find.call(document.querySelectorAll('#case-list a'), \
             function (x) {{ return x.innerText.indexOf({CASE_REFERENCE:?}) >= 0; }}); \
             return a ? a.getAttribute('href') : null;"
        ))
        .await?;
    let case_href = case_href
        .as_str()
        .ok_or("the new case is not in the caseworker's list")?
        .to_owned();
    b.goto(&case_href).await?;
    b.wait_for("#case-state").await?;
    let link = b
        .wait_for(&format!("main a[href='/interviews/{id}']"))
        .await;
    check!(
        link.is_ok(),
        "the case opened from the interview does not link to it"
    );
    b.screenshot("identification-case.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interviewer_conducts_an_interview_in_french_with_the_person_in_arabic() {
    let Some(h) = browser_common::start("identification").await else {
        return;
    };
    let result = scenario(&h.b).await;
    h.finish(result).await;
}
