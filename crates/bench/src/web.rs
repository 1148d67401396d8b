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
    load: Load,
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

/// How the simulated browsers send.
#[derive(Debug, Clone, Copy)]
enum Load {
    /// Each sends its next message as soon as the last one's reply is in: the most the chat
    /// sustains. Latency there is mostly queueing (1,000 browsers at a rate r wait ≈ 1,000 / r).
    Closed,
    /// Together they offer this many messages per second, each browser one every
    /// `browsers / rate` seconds (later if its last reply is late). Latency counts from when a
    /// message was due, so a server that falls behind shows it.
    Paced(f64),
}

impl Load {
    fn describe(self) -> String {
        match self {
            Load::Closed => "closed loop: each message once the last reply is in".to_owned(),
            Load::Paced(rate) => format!("paced: {} messages/s offered", show_count(rate)),
        }
    }
}

/// The web chat area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let browsers = mode.pick(1_000, 5);
    let runtime = crate::runtime()?;
    let closed = runtime.block_on(run(browsers, Load::Closed))?;
    let paced = runtime.block_on(run(browsers, Load::Paced(mode.pick(TARGET, 50.0))))?;
    let steps = closed.messages / browsers;
    let mut section = Section::new(
        "Web chat end to end",
        format!(
            "`policybot::web` serving `/chat/` in this process on a SQLite file (WAL, `synchronous = NORMAL`), \
             {} browsers at once, each with its own visitor cookie and address (`X-Forwarded-For` behind a \
             proxy, as real browsers come from many), opening the page (the greeting, not counted) and then \
             going through {steps} messages — `/start`, two questions, a tax-guidance appointment from request \
             to filing with two button presses, as the Telegram run — each posted as the page's script does, \
             with the page's last entry, and answered with the entries the page lacks. Two runs, each on a \
             fresh database: a closed loop (each browser sends as soon as its reply is in), which measures \
             the most the chat sustains; and a paced run in which the browsers together offer the target \
             rate, which measures the latency a citizen sees at that load. Latency is from sending a message \
             (in the paced run: from when it was due) to having its reply; the rate is messages over the wall \
             time; afterwards every browser must have filed one application.",
            show_count(browsers as f64)
        ),
        &["load", "messages/s", "reply latency p50 / p99 / max", "CPU busy", "target"],
    );
    let target = format!("≥ {} messages/s, p99 ≤ {}", show_count(TARGET), show_duration(TARGET_P99));
    for run in [&closed, &paced] {
        let latencies = &run.latencies;
        section.row([
            run.load.describe(),
            show_count(run.rate()),
            format!(
                "{} / {} / {}",
                show_duration(latencies.p50()),
                show_duration(latencies.p99()),
                show_duration(latencies.max())
            ),
            run.busy.map_or("(unknown)".to_owned(), |busy| format!("{:.0}%", busy * 100.0)),
            target.clone(),
        ]);
    }
    section.note(
        "In a closed loop of 1,000 browsers without a pause a message waits behind the others' (latency ≈ \
         1,000 / rate), so the latency target is read from the paced run: 1,000 browsers sending 2,000 \
         messages/s between them. The server and the browsers share the machine's two cores."
            .to_owned(),
    );
    let mut findings = Findings::default();
    findings.checks.push(Check::new(
        &format!("Web chat messages/s, {} concurrent browsers ≥ 2,000", show_count(browsers as f64)),
        show_count(closed.rate()),
        closed.rate() >= TARGET,
    ));
    findings.checks.push(Check::new(
        "Web chat reply latency p99 at 2,000 messages/s ≤ 100 ms",
        show_duration(paced.latencies.p99()),
        paced.latencies.p99() <= TARGET_P99,
    ));
    findings.sections.push(section);
    Ok(findings)
}

async fn run(browsers: usize, load: Load) -> Result<Run, WebBenchError> {
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
    let walks: Vec<_> = opened
        .into_iter()
        .map(|browser| {
            let schedule = match load {
                Load::Closed => None,
                Load::Paced(rate) => Some(Schedule::of(browser.number, browsers, rate, start)),
            };
            tokio::spawn(browser.walk(http.clone(), conversation.clone(), schedule))
        })
        .collect();
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
    Ok(Run { load, messages: browsers * conversation.len(), wall, latencies: Samples::new(latencies), busy })
}

/// When a paced browser's messages are due: one every `interval` from `first`.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    first: Instant,
    interval: Duration,
}

impl Schedule {
    /// Browser `number` of `browsers` offering `rate` messages/s between them, from `start`: the
    /// browsers' first messages are spread over one interval so that they do not come at once.
    fn of(number: usize, browsers: usize, rate: f64, start: Instant) -> Self {
        let interval = Duration::from_secs_f64(browsers as f64 / rate);
        Self { first: start + interval.mul_f64(number as f64 / browsers as f64), interval }
    }

    /// When message `step` is due.
    fn due(self, step: usize) -> Instant {
        self.first + self.interval * u32::try_from(step).unwrap_or(u32::MAX)
    }
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

    /// Walks the conversation, a message once the last one's reply is in (and, on a `schedule`,
    /// it is due); each message's latency, on a schedule from when it was due.
    async fn walk(
        mut self,
        http: reqwest::Client,
        conversation: Vec<Act>,
        schedule: Option<Schedule>,
    ) -> Result<Vec<Duration>, WebBenchError> {
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
            let start = match schedule {
                Some(schedule) => {
                    tokio::time::sleep_until(schedule.due(step).into()).await;
                    schedule.due(step)
                }
                None => Instant::now(),
            };
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
    fn paced_browsers_start_spread_over_one_interval_and_keep_it() {
        let start = Instant::now();
        let first = Schedule::of(0, 4, 8.0, start);
        let last = Schedule::of(3, 4, 8.0, start);
        assert_eq!(first.interval, Duration::from_millis(500));
        assert_eq!(first.due(0), start);
        assert_eq!(last.due(0), start + Duration::from_millis(375));
        assert_eq!(last.due(2), start + Duration::from_millis(1_375));
    }

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
