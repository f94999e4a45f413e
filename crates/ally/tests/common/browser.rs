//! Browser-test harness shared by the `browser*.rs` test files: finds Chromium and ChromeDriver
//! (skipping loudly, or failing when `ALLY_REQUIRE_BROWSER=1`), starts the real server on a fresh
//! demo data set, drives a phone-sized headless Chromium, and keeps screenshots in
//! `target/screenshots/`.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::error::Error;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

pub const SCREENSHOTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots");
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Fails the scenario (with a screenshot, see `browser_foundation`) instead of panicking.
#[macro_export]
macro_rules! check {
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err(format!($($fmt)+).into());
        }
    };
}

// ----- finding the browser -----

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn find_chromium() -> Option<PathBuf> {
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_owned());
    }
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|n| on_path(n))
}

/// The ChromeDriver process, killed when dropped (also when the test panics).
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(chromedriver: &Path, log: PathBuf) -> Driver {
    let port = free_port();
    let out = File::create(&log).unwrap();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
    let mut driver = Driver { child, port, log };
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return driver;
        }
        if let Ok(Some(status)) = driver.child.try_wait() {
            panic!(
                "chromedriver exited ({status}) before listening on port {port}:\n{}",
                std::fs::read_to_string(&driver.log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on port {port} within {TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ----- page helpers -----

pub struct Browser {
    pub client: Client,
    pub origin: String,
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.origin)
    }

    pub async fn goto(&self, path: &str) -> TestResult {
        self.client.goto(&self.url(path)).await?;
        Ok(())
    }

    /// Waits (at most [`TIMEOUT`]) until an element matching `css` is in the page.
    pub async fn wait_for(&self, css: &str) -> TestResult<Element> {
        match self
            .client
            .wait()
            .at_most(TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => Ok(el),
            Err(e) => Err(format!("waiting for `{css}`: {e}; {}", self.where_am_i().await).into()),
        }
    }

    /// The current URL, heading and error message, for failure messages.
    pub async fn where_am_i(&self) -> String {
        let v = self
            .client
            .execute(
                "var h = document.querySelector('h1'); var e = document.querySelector('.error');\
                 return [location.href, h ? h.innerText : '', e ? e.innerText : ''];",
                vec![],
            )
            .await
            .unwrap_or_default();
        format!(
            "the browser is at {} showing {:?} {:?}",
            v[0].as_str().unwrap_or("?"),
            v[1].as_str().unwrap_or_default(),
            v[2].as_str().unwrap_or_default()
        )
    }

    /// Waits until the page is at `path` (path and query of the current URL).
    pub async fn wait_for_path(
        &self,
        pred: impl Fn(&str) -> bool,
        what: &str,
    ) -> TestResult<String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let url = self.client.current_url().await?;
            let path = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            if pred(&path) {
                return Ok(path);
            }
            check!(
                Instant::now() < deadline,
                "waited {TIMEOUT:?} for {what}; still at {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn fill(&self, id: &str, value: &str) -> TestResult {
        let el = self.wait_for(&format!("#{id}")).await?;
        el.clear().await?;
        el.send_keys(value).await?;
        let now = el.prop("value").await?.unwrap_or_default();
        check!(
            now == value,
            "field #{id} holds {now:?}, expected {value:?}"
        );
        Ok(())
    }

    pub async fn click(&self, css: &str) -> TestResult {
        let el = self.wait_for(css).await?;
        el.click().await?;
        Ok(())
    }

    /// Waits (at most [`TIMEOUT`]) until the text of the element matching `css` satisfies
    /// `pred` (across page loads: an element of the page being left is simply tried again).
    pub async fn wait_for_text(
        &self,
        css: &str,
        pred: impl Fn(&str) -> bool,
        what: &str,
    ) -> TestResult<String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let found = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.ok(),
                Err(_) => None,
            };
            if let Some(t) = found
                && pred(&t)
            {
                return Ok(t);
            }
            check!(
                Instant::now() < deadline,
                "waited {TIMEOUT:?} for {what} in `{css}`; {}",
                self.where_am_i().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, css: &str) -> TestResult<String> {
        Ok(self.wait_for(css).await?.text().await?)
    }

    pub async fn js(&self, script: &str) -> TestResult<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    pub async fn screenshot(&self, name: &str) -> TestResult {
        let png = self.client.screenshot().await?;
        std::fs::create_dir_all(SCREENSHOTS)?;
        std::fs::write(Path::new(SCREENSHOTS).join(name), png)?;
        Ok(())
    }

    /// Nothing makes the page scroll sideways on the phone.
    pub async fn assert_fits_phone(&self, page: &str) -> TestResult {
        let v = self
            .js("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await?;
        let (content, screen) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
        check!(
            content <= screen,
            "the {page} page is {content} pixels wide, wider than the phone's {screen}"
        );
        Ok(())
    }

    /// The `<html>` element's language and direction.
    pub async fn lang_dir(&self) -> TestResult<(String, String)> {
        let v = self
            .js("return [document.documentElement.lang, document.documentElement.dir];")
            .await?;
        let s = |i: usize| v[i].as_str().unwrap_or_default().to_owned();
        Ok((s(0), s(1)))
    }

    /// Every resource this page loaded (stylesheets, scripts, images, fetches) came from the
    /// application's own origin. Returns how many there were.
    pub async fn assert_same_origin_resources(&self, page: &str) -> TestResult<usize> {
        let v = self
            .js("return performance.getEntriesByType('resource').map(function (e) { return e.name; });")
            .await?;
        let names: Vec<String> = v
            .as_array()
            .ok_or("resource entries are not an array")?
            .iter()
            .map(|n| n.as_str().unwrap_or_default().to_owned())
            .collect();
        let own = format!("{}/", self.origin);
        let foreign: Vec<&String> = names.iter().filter(|n| !n.starts_with(&own)).collect();
        check!(
            foreign.is_empty(),
            "the {page} page loaded resources from another origin: {foreign:?}"
        );
        Ok(names.len())
    }

    /// Signs in with password and the current one-time code; ends on the dashboard.
    pub async fn sign_in(&self, email: &str, name: &str) -> TestResult {
        self.goto("/sign-in").await?;
        self.wait_for("#email").await?;
        let h1 = self.text("main h1").await?;
        check!(h1 == "Sign in", "sign-in page heading is {h1:?}");
        self.fill("email", email).await?;
        self.fill("password", ally::demo::DEMO_PASSWORD).await?;
        self.click("form[action='/sign-in'] button[type='submit']")
            .await?;

        // Either the code page or an error page: fail at once on the latter.
        self.wait_for("#code, main .error").await?;
        check!(
            self.client.find(Locator::Css("main .error")).await.is_err(),
            "signing in as {email} failed: {}",
            self.where_am_i().await
        );
        self.wait_for_path(|p| p == "/sign-in/code", "the one-time-code page")
            .await?;
        let h1 = self.text("main h1").await?;
        check!(
            h1 == "Enter your one-time code",
            "code page heading is {h1:?}"
        );
        let totp = totp_rs::Builder::new()
            .with_secret(ally::demo::DEMO_TOTP_SECRET.to_vec())
            .build()?;
        // Leave margin so the code does not expire between typing and checking.
        if totp.ttl() < 3 {
            tokio::time::sleep(Duration::from_secs(totp.ttl() + 1)).await;
        }
        self.fill("code", &totp.generate_current().to_string())
            .await?;
        self.click("form[action='/sign-in/code'] button[type='submit']")
            .await?;

        self.wait_for("ul.cards").await?;
        self.wait_for_path(|p| p == "/dashboard", "the dashboard")
            .await?;
        let h1 = self.text("main h1").await?;
        check!(h1 == "Home", "dashboard heading is {h1:?}");
        let greeting = self.text("main h1 + p").await?;
        check!(
            greeting.contains("Welcome") && greeting.contains(name),
            "dashboard greeting is {greeting:?}, expected a welcome for {name}"
        );
        let who = self.text("p.who").await?;
        check!(who.contains(name), "the signed-in line shows {who:?}");
        Ok(())
    }

    /// Picks a language in the footer picker and waits for the page to be in it.
    pub async fn switch_language(&self, code: &str) -> TestResult {
        let form = "footer form.lang-picker";
        let action = self
            .wait_for(form)
            .await?
            .attr("action")
            .await?
            .unwrap_or_default();
        check!(
            action == "/account/language",
            "a signed-in user's language picker posts to {action:?}"
        );
        self.wait_for("#lang-select")
            .await?
            .select_by_value(code)
            .await?;
        self.click(&format!("{form} button[type='submit']")).await?;
        self.wait_for(&format!("html[lang='{code}']")).await?;
        Ok(())
    }
}

/// A running server on the demo data set with a browser pointed at it.
pub struct Harness {
    pub b: Browser,
    name: &'static str,
    running: ally::Running,
    driver: Driver,
    started: Instant,
    _tmp: tempfile::TempDir,
}

/// Starts the server and the browser, or returns `None` (after a loud message) when Chromium
/// or ChromeDriver is missing and the browser tests are not required.
pub async fn start(name: &'static str) -> Option<Harness> {
    let required = std::env::var("ALLY_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let chromedriver = on_path("chromedriver");
    let chromium = find_chromium();
    let (chromedriver, chromium) = match (chromedriver, chromium) {
        (Some(d), Some(c)) => (d, c),
        (d, c) => {
            let missing = [
                d.is_none().then_some("chromedriver (on PATH)"),
                c.is_none()
                    .then_some("chromium (/usr/bin/chromium or on PATH)"),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and ");
            assert!(
                !required,
                "ALLY_REQUIRE_BROWSER=1 but {missing} not found: install them (Debian: apt-get install chromium chromium-driver)"
            );
            eprintln!(
                "\n*** SKIPPING browser tests: {missing} not found. \
                 Install chromium and chromium-driver, and set ALLY_REQUIRE_BROWSER=1 to make this a failure. ***\n"
            );
            return None;
        }
    };

    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let config = ally::config::Config {
        data_dir: tmp.path().join("data"),
        listen: "127.0.0.1:0".into(),
        ..Default::default()
    };
    let store = ally::open_store(&config).await.unwrap();
    assert!(ally::demo::seed(&store, 0).await.unwrap(), "demo seeded");
    let running = ally::start(&config, store, true).await.unwrap();
    let origin = format!("http://{}", running.addr);

    let driver = start_driver(&chromedriver, tmp.path().join("chromedriver.log")).await;
    let profile = tmp.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let mut options = json!({
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            format!("--user-data-dir={}", profile.display()),
            "--window-size=412,915",
        ],
        // The sign-in page follows Accept-Language: pin it so the texts checked are English.
        "prefs": { "intl.accept_languages": "en-GB,en" },
        // Headless Chromium keeps windows at least 500 pixels wide whatever `--window-size`
        // says; emulate the phone's viewport so that pages are laid out at 412 pixels.
        "mobileEmulation": { "deviceMetrics": { "width": 412, "height": 915, "pixelRatio": 1.0 } },
    });
    options["binary"] = json!(chromium.display().to_string());
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "connecting to chromedriver: {e}\n{}",
                std::fs::read_to_string(&driver.log).unwrap_or_default()
            )
        });

    Some(Harness {
        b: Browser { client, origin },
        name,
        running,
        driver,
        started,
        _tmp: tmp,
    })
}

impl Harness {
    /// Ends the run: screenshot on failure, browser and server stopped, then the verdict.
    pub async fn finish(self, result: TestResult) {
        let name = self.name;
        if result.is_err() {
            let _ = self.b.screenshot(&format!("{name}-failure.png")).await;
        }
        let closed = self.b.client.close().await;
        self.running.stop().await;
        drop(self.driver);
        if let Err(e) = result {
            panic!(
                "browser scenario {name} failed: {e}\n(screenshot: {SCREENSHOTS}/{name}-failure.png)"
            );
        }
        closed.unwrap();
        eprintln!(
            "browser scenario {name} passed in {:.1?}; screenshots in {SCREENSHOTS}",
            self.started.elapsed()
        );
    }
}
