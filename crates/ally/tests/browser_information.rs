//! End-to-end test of the information module (issue 5) in a real browser on the demo data set.
//!
//! Scenario: a community member, without an account, files an anonymous report in Arabic
//! through `/report`; the NGO's caseworker (Karim Caseworker) triages it into the organisation;
//! the recruiter's phone number, written another way, matches the entity of an earlier demo
//! report; the caseworker confirms the link and exports an operation package for the police
//! liaison; the liaison (Luc Liaison) signs in and sees the package, and nothing else of the
//! NGO's reports. On the way, the caseworker opens the demo's first report: its photo is listed
//! and downloads without its position chunk, and its recruiter's phone carries a level of its
//! own (shared with the shelter by name) while the report stays with the NGO. Last, the shelter's
//! caseworker (Sofia Shelter) finds that phone and the possible victim shared with consent under
//! "Shared with us", without the NGO's reports.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser_common;

use browser_common::{Browser, TestResult};
use fantoccini::Locator;

/// Words of the anonymous report ("I saw workers locked in a farm near the station").
const WHAT: &str = "رأيت عمالًا محتجزين في مزرعة قرب المحطة، والرجل الذي جلبهم يعطي هذا الرقم";
/// The demo recruiter's phone (+40 744 210 387), as a member of the public writes it.
const PHONE: &str = "0744-210-387";

