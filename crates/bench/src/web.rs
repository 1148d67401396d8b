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
    /// The replies counted: all (closed), or those that came in the window (paced).
    messages: usize,
    /// The time they took (closed) or the window (paced).
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
    /// `browsers / rate` seconds (later if its last reply is late), through [`PACED_ROUNDS`]
    /// conversations, each as a new visitor. Their starts are spread over one conversation's
    /// length, so that in the measured window, when all are under way, they are at every step of
    /// it as real visitors would be, not all filing at once. Latency counts from when a message was
    /// due, so a server that falls behind shows it.
    Paced(f64),
}

/// How many conversations each paced browser goes through: the window in which all of them are
/// under way is as long as one.
const PACED_ROUNDS: usize = 2;

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
             rate, which measures the latency a citizen sees at that load: each browser goes through the \
             conversation twice (a new visitor each time), their starts spread over one conversation's \
             length, and what counts is the window in which all are under way, each at its own step. \
             Latency is from sending a message (in the paced run: from when it was due) to having its \
             reply; the rate is replies over the wall time (paced: the replies that came in the window); \
             afterwards every visitor must have filed one application.",
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
    let (rounds, pace) = match load {
        Load::Closed => (1, None),
        Load::Paced(rate) => (PACED_ROUNDS, Some(Pace { start, rate, browsers, steps: conversation.len() })),
    };
    let walks: Vec<_> = opened
        .into_iter()
        .map(|browser| tokio::spawn(browser.walk(http.clone(), conversation.clone(), pace, rounds)))
        .collect();
    let mut sent = Vec::with_capacity(browsers * conversation.len() * rounds);
    for walk in walks {
        sent.extend(walk.await??);
    }
    let wall = start.elapsed();
    let busy = cpu.and_then(|cpu| cpu.busy_since());
    stop.send(true).ok();
    serving.await??;

    let filed = applications::count(&mut *app.bot.store().acquire().await?).await?;
    app.bot.store().close().await;
    let visitors = (browsers * rounds) as i64;
    if filed != visitors {
        return Err(WebBenchError::Filed { expected: visitors, filed });
    }
    let (messages, latencies, wall) = match pace {
        None => (sent.len(), sent.into_iter().map(|(_, latency)| latency).collect(), wall),
        Some(pace) => {
            // The latency of the messages due in the window; the rate of the replies that came in
            // it (a server that falls behind answers fewer than were due).
            let (from, to) = pace.window();
            let answered = sent.iter().filter(|(due, latency)| (from..to).contains(&(*due + *latency))).count();
            let due = sent.into_iter().filter(|(due, _)| (from..to).contains(due)).map(|(_, latency)| latency);
            (answered, due.collect(), to - from)
        }
    };
    Ok(Run { load, messages, wall, latencies: Samples::new(latencies), busy })
}

/// The pace of a paced run: `browsers` offering `rate` messages/s between them from `start`,
/// through conversations of `steps` messages.
#[derive(Debug, Clone, Copy)]
struct Pace {
    start: Instant,
    rate: f64,
    browsers: usize,
    steps: usize,
}

impl Pace {
    /// How long a browser waits from one message to its next.
    fn interval(self) -> Duration {
        Duration::from_secs_f64(self.browsers as f64 / self.rate)
    }

    /// How long one conversation takes at this pace.
    fn conversation(self) -> Duration {
        self.interval() * u32::try_from(self.steps).unwrap_or(u32::MAX)
    }

    /// When message `sent` (counted over all its conversations) of browser `number` is due: the
    /// browsers' first messages are spread over one conversation's length.
    fn due(self, number: usize, sent: usize) -> Instant {
        let offset = self.conversation().mul_f64(number as f64 / self.browsers as f64);
        self.start + offset + self.interval() * u32::try_from(sent).unwrap_or(u32::MAX)
    }

    /// When every browser is under way: from the last one's start to the first one's end.
    fn window(self) -> (Instant, Instant) {
        (self.start + self.conversation(), self.start + self.conversation() * 2)
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

    /// Walks the conversation `rounds` times, each after the first as a new visitor, a message
    /// once the last one's reply is in (and, at a `pace`, it is due); when each message was sent
    /// (at a pace: due) and its latency from then.
    async fn walk(
        mut self,
        http: reqwest::Client,
        conversation: Vec<Act>,
        pace: Option<Pace>,
        rounds: usize,
    ) -> Result<Vec<(Instant, Duration)>, WebBenchError> {
        let mut sent = Vec::with_capacity(conversation.len() * rounds);
        for round in 0..rounds {
            if round > 0 {
                self = Browser::open(&http, &self.base, self.number).await?;
            }
            for (step, act) in conversation.iter().enumerate() {
                let due = pace.map(|pace| pace.due(self.number, round * conversation.len() + step));
                sent.push(self.send(&http, step, act, due).await?);
            }
        }
        Ok(sent)
    }

    /// Sends `act`, step `step` of the conversation, once it is `due` if given; when it was sent
    /// (or due) and how long its reply took from then.
    async fn send(
        &mut self,
        http: &reqwest::Client,
        step: usize,
        act: &Act,
        due: Option<Instant>,
    ) -> Result<(Instant, Duration), WebBenchError> {
        let (path, field, value) = match act {
            Act::Say(text) => ("/chat/message", "text", text.clone()),
            Act::Press(data) => match self.buttons.iter().any(|offered| offered == data) {
                true => ("/chat/choice", "choice", (*data).to_owned()),
                false => return Err(WebBenchError::NoButton { browser: self.number, data }),
            },
        };
        let after = self.last.to_string();
        let form = [(field, value.as_str()), ("csrf_token", self.csrf.as_str()), ("after", after.as_str())];
        let start = match due {
            Some(due) => {
                tokio::time::sleep_until(due.into()).await;
                due
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
        let latency = start.elapsed();
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
        Ok((start, latency))
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
    fn paced_browsers_start_spread_over_one_conversation_and_keep_their_interval() {
        let start = Instant::now();
        let pace = Pace { start, rate: 8.0, browsers: 4, steps: 3 };
        assert_eq!(pace.interval(), Duration::from_millis(500));
        assert_eq!(pace.due(0, 0), start);
        assert_eq!(pace.due(3, 0), start + Duration::from_millis(1_125));
        assert_eq!(pace.due(3, 4), start + Duration::from_millis(3_125));
        assert_eq!(pace.window(), (start + Duration::from_millis(1_500), start + Duration::from_millis(3_000)));
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
