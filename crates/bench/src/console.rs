//! The staff console's application list over HTTP: the web router (`policybot::web`) on loopback
//! over a database holding 100,000 applications, staff signed in through the real login asking
//! for the list's first page, a filtered page and a search by reference, on SQLite and on
//! PostgreSQL.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use policybot::filing::Status;
use policybot::staff::accounts::{AccountError, Accounts, Role};
use policybot::web::{self, Config, Web, WebError};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use tokio::sync::oneshot;

use crate::database::{Database, DatabaseError, POSTGRES_VAR};
use crate::dialog::{self, DialogError, Seed};
use crate::report::{Check, Findings, Section, show_count, show_duration};
use crate::stats::Samples;
use crate::{BenchError, Mode};

/// Staff members asking for pages at once, each in a closed loop.
const STAFF: usize = 2;
/// The list's p99 latency must stay within this.
const TARGET: Duration = Duration::from_millis(50);
/// The forms applications are filed with, in turn.
const FLOWS: [&str; 5] =
    ["settlement", "talent-apartment", "talent-recognition", "foreign-talent-visa", "tax-guidance"];
/// Between two seeded filings, going back from the clock's now.
const FILING_INTERVAL_MS: i64 = 60_000;

/// The console measurement failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The database could not be made or dropped.
    #[error(transparent)]
    Database(#[from] DatabaseError),
    /// The database could not be seeded, or the application did not start.
    #[error(transparent)]
    Dialog(#[from] DialogError),
    /// The web did not start.
    #[error(transparent)]
    Web(#[from] WebError),
    /// A staff account could not be made.
    #[error("cannot create a staff account")]
    Account(#[from] AccountError),
    /// A request got no answer.
    #[error("GET or POST {path} got no answer")]
    Http { path: String, source: reqwest::Error },
    /// A page answered other than a signed-in staff member's browser expects.
    #[error("{path} answered {status}, not {expected}: {excerpt}")]
    Unexpected { path: String, status: StatusCode, expected: &'static str, excerpt: String },
    /// A simulated staff member panicked.
    #[error("a simulated staff member failed")]
    Task(#[from] tokio::task::JoinError),
}

/// A page of the list as staff ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// `/console/applications`: everything, those waiting first.
    First,
    /// One form in one status.
    Filtered,
    /// A reference typed into the search box.
    Search,
}

impl Ask {
    const ALL: [Ask; 3] = [Ask::First, Ask::Filtered, Ask::Search];

    fn describe(self) -> &'static str {
        match self {
            Ask::First => "first page",
            Ask::Filtered => "filtered: one form, one status",
            Ask::Search => "search by reference",
        }
    }

    /// The path of the `n`th request of this kind, over `stored` applications, and the
    /// application its page must link to.
    fn path(self, n: usize, stored: usize) -> (String, String) {
        let (path, listed) = match self {
            // Seeds are filed newest first from number 0, which is waiting (submitted), so it
            // heads the list; number 15 is the newest approved settlement.
            Ask::First => ("/console/applications".to_owned(), 0),
            Ask::Filtered => ("/console/applications?flow=settlement&status=approved".to_owned(), 15),
            Ask::Search => {
                // Spread over the table, so that no cache holds the one row asked for.
                let listed = n.wrapping_mul(7_919) % stored;
                (format!("/console/applications?q={}", dialog::seed_reference(listed)), listed)
            }
        };
        (path, format!("href=\"/console/applications/{}\"", dialog::seed_reference(listed)))
    }
}

/// Where the `n`th seeded application stands: the forms in turn, the statuses in turn every five,
/// one filed a minute going back from `now`.
fn seed(n: usize, now: i64) -> Seed {
    Seed {
        flow: FLOWS[n % FLOWS.len()],
        status: Status::ALL[(n / FLOWS.len()) % Status::ALL.len()],
        filed_at: now - n as i64 * FILING_INTERVAL_MS,
    }
}

/// What one database measured.
struct Measured {
    seeding: Duration,
    pages: Vec<(Ask, f64, Samples)>,
}

/// The console area.
pub fn measure(mode: Mode) -> Result<Findings, BenchError> {
    let stored = mode.pick(100_000, 300);
    let requests = mode.pick(300, 3);
    let mut section = Section::new(
        "Staff console: the application list",
        format!(
            "The web router (`policybot::web`) on loopback over a database holding {} applications — five forms in \
             turn, the five statuses in turn, one filed a minute — stored through the store's own queries in one \
             transaction. {STAFF} staff members sign in through the login form, then each asks in a closed loop, \
             {requests} times per page, for `GET /console/applications` as the browser does (session cookie, 50 \
             applications a page rendered with masking, and their count): the first page, one form in one \
             status (`?flow=settlement&status=approved`), and a search for a reference (`?q=ZJ-SEED-…`, a different \
             one each time); each page is checked to hold what it should. Pages/s is the requests of a kind over \
             their wall time; latency is from sending the request to the whole body read.",
            show_count(stored as f64)
        ),
        &["database", "storing them", "page", "pages/s", "latency p50 / p99 / max", "target"],
    );
    let mut findings = Findings::default();
    let runtime = crate::runtime()?;
    let server = std::env::var(POSTGRES_VAR).ok();
    if server.is_none() {
        section.note(format!("PostgreSQL was skipped: {POSTGRES_VAR} is not set."));
    }
    for name in ["SQLite", "PostgreSQL"] {
        let database = match (name, &server) {
            ("SQLite", _) => Database::sqlite().map_err(ConsoleError::from)?,
            (_, Some(server)) => runtime.block_on(Database::postgres(server)).map_err(ConsoleError::from)?,
            (_, None) => continue,
        };
        let measured = runtime.block_on(measure_on(database, stored, requests))?;
        let mut worst = Duration::ZERO;
        for (ask, rate, latencies) in &measured.pages {
            worst = worst.max(latencies.p99());
            section.row([
                name.to_owned(),
                show_duration(measured.seeding),
                ask.describe().to_owned(),
                show_count(*rate),
                format!(
                    "{} / {} / {}",
                    show_duration(latencies.p50()),
                    show_duration(latencies.p99()),
                    show_duration(latencies.max())
                ),
                "p99 ≤ 50 ms".to_owned(),
            ]);
        }
        findings.checks.push(Check::new(
            &format!(
                "console application list p99 ≤ 50 ms, {} stored, {name} (slowest page)",
                show_count(stored as f64)
            ),
            show_duration(worst),
            worst <= TARGET,
        ));
    }
    findings.sections.push(section);
    Ok(findings)
}

/// Seeds `database` with `stored` applications, serves the web over it and measures each page;
/// the database is removed afterwards whatever happened on it.
async fn measure_on(database: Database, stored: usize, requests: usize) -> Result<Measured, ConsoleError> {
    let measured = async {
        let clock = dialog::clock();
        let app = dialog::build_app(&database, clock).await?;
        let start = Instant::now();
        dialog::seed_each(app.bot.store(), stored, |n| seed(n, clock.now_ms())).await?;
        // Applications gathered over months have been through the database's maintenance.
        app.bot.store().settle().await.map_err(DialogError::from)?;
        let seeding = start.elapsed();
        let accounts = Accounts::new(app.bot.store().clone(), clock);
        let config = Config { https: false, chat_frame_ancestors: Vec::new(), behind_proxy: false };
        let web = Web::new(app.bot.clone(), app.files.clone(), config).await?;
        let listener = web::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let base = format!("http://{}", listener.local_addr().map_err(WebError::Serve)?);
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::spawn(web::serve(web, listener, async {
            stopped.await.ok();
        }));
        let measured = measure_pages(&accounts, &base, stored, requests).await;
        stop.send(()).ok();
        serving.await??;
        app.bot.store().close().await;
        Ok(Measured { seeding, pages: measured? })
    }
    .await;
    database.remove().await?;
    measured
}

/// Signs [`STAFF`] members in, then has them ask for each kind of page `requests` times each.
async fn measure_pages(
    accounts: &Accounts,
    base: &str,
    stored: usize,
    requests: usize,
) -> Result<Vec<(Ask, f64, Samples)>, ConsoleError> {
    let mut staff = Vec::with_capacity(STAFF);
    for member in 0..STAFF {
        let username = format!("bench-staff-{member}");
        let password = format!("{username}-secret-password");
        let name = username.parse().expect("a valid username");
        accounts.add(&name, "", Role::Reviewer, &password, "bench").await?;
        staff.push(Arc::new(Browser::sign_in(base, &username, &password).await?));
    }
    let mut pages = Vec::with_capacity(Ask::ALL.len());
    for ask in Ask::ALL {
        // One of each first: the first query of a kind plans it and warms the caches.
        for browser in &staff {
            browser.expect(ask, 0, stored).await?;
        }
        let start = Instant::now();
        let loops: Vec<_> = staff
            .iter()
            .enumerate()
            .map(|(member, browser)| {
                let browser = Arc::clone(browser);
                tokio::spawn(async move {
                    let mut latencies = Vec::with_capacity(requests);
                    for n in 0..requests {
                        let start = Instant::now();
                        browser.expect(ask, 1 + member * requests + n, stored).await?;
                        latencies.push(start.elapsed());
                    }
                    Ok::<_, ConsoleError>(latencies)
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(STAFF * requests);
        for walk in loops {
            latencies.extend(walk.await??);
        }
        let rate = latencies.len() as f64 / start.elapsed().as_secs_f64();
        pages.push((ask, rate, Samples::new(latencies)));
    }
    Ok(pages)
}

/// A staff member's browser, signed in: its cookies go with every request.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: String,
}

impl Browser {
    /// Signs in through the login form as a browser does: the form (its nonce cookie and CSRF
    /// token), then the post, which answers with the session cookie and a redirect to the list.
    async fn sign_in(base: &str, username: &str, password: &str) -> Result<Self, ConsoleError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client without TLS builds");
        let mut browser = Self { http, base: base.to_owned(), cookies: String::new() };
        let path = "/console/login";
        let form = browser.send(browser.http.get(format!("{base}{path}")), path).await?;
        let token = csrf_token(&form.body).ok_or_else(|| form.unexpected(path, "a login form"))?;
        browser.cookies = form.cookies;
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("csrf_token", token.as_str()), ("username", username), ("password", password)])
            .finish();
        let post = browser
            .http
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("origin", base)
            .body(body);
        let signed = browser.send(post, path).await?;
        if signed.status != StatusCode::SEE_OTHER || signed.location != "/console/applications" {
            return Err(signed.unexpected(path, "303 to /console/applications"));
        }
        browser.cookies = signed.cookies;
        Ok(browser)
    }

    /// Asks for the `n`th page of kind `ask` and checks that it is the list holding what it should.
    async fn expect(&self, ask: Ask, n: usize, stored: usize) -> Result<(), ConsoleError> {
        let (path, expected) = ask.path(n, stored);
        let page = self.send(self.http.get(format!("{}{path}", self.base)), &path).await?;
        if page.status != StatusCode::OK || !page.body.contains(&expected) {
            return Err(page.unexpected(&path, "200 with the applications asked for"));
        }
        Ok(())
    }

    /// Sends `request` with the cookies held; the answer read whole, with the cookies as they
    /// are after it.
    async fn send(&self, request: reqwest::RequestBuilder, path: &str) -> Result<Answer, ConsoleError> {
        let failed = |source| ConsoleError::Http { path: path.to_owned(), source };
        let request = if self.cookies.is_empty() { request } else { request.header(COOKIE, &self.cookies) };
        let response = request.send().await.map_err(failed)?;
        let status = response.status();
        let header = |value: &reqwest::header::HeaderValue| value.to_str().unwrap_or_default().to_owned();
        let location = response.headers().get(LOCATION).map(header).unwrap_or_default();
        let set: Vec<String> = response.headers().get_all(SET_COOKIE).iter().map(header).collect();
        let body = response.text().await.map_err(failed)?;
        Ok(Answer { status, location, cookies: merge_cookies(&self.cookies, &set), body })
    }
}

/// A response, read whole.
struct Answer {
    status: StatusCode,
    location: String,
    /// The `Cookie` header to send next.
    cookies: String,
    body: String,
}

impl Answer {
    fn unexpected(&self, path: &str, expected: &'static str) -> ConsoleError {
        let excerpt = self.body.chars().take(300).collect();
        ConsoleError::Unexpected { path: path.to_owned(), status: self.status, expected, excerpt }
    }
}

/// The value of the first `<input name="csrf_token" value="…">` of a page.
fn csrf_token(body: &str) -> Option<String> {
    const FIELD: &str = "name=\"csrf_token\" value=\"";
    let rest = &body[body.find(FIELD)? + FIELD.len()..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The `Cookie` header after `set` (`Set-Cookie` values) arrive on top of `held`: a cookie set
/// again replaces the one held, one set with `Max-Age=0` goes.
fn merge_cookies(held: &str, set: &[String]) -> String {
    let mut cookies: Vec<(String, String)> = held
        .split("; ")
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    for set in set {
        let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
        let Some((name, value)) = pair.split_once('=') else { continue };
        cookies.retain(|(held, _)| held != name);
        if !attributes.contains("Max-Age=0") {
            cookies.push((name.to_owned(), value.to_owned()));
        }
    }
    cookies.iter().map(|(name, value)| format!("{name}={value}")).collect::<Vec<_>>().join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_replaced_added_and_removed_as_a_browser_does() {
        let set = |values: &[&str]| values.iter().map(|value| value.to_string()).collect::<Vec<_>>();
        let held = merge_cookies("", &set(&["nonce=a; Path=/console; HttpOnly"]));
        assert_eq!(held, "nonce=a");
        let held = merge_cookies(&held, &set(&["session=s; HttpOnly", "nonce=; Max-Age=0"]));
        assert_eq!(held, "session=s");
        assert_eq!(merge_cookies("a=1; b=2", &set(&["a=3"])), "b=2; a=3");
    }

    #[test]
    fn seeds_cover_every_form_in_every_status() {
        let seeds: Vec<Seed> = (0..25).map(|n| seed(n, 1_000_000_000)).collect();
        for flow in FLOWS {
            for status in Status::ALL {
                assert!(seeds.iter().any(|seed| seed.flow == flow && seed.status == status), "{flow} {status:?}");
            }
        }
        assert!(seeds.windows(2).all(|pair| pair[0].filed_at > pair[1].filed_at), "newest first");
        assert_eq!(csrf_token(r#"<input name="csrf_token" value="t0k">"#).as_deref(), Some("t0k"));
    }
}