async fn scenario(b: &Browser) -> TestResult {
    // a. Anonymous: the public form, in Arabic, with the quick exit and nothing from elsewhere.
    b.goto("/report").await?;
    b.wait_for("#public-report").await?;
    b.wait_for("#quick-exit").await?;
    b.wait_for("#lang-select")
        .await?
        .select_by_value("ar")
        .await?;
    b.click("footer form.lang-picker button[type='submit']")
        .await?;
    b.wait_for("html[lang='ar']").await?;
    let (lang, dir) = b.lang_dir().await?;
    check!(
        lang == "ar" && dir == "rtl",
        "public form has lang={lang:?} dir={dir:?}"
    );
    b.wait_for_path(|p| p == "/report", "the public form after choosing Arabic")
        .await?;
    let h1 = b.text("main h1").await?;
    check!(
        h1 == "الإبلاغ عن اتجار بالبشر أو استغلال",
        "the public form's heading in Arabic is {h1:?}"
    );
    check!(
        b.client.find(Locator::Css("p.who")).await.is_err(),
        "nobody is signed in on the public form"
    );
    b.assert_same_origin_resources("public form").await?;
    b.assert_fits_phone("public form").await?;
    b.fill("what", WHAT).await?;
    b.fill("place", "مزرعة قرب محطة القطار").await?;
    b.wait_for("#e0_kind")
        .await?
        .select_by_value("phone")
        .await?;
    b.wait_for("#e0_role")
        .await?
        .select_by_value("recruiter")
        .await?;
    b.fill("e0_value", PHONE).await?;
    b.wait_for("#exploitation")
        .await?
        .select_by_value("labour")
        .await?;
    b.screenshot("information-public-form.png").await?;
    b.click("#public-report button[type='submit']").await?;
    b.wait_for("#report-sent").await?;
    let sent = b.text("#report-sent").await?;
    check!(
        sent.contains("شكرًا"),
        "the confirmation reads {sent:?}, expected Arabic thanks"
    );
    b.screenshot("information-public-sent.png").await?;
    // Back to English in the public picker (the sign-in page follows this choice).
    b.wait_for("#lang-select")
        .await?
        .select_by_value("en")
        .await?;
    b.click("footer form.lang-picker button[type='submit']")
        .await?;
    b.wait_for("html[lang='en']").await?;

    // b. The caseworker triages it (the interface back in English for the checks).
    b.sign_in("caseworker@ngo.demo", "Karim Caseworker").await?;
    b.goto("/reports").await?;
    b.click("#triage-link").await?;
    b.wait_for_path(|p| p == "/reports/triage", "the triage queue")
        .await?;
    let list = b.wait_for("#triage-list").await?;
    let items = list.find_all(Locator::Css("li")).await?;
    check!(
        items.len() == 1,
        "one public report waits for triage, found {}",
        items.len()
    );
    b.click("#triage-list a").await?;
    b.wait_for("#triage-form").await?;
    let what = b.text("#report-what").await?;
    check!(what == WHAT, "the triaged report reads {what:?}");
    let report_path = b
        .wait_for_path(|p| p.starts_with("/reports/"), "the report")
        .await?;
    b.screenshot("information-triage.png").await?;
    b.click("#accept").await?;
    b.wait_for_path(|p| p == report_path, "the accepted report")
        .await?;
    b.wait_for("#links").await?;

    // c. The phone matches the earlier report's recruiter: the suggested link, explained.
    let link = b.wait_for("ul.links li").await?;
    let text = link.text().await?;
    check!(
        text.contains("+40 744 210 387") && text.contains("same number or identifier"),
        "the suggested link reads {text:?}"
    );
    check!(
        text.contains("suggested"),
        "the link is suggested first: {text:?}"
    );
    let contributions = b.text("ul.links table.contributions").await?;
    check!(
        contributions.contains("phone number"),
        "the explanation names the phone field: {contributions:?}"
    );
    b.screenshot("information-link.png").await?;
    b.click("ul.links button.confirm-link").await?;
    // Decided links lose their buttons (class link-false): wait for the new page.
    b.wait_for("ul.links li.link-false").await?;
    b.wait_for_path(|p| p == report_path, "the report after confirming")
        .await?;
    let status = b.text("ul.links .link-status").await?;
    check!(status == "confirmed", "the link is now {status:?}");
    // The earlier entity's page lists both reports and the confirmed link.
    b.click("ul.links a.other-entity").await?;
    b.wait_for("svg.network").await?;
    let reports = b
        .client
        .find_all(Locator::Css("#entity-reports li"))
        .await?;
    check!(
        reports.len() == 1,
        "the earlier phone entity appears in {} report(s)",
        reports.len()
    );
    b.assert_fits_phone("entity").await?;
    b.screenshot("information-entity.png").await?;
    // The map (no tiles): the demo report with coordinates is plotted.
    b.goto("/reports/map").await?;
    b.wait_for("svg.map circle").await?;
    let places = b.text("#map-list").await?;
    check!(
        places.contains("Suceava"),
        "the map lists the demo report's place: {places:?}"
    );
    b.assert_same_origin_resources("map").await?;
    b.assert_fits_phone("map").await?;
    b.screenshot("information-map.png").await?;

    // The demo's first report: a photo, and an entity with a level of its own.
    demo_report_with_photo(b).await?;
    b.goto(&report_path).await?;

    // d. The operation package for the police liaison.
    b.click("#export-operation").await?;
    b.wait_for("#operation-form").await?;
    b.fill(
        "reason",
        "Planned rescue at the farm; the recruiter is expected on Friday",
    )
    .await?;
    b.click("#export").await?;
    b.wait_for_path(
        |p| p.starts_with("/operations/") && p != "/operations/new",
        "the exported package",
    )
    .await?;
    b.wait_for("#manifest code").await?;
    let manifest = b
        .client
        .find_all(Locator::Css("#manifest tr td code"))
        .await?;
    check!(
        manifest.len() == 2,
        "the manifest lists {} hashes, expected package.json and package.html",
        manifest.len()
    );
    let op_url = b.client.current_url().await?;
    let op = op_url.path().to_owned();
    b.screenshot("information-operation.png").await?;

    // e. The police liaison sees the package and nothing else of the NGO.
    b.click("nav.main-nav form[action='/sign-out'] button[type='submit']")
        .await?;
    b.wait_for("#email").await?;
    b.sign_in("liaison@police.demo", "Luc Liaison").await?;
    b.goto("/operations").await?;
    let ops = b
        .client
        .find_all(Locator::Css("#operation-list li"))
        .await?;
    check!(ops.len() == 1, "the liaison sees {} package(s)", ops.len());
    b.click("#operation-list a").await?;
    b.wait_for("#operation-reports").await?;
    b.wait_for_path(|p| p == op, "the package page").await?;
    let reports = b.text("#operation-reports").await?;
    check!(
        reports.contains(WHAT),
        "the liaison's package shows the report: {reports:?}"
    );
    let entities = b.text("#operation-entities").await?;
    check!(
        entities.contains(PHONE),
        "the package shows the recruiter's phone: {entities:?}"
    );
    check!(
        !reports.contains("Spain") && !entities.contains("Dragan"),
        "the package holds only what was selected"
    );
    let verified = b.text("#verified").await?;
    check!(
        verified.contains("matches the manifest"),
        "the package is verified against its manifest: {verified:?}"
    );
    b.assert_fits_phone("operation package").await?;
    b.screenshot("information-police.png").await?;
    // The NGO's reports themselves stay invisible to the liaison.
    b.goto("/reports").await?;
    b.wait_for("main h1").await?;
    check!(
        b.client.find(Locator::Css("#report-list")).await.is_err(),
        "the liaison sees no NGO report in the list"
    );
    b.goto(&report_path).await?;
    let h1 = b.text("main h1").await?;
    check!(
        h1 != "Report",
        "the liaison opened the NGO's report directly: {}",
        b.where_am_i().await
    );

    // f. The shelter: what the NGO shares with it on its own, under "Shared with us".
    b.goto("/dashboard").await?;
    b.click("nav.main-nav form[action='/sign-out'] button[type='submit']")
        .await?;
    b.wait_for("#email").await?;
    b.sign_in("caseworker@shelter.demo", "Sofia Shelter")
        .await?;
    shared_with_the_shelter(b).await?;
    Ok(())
}

