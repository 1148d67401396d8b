//! The real-browser harness: Debian's headless Chromium driven through WebDriver (chromedriver,
//! fantoccini). [`Browser::start`] starts a chromedriver on a free port and a Chromium with a
//! fresh profile; without Chromium the test is skipped with a note — except in CI (`CI` set),
//! where `.ci/run` installs it and a missing browser is a failure.
//!
//! `POLICYBOT_SCREENSHOTS=DIR` makes [`Browser::screenshot`] write PNGs there (how the pictures in
//! `docs/console/` are made); otherwise screenshots are skipped.

mod chat;
mod console;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// Where Debian puts them.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long an element may take to appear.
const PATIENCE: Duration = Duration::from_secs(10);

/// A headless Chromium under WebDriver; [`close`](Browser::close) it at the end of the test.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A browser with a `width`×`height` window, or `None` (with a note) when Chromium is not
    /// installed outside CI.
    pub async fn start(test: &str, width: u32, height: u32) -> Option<Browser> {
        if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
            assert!(std::env::var_os("CI").is_none(), "{test}: CI must have {CHROMIUM} and {CHROMEDRIVER}");
            eprintln!("{test}: skipped, no {CHROMIUM} or {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a profile directory");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--lang=zh-CN",
            "--accept-lang=zh-CN,zh",
            "--hide-scrollbars",
        ]
        .map(str::to_owned)
        .into_iter()
        .chain([format!("--user-data-dir={}", profile.path().display()), format!("--window-size={width},{height}")])
        .collect::<Vec<_>>();
        let mut options = json!({"binary": CHROMIUM, "args": args});
        // Chromium's windows are at least 500 px wide: a narrower (phone) window is an emulated
        // screen of that size.
        if width < 500 {
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0}});
        }
        let capabilities = json!({"goog:chromeOptions": options});
        let capabilities = capabilities.as_object().expect("an object").clone();
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let mut builder = ClientBuilder::new(HttpConnector::new());
            match builder.capabilities(capabilities.clone()).connect(&url).await {
                Ok(client) => break client,
                Err(error) if started.elapsed() > PATIENCE => panic!("{test}: no WebDriver session: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Browser { client, driver, _profile: profile })
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|error| panic!("opening {url}: {error}"));
    }

    /// The element `css` selects, waiting for it to appear.
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no {css}: {error}"))
    }

    /// Types `text` into the element `css` selects.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.find(css).await.send_keys(text).await.unwrap_or_else(|error| panic!("typing into {css}: {error}"));
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|error| panic!("clicking {css}: {error}"));
    }

    /// The current page's path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("a current URL");
        format!("{}{}", url.path(), url.query().map(|query| format!("?{query}")).unwrap_or_default())
    }

    /// Runs `script` in the page and returns its value.
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        self.client.execute(script, Vec::new()).await.unwrap_or_else(|error| panic!("{script}: {error}"))
    }

    /// Writes a screenshot of the window as `NAME.png` into `POLICYBOT_SCREENSHOTS`, if set.
    pub async fn screenshot(&self, name: &str) {
        let Some(dir) = std::env::var_os("POLICYBOT_SCREENSHOTS").map(PathBuf::from) else { return };
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(&dir).expect("the screenshot directory");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is written");
    }

    /// Ends the session (closing Chromium) and stops chromedriver.
    pub async fn close(self) {
        self.client.clone().close().await.ok();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.driver.kill().ok();
        self.driver.wait().ok();
    }
}
