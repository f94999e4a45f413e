//! End-to-end test of the foundation in a real browser: headless Chromium driven through
//! ChromeDriver (WebDriver) against the real server started in-process on the demo data set,
//! in a phone-sized window.
//!
//! Scenario: a caseworker signs in with password and one-time code, switches the interface to
//! Arabic (right-to-left) and back, registers a person, finds the person by search and opens
//! the record, signs out; the auditor signs in and sees the creation and the reads of that
//! record in the audit log. Along the way: the quick-exit link, and that no page loads anything
//! from another origin. Screenshots land in `target/screenshots/` for review.
//!
//! Needs `chromedriver` on PATH and Chromium (or Chrome). Without them the test is skipped
//! with a loud message, unless `ALLY_REQUIRE_BROWSER=1` (as in CI), which makes it fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser_common;

use serde_json::json;

use browser_common::{Browser, TestResult};
use fantoccini::Locator;

/// A marker that appears in no demo record, so that a search for it finds only our person.
const MARKER: &str = "Browsertest";
const FAMILY: &str = "Nakamura-Lindqvist";
const PHONE: &str = "+40 712 345 678";

// ----- the scenario -----

async fn scenario(b: &Browser) -> TestResult {
    // f. The sign-in page: quick exit to a neutral external site; nothing from elsewhere.
    b.goto("/").await?;
    b.wait_for("#email").await?;
    b.wait_for_path(|p| p == "/sign-in", "the redirect to the sign-in page")
        .await?;
    let exit = b.wait_for("#quick-exit").await?;
    let href = exit.attr("href").await?.unwrap_or_default();
    check!(
        href.starts_with("https://") && !href.starts_with(&b.origin),
        "quick exit points to {href:?}, expected an external https site"
    );
    check!(
        href == "https://www.wikipedia.org/",
        "quick exit points to {href:?}, expected the neutral https://www.wikipedia.org/"
    );
    let rel = exit.attr("rel").await?.unwrap_or_default();
    check!(
        rel.contains("noreferrer"),
        "quick exit must not send a referrer (rel={rel:?})"
    );
    check!(exit.is_displayed().await?, "quick exit is not visible");
    let exit_text = exit.text().await?;
    check!(exit_text == "Quick exit", "quick exit reads {exit_text:?}");
    let n = b.assert_same_origin_resources("sign-in").await?;
    check!(
        n >= 2,
        "the sign-in page should load its stylesheet and script, saw {n} resources"
    );
    b.screenshot("sign-in.png").await?;
    let width = b.js("return window.innerWidth;").await?;
    check!(
        width == json!(412),
        "the window should be phone-sized (412 pixels wide), is {width}"
    );
    b.assert_fits_phone("sign-in").await?;

    // a. The caseworker signs in: password, one-time code, dashboard.
    b.sign_in("caseworker@ngo.demo", "Karim Caseworker").await?;
    b.assert_same_origin_resources("dashboard").await?;
    b.assert_fits_phone("dashboard").await?;
    b.screenshot("dashboard.png").await?;

    // b. Arabic: right to left; then back to English.
    b.switch_language("ar").await?;
    b.goto("/dashboard").await?;
    b.wait_for("ul.cards").await?;
    let (lang, dir) = b.lang_dir().await?;
    check!(
        lang == "ar" && dir == "rtl",
        "after choosing Arabic the dashboard has lang={lang:?} dir={dir:?}"
    );
    let h1 = b.text("main h1").await?;
    check!(h1 == "الرئيسية", "Arabic dashboard heading is {h1:?}");
    let greeting = b.text("main h1 + p").await?;
    check!(
        greeting.contains("مرحب") && greeting.contains("Karim Caseworker"),
        "Arabic greeting is {greeting:?}"
    );
    b.assert_fits_phone("Arabic dashboard").await?;
    b.screenshot("arabic-dashboard.png").await?;
    b.switch_language("en").await?;
    let (lang, dir) = b.lang_dir().await?;
    check!(
        lang == "en" && dir == "ltr",
        "after choosing English the page has lang={lang:?} dir={dir:?}"
    );
    b.goto("/dashboard").await?;
    let h1 = b.text("main h1").await?;
    check!(h1 == "Home", "dashboard heading back in English is {h1:?}");

    // c. Register a person.
    b.click("ul.cards a[href='/persons/new']").await?;
    b.wait_for("#given_names").await?;
    let h1 = b.text("main h1").await?;
    check!(
        h1 == "Register a person",
        "new-person page heading is {h1:?}"
    );
    b.fill("given_names", MARKER).await?;
    b.fill("family_names", FAMILY).await?;
    b.fill("phones", PHONE).await?;
    b.click("form.person-form button[type='submit']").await?;
    b.wait_for("dl.fields").await?;
    let path = b
        .wait_for_path(
            |p| p.starts_with("/persons/") && p != "/persons/new",
            "the new person's page",
        )
        .await?;
    let id = path.trim_start_matches("/persons/").to_owned();
    check!(
        !id.is_empty() && !id.contains('/'),
        "unexpected person URL {path}"
    );
    let name = b.text("main h1").await?;
    check!(
        name == format!("{MARKER} {FAMILY}"),
        "person page heading is {name:?}"
    );
    let fields = b.text("dl.fields").await?;
    check!(
        fields.contains(MARKER) && fields.contains(FAMILY),
        "person fields do not show the names: {fields:?}"
    );
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    check!(
        digits(&fields).contains(&digits(PHONE)),
        "person fields do not show the phone {PHONE}: {fields:?}"
    );
    b.assert_same_origin_resources("person").await?;
    b.assert_fits_phone("person").await?;
    b.screenshot("person.png").await?;

    // d. Find the person by searching the list, open the record.
    b.click("nav.main-nav a[href='/persons']").await?;
    b.fill("q", MARKER).await?;
    b.click("form.search button[type='submit']").await?;
    b.wait_for_path(|p| p.starts_with("/persons?"), "the search results")
        .await?;
    let list = b.wait_for("#person-list").await?;
    let items = list.find_all(Locator::Css("li")).await?;
    check!(
        items.len() == 1,
        "a search for {MARKER} should find exactly our person, found {} item(s): {:?}",
        items.len(),
        list.text().await?
    );
    let item = items[0].text().await?;
    check!(
        item.contains(&format!("{MARKER} {FAMILY}")),
        "search result reads {item:?}"
    );
    b.assert_fits_phone("search results").await?;
    b.screenshot("search.png").await?;
    b.click(&format!("#person-list a[href='/persons/{id}']"))
        .await?;
    b.wait_for_path(|p| p == format!("/persons/{id}"), "the opened record")
        .await?;
    b.wait_for("dl.fields").await?;
    let name = b.text("main h1").await?;
    check!(
        name == format!("{MARKER} {FAMILY}"),
        "opened record heading is {name:?}"
    );

    // e. Sign out; the auditor signs in and reads the record's history.
    b.click("nav.main-nav form[action='/sign-out'] button[type='submit']")
        .await?;
    b.wait_for("#email").await?;
    b.wait_for_path(|p| p == "/sign-in", "the sign-in page after signing out")
        .await?;
    b.goto("/dashboard").await?;
    b.wait_for("#email").await?;
    b.wait_for_path(
        |p| p == "/sign-in",
        "the sign-in page (the old session must be gone)",
    )
    .await?;

    b.sign_in("auditor@ngo.demo", "Aurelio Auditor").await?;
    b.click("ul.cards a[href='/audit']").await?;
    b.wait_for("#audit-table").await?;
    let h1 = b.text("main h1").await?;
    check!(h1 == "Audit log", "audit page heading is {h1:?}");
    b.fill("f-record", &id).await?;
    b.click("form.filters button[type='submit']").await?;
    b.wait_for_path(|p| p.contains("record="), "the filtered audit log")
        .await?;
    b.wait_for("#audit-table").await?;
    let rows = b
        .client
        .find_all(Locator::Css("#audit-table tbody tr"))
        .await?;
    let mut seen = Vec::new();
    for row in rows {
        let cells = row.find_all(Locator::Css("td")).await?;
        check!(cells.len() == 7, "an audit row has {} cells", cells.len());
        let actor = cells[2].text().await?;
        let action = cells[3].text().await?;
        let target = cells[4].text().await?;
        check!(
            target.contains(&id),
            "filtered by record {id}, the audit log shows a row for {target:?}"
        );
        seen.push((action, actor));
    }
    let count = |a: &str| seen.iter().filter(|(x, _)| x == a).count();
    check!(
        count("person.create") == 1,
        "expected one person.create for {id}, saw {seen:?}"
    );
    // Opened once after creation, once from the search results.
    check!(
        count("person.read") >= 2,
        "expected two person.read for {id}, saw {seen:?}"
    );
    check!(
        seen.iter()
            .filter(|(a, _)| a.starts_with("person."))
            .all(|(_, who)| who == "Karim Caseworker"),
        "the person events should name the caseworker: {seen:?}"
    );
    b.assert_same_origin_resources("audit").await?;
    b.assert_fits_phone("audit").await?;
    b.screenshot("audit.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_foundation() {
    let Some(h) = browser_common::start("foundation").await else {
        return;
    };
    let result = scenario(&h.b).await;
    h.finish(result).await;
}