/// The NGO's first demo report (own organisation only): its photo is listed and downloads as
/// a PNG without the GPS text chunk it was sent with; its recruiter's phone is shared with the
/// shelter by name, a level of its own shown beside it and on the entity's page.
async fn demo_report_with_photo(b: &Browser) -> TestResult {
    b.goto("/reports").await?;
    b.wait_for("#report-list").await?;
    let href = b
        .js(
            "var a = Array.from(document.querySelectorAll('#report-list a')).find(function (a) { \
               return a.textContent.indexOf('farm work in Spain') >= 0; }); \
             return a ? a.getAttribute('href') : '';",
        )
        .await?;
    let href = href.as_str().unwrap_or_default().to_owned();
    check!(
        href.starts_with("/reports/"),
        "the demo's first report is in the list: {href:?}"
    );
    b.goto(&href).await?;
    b.wait_for("#attachment-list").await?;
    let level = b.text("#distribution").await?;
    check!(
        level == "Own organisation only",
        "the report stays with the NGO: {level:?}"
    );
    let photos = b
        .client
        .find_all(Locator::Css("#attachment-list li a"))
        .await?;
    check!(
        photos.len() == 1,
        "the report lists {} photo(s)",
        photos.len()
    );
    let photo = photos[0].attr("href").await?.unwrap_or_default();
    let listed = photos[0].text().await?;
    check!(
        photo.starts_with("/attachments/") && listed == "image/png",
        "the photo is listed as {listed:?} at {photo:?}"
    );
    // Downloaded with the session: a PNG that decodes (64 x 40), without its position chunk.
    let got = b
        .client
        .execute_async(
            "var done = arguments[arguments.length - 1];\
             fetch(arguments[0], { credentials: 'same-origin' }).then(function (r) {\
               return r.arrayBuffer().then(function (buf) {\
                 var u = new Uint8Array(buf), s = '';\
                 for (var i = 0; i < u.length; i++) { s += String.fromCharCode(u[i]); }\
                 return createImageBitmap(new Blob([buf], { type: 'image/png' })).then(function (bm) {\
                   done([r.status, r.headers.get('content-type'), r.headers.get('content-disposition') || '',\
                         s.slice(1, 4), s.indexOf('GPS'), s.indexOf('tEXt'), bm.width, bm.height]);\
                 });\
               });\
             }).catch(function (e) { done(['error', String(e)]); });",
            vec![serde_json::Value::String(photo.clone())],
        )
        .await?;
    check!(
        got[0] == 200
            && got[1] == "image/png"
            && got[2]
                .as_str()
                .unwrap_or_default()
                .starts_with("attachment")
            && got[3] == "PNG",
        "the photo downloads as a PNG: {got:?}"
    );
    check!(
        got[4] == -1 && got[5] == -1,
        "the downloaded photo still holds its position chunk: {got:?}"
    );
    check!(
        got[6] == 64 && got[7] == 40,
        "the downloaded photo decodes as 64 x 40: {got:?}"
    );
    // The recruiter's phone: shared with the shelter on its own.
    let rows = b.text("#entity-list").await?;
    let phone_row = b
        .js("var li = Array.from(document.querySelectorAll('#entity-list li')).find(function (li) { \
               return li.textContent.indexOf('744 210 387') >= 0; }); \
             return li ? li.innerText : '';")
        .await?;
    let phone_row = phone_row.as_str().unwrap_or_default().to_owned();
    check!(
        phone_row.contains("Named partner organisations"),
        "the phone's own level is shown beside it: {phone_row:?} (entities: {rows:?})"
    );
    let own_levels = b
        .client
        .find_all(Locator::Css("#entity-list .entity-level"))
        .await?;
    check!(
        own_levels.len() == 1,
        "{} entities show a level of their own, expected the phone only",
        own_levels.len()
    );
    b.assert_fits_phone("report with a photo").await?;
    // The entities (the phone's own level), then the photo, in view.
    b.js("document.getElementById('entity-list').scrollIntoView(); return true;")
        .await?;
    b.screenshot("information-entity-own-level.png").await?;
    b.js("document.getElementById('attachments').scrollIntoView(); return true;")
        .await?;
    b.screenshot("information-attachment.png").await?;
    b.click("#entity-list a[href^='/entities/']").await?;
    b.wait_for("#entity-distribution").await?;
    let h1 = b.text("main h1").await?;
    check!(
        h1 == "+40 744 210 387",
        "the first entity of the report is the phone: {h1:?}"
    );
    let level = b.text("#entity-distribution").await?;
    check!(
        level == "Named partner organisations",
        "the phone's page shows its own level: {level:?}"
    );
    Ok(())
}

