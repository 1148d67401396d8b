//! The web chat end to end: `policybot::web` serving `/chat/` over the bot core on a durable
//! SQLite file, with many simulated browsers at once, each in a closed loop over HTTP — post a
//! message or press a button, read the reply in the response, post the next — through the same
//! questions and tax-guidance appointment as the Telegram run.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use policybot::app::{App, AppError, Settings};
use policybot::clock::Clock;
use policybot::store::{StoreError, applications};
use policybot::web::{self, Config, Web, WebError};
use serde_json::Value;
use tokio::sync::watch;

use crate::e2e::{Act, conversation};
use crate::load::Sample;
use crate::report::{Check, Findings, Section, show_count, show_duration};
use crate::stats::Samples;
use crate::{BenchError, Mode};

/// Messages per second the chat must sustain.
const TARGET: f64 = 2_000.0;
/// The reply latency p99 it must keep.
const TARGET_P99: Duration = Duration::from_millis(100);

/// The web chat run failed.
#[derive(Debug, thiserror::Error)]
pub enum WebBenchError {
    /// The temporary directory could not be created.
    #[error("cannot create a temporary directory")]
    TempDir(#[source] std::io::Error),
    /// The application did not start.
    #[error(transparent)]
    App(#[from] AppError),
    /// The web did not start or failed.
    #[error(transparent)]
    Web(#[from] WebError),
    /// A request failed.
    #[error("a request failed")]
    Http(#[from] reqwest::Error),
    /// A request was answered with an error or something unreadable.
    #[error("browser {browser}, step {step} ({act:?}): {status} {body}")]
    Refused { browser: usize, step: usize, act: Option<Act>, status: u16, body: String },
    /// A button to press is not there.
    #[error("browser {browser} has no button {data:?} to press")]
    NoButton { browser: usize, data: &'static str },
    /// The database could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Not every browser filed one application.
    #[error("{expected} applications should have been filed but {filed} were")]
    Filed { expected: i64, filed: i64 },
    /// A simulated browser panicked.
    #[error("a simulated browser failed")]
    Task(#[from] tokio::task::JoinError),
}

/// What a run measured.
struct Run {
    messages: usize,
    wall: Duration,
    latencies: Samples,
    busy: Option<f64>,
}

impl Run {
    fn rate(&self) -> f64 {
        self.messages as f64 / self.wall.as_secs_f64()
    }
}

/// The web chat area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let browsers = mode.pick(1_000, 5);
    let run = crate::runtime()?.block_on(run(browsers))?;
    let steps = run.messages / browsers;
    let mut section = Section::new(
        "Web chat end to end",
        format!(
            "`policybot::web` serving `/chat/` in this process on a SQLite file (WAL, `synchronous = NORMAL`), \
             {} browsers at once, each with its own visitor cookie and address (`X-Forwarded-For` behind a \
             proxy, as real browsers come from many), opening the page (the greeting, not counted) and then in a \
             closed loop through {steps} messages — `/start`, two questions, a tax-guidance appointment from \
             request to filing with two button presses, as the Telegram run — each posted as the page's script \
             does, with the page's last entry, and answered with the entries the page lacks. Latency is from \
             sending a message to having its reply; the rate is messages over the wall time; afterwards every \
             browser must have filed one application.",
            show_count(browsers as f64)
        ),
        &["bot", "messages/s", "reply latency p50 / p99 / max", "target"],
    );
    let latencies = &run.latencies;
    section.row([
        "`web::serve` in this process".to_owned(),
        show_count(run.rate()),
        format!(
            "{} / {} / {}",
            show_duration(latencies.p50()),
            show_duration(latencies.p99()),
            show_duration(latencies.max())
        ),
        format!("≥ {} messages/s, p99 ≤ {}", show_count(TARGET), show_duration(TARGET_P99)),
    ]);
    section.note(format!(
        "The CPU was {} busy while the browsers ran (the server and the browsers share the machine).",
        run.busy.map_or("(unknown)".to_owned(), |busy| format!("{:.0}%", busy * 100.0)),
    ));
    let mut findings = Findings::default();
    findings.checks.push(Check::new(
        &format!("Web chat messages/s, {} concurrent browsers ≥ 2,000", show_count(browsers as f64)),
        show_count(run.rate()),
        run.rate() >= TARGET,
    ));
    findings.checks.push(Check::new(
        "Web chat reply latency p99 ≤ 100 ms",
        show_duration(latencies.p99()),
        latencies.p99() <= TARGET_P99,
    ));
    findings.sections.push(section);
    Ok(findings)
}

async fn run(browsers: usize) -> Result<Run, WebBenchError> {
    let dir = tempfile::tempdir().map_err(WebBenchError::TempDir)?;
    let database_url = format!("sqlite://{}", dir.path().join("bot.db").display());
    let clock = Clock::starting_at(2026, 11, 23, 10);
    let settings = Settings {
        database_url: database_url.into(),
        corpus: None,
        dialogs: None,
        files_dir: dir.path().join("files"),
        staff: policybot::bot::Staff::default(),
    };
    let app = App::build(&settings, clock).await?;
    let config = Config { https: false, chat_frame_ancestors: Vec::new(), behind_proxy: true };
    let web = Web::new(app.bot.clone(), app.files.clone(), config).await?;
    let listener = web::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let base = format!("http://{}", listener.local_addr().map_err(WebBenchError::TempDir)?);
    let (stop, mut stopping) = watch::channel(false);
    let serving = tokio::spawn(web::serve(web, listener, async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    }));

    let http = reqwest::Client::builder().pool_max_idle_per_host(browsers).build()?;
    let conversation = conversation(clock.today());
    let mut opened = Vec::with_capacity(browsers);
    for number in 0..browsers {
        opened.push(Browser::open(&http, &base, number).await?);
    }
    let (start, cpu) = (Instant::now(), Sample::take());
    let walks: Vec<_> =
        opened.into_iter().map(|browser| tokio::spawn(browser.walk(http.clone(), conversation.clone()))).collect();
    let mut latencies = Vec::with_capacity(browsers * conversation.len());
    for walk in walks {
        latencies.extend(walk.await??);
    }
    let wall = start.elapsed();
    let busy = cpu.and_then(|cpu| cpu.busy_since());
    stop.send(true).ok();
    serving.await??;

    let filed = applications::count(&mut *app.bot.store().acquire().await?).await?;
    app.bot.store().close().await;
    if filed != browsers as i64 {
        return Err(WebBenchError::Filed { expected: browsers as i64, filed });
    }
    Ok(Run { messages: browsers * conversation.len(), wall, latencies: Samples::new(latencies), busy })
}

/// A simulated browser: its visitor cookie, the page's token, its address and the last entry it
/// has.
struct Browser {
    number: usize,
    base: String,
    cookie: String,
    csrf: String,
    addr: IpAddr,
    /// The last entry the page has, sent with each message as the page's script does.
    last: i64,
    /// The buttons under the bot's latest messages: (data).
    buttons: Vec<String>,
}

impl Browser {
    /// Opens the chat page as browser `number` (its own address), taking its cookie and token.
    async fn open(http: &reqwest::Client, base: &str, number: usize) -> Result<Self, WebBenchError> {
        let [_, _, high, low] = u32::try_from(number).unwrap_or(0).to_be_bytes();
        let addr = IpAddr::from([10, 1, high, low]);
        let response = http.get(format!("{base}/chat/")).header("x-forwarded-for", addr.to_string()).send().await?;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| value.split(';').next().filter(|pair| pair.starts_with("chat_visitor=")))
            .map(str::to_owned);
        let (status, body) = (response.status().as_u16(), response.text().await?);
        let refused = || WebBenchError::Refused { browser: number, step: 0, act: None, status, body: body.clone() };
        let cookie = cookie.ok_or_else(refused)?;
        let csrf = token(&body).ok_or_else(refused)?;
        let last = last_shown(&body).ok_or_else(refused)?;
        Ok(Self { number, base: base.to_owned(), cookie, csrf, addr, last, buttons: Vec::new() })
    }

    /// Walks the conversation, a message once the last one's reply is in; each message's latency.
    async fn walk(mut self, http: reqwest::Client, conversation: Vec<Act>) -> Result<Vec<Duration>, WebBenchError> {
        let mut latencies = Vec::with_capacity(conversation.len());
        for (step, act) in conversation.into_iter().enumerate() {
            let (path, field, value) = match &act {
                Act::Say(text) => ("/chat/message", "text", text.clone()),
                Act::Press(data) => match self.buttons.iter().any(|offered| offered == data) {
                    true => ("/chat/choice", "choice", (*data).to_owned()),
                    false => return Err(WebBenchError::NoButton { browser: self.number, data }),
                },
            };
            let after = self.last.to_string();
            let form = [(field, value.as_str()), ("csrf_token", self.csrf.as_str()), ("after", after.as_str())];
            let start = Instant::now();
            let response = http
                .post(format!("{}{path}", self.base))
                .header("cookie", &self.cookie)
                .header("origin", &self.base)
                .header("accept", "application/json")
                .header("x-forwarded-for", self.addr.to_string())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&form))
                .send()
                .await?;
            let (status, body) = (response.status().as_u16(), response.text().await?);
            latencies.push(start.elapsed());
            let news: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let entries = news["entries"].as_array().filter(|_| status == 200);
            let number = self.number;
            let refused =
                || WebBenchError::Refused { browser: number, step, act: Some(act.clone()), status, body: body.clone() };
            let entries = entries.ok_or_else(refused)?;
            self.last = entries.iter().filter_map(|entry| entry["id"].as_i64()).fold(self.last, i64::max);
            let bot: Vec<&Value> = entries.iter().filter(|entry| entry["role"] == "bot").collect();
            if bot.is_empty() || bot.iter().any(|entry| entry["text"].as_str().unwrap_or_default().contains('⚠')) {
                return Err(refused());
            }
            self.buttons = bot
                .iter()
                .flat_map(|entry| entry["buttons"].as_array().into_iter().flatten())
                .filter_map(|button| button["data"].as_str().map(str::to_owned))
                .collect();
        }
        Ok(latencies)
    }
}

/// The page's CSRF token (its first hidden `csrf_token` field).
fn token(page: &str) -> Option<String> {
    quoted_after(page, "name=\"csrf_token\" value=\"").map(str::to_owned)
}

/// The last entry the page shows (its `data-last`).
fn last_shown(page: &str) -> Option<i64> {
    quoted_after(page, "data-last=\"")?.parse().ok()
}

/// The text from the first `marker` in `page` to the next quote.
fn quoted_after<'p>(page: &'p str, marker: &str) -> Option<&'p str> {
    let rest = &page[page.find(marker)? + marker.len()..];
    Some(&rest[..rest.find('"')?])
}

/// An URL-encoded form body.
fn form_body(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_the_page() {
        assert_eq!(token("<input type=\"hidden\" name=\"csrf_token\" value=\"abc\">").as_deref(), Some("abc"));
        assert_eq!(token("<p>no form</p>"), None);
    }

    #[test]
    fn the_last_entry_is_read_from_the_page() {
        assert_eq!(last_shown("<main id=\"app\" data-last=\"42\" data-bot=\"x\">"), Some(42));
        assert_eq!(last_shown("<main id=\"app\">"), None);
    }
}