/// The shelter's caseworker lists what other organisations share with the shelter: the NGO's
/// recruiter phone and the possible victim (consent on the NGO's case DEMO-02), each shared on
/// its own; the victim's page shows her level and none of the NGO's reports.
async fn shared_with_the_shelter(b: &Browser) -> TestResult {
    b.goto("/reports").await?;
    b.click("#shared-link").await?;
    b.wait_for_path(|p| p == "/entities/shared", "the shared-with-us list")
        .await?;
    let list = b.text("#shared-list").await?;
    check!(
        list.contains("+40 744 210 387") && list.contains(ally::demo::information::VICTIM_NAME),
        "the shelter's shared list: {list:?}"
    );
    check!(
        list.contains("Ensemble Contre la Traite (demo NGO)")
            && list.contains("Named partner organisations"),
        "the list names the sharing organisation and the level: {list:?}"
    );
    b.assert_same_origin_resources("shared list").await?;
    b.assert_fits_phone("shared list").await?;
    b.screenshot("information-shared.png").await?;
    let victim = b
        .js(
            "var a = Array.from(document.querySelectorAll('#shared-list a')).find(function (a) { \
               return a.textContent.indexOf('Dembrova') >= 0; }); \
             return a ? a.getAttribute('href') : '';",
        )
        .await?;
    let victim = victim.as_str().unwrap_or_default().to_owned();
    check!(
        victim.starts_with("/entities/"),
        "the victim's entry links to her page: {victim:?}"
    );
    b.goto(&victim).await?;
    b.wait_for("#entity-distribution").await?;
    let h1 = b.text("main h1").await?;
    check!(
        h1 == ally::demo::information::VICTIM_NAME,
        "the shelter opens the victim's entity: {h1:?}"
    );
    let level = b.text("#entity-distribution").await?;
    check!(
        level == "Named partner organisations",
        "her entity's own level: {level:?}"
    );
    let reports = b
        .client
        .find_all(Locator::Css("#entity-reports li"))
        .await?;
    check!(
        reports.is_empty(),
        "the NGO's report naming her stays with the NGO, the shelter sees {} report(s)",
        reports.len()
    );
    b.screenshot("information-shared-victim.png").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_information() {
    let Some(h) = browser_common::start("information").await else {
        return;
    };
    let result = scenario(&h.b).await;
    h.finish(result).await;
}
