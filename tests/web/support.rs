//! What the web tests share: the whole application with its web server on a random loopback port,
//! on a fresh SQLite file or PostgreSQL database, and an HTTP client that keeps cookies, follows
//! no redirect and reads CSRF tokens out of pages.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use policybot::app::{App, Settings};
use policybot::bot::{Input, Sender, Staff};
use policybot::clock::Clock;
use policybot::reply::Reply;
use policybot::staff::accounts::{Accounts, Role};
use policybot::store::outbox;
use policybot::telegram;
use policybot::web::{self, Config, Web};
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Method, StatusCode};
use tokio::sync::watch;

use crate::throwaway;

/// The day the tests live on: Monday 2026-11-23, 10:00 in Zhanjiang.
pub fn clock() -> Clock {
    Clock::fixed(2026, 11, 23, 10)
}

/// A database for one test.
pub enum Backend {
    /// A SQLite file in the test's directory.
    Sqlite,
    /// A new database on the PostgreSQL server the tests are given, dropped afterwards.
    Postgres { server: String, name: String },
}

/// The application and its web server, running until dropped.
pub struct WebApp {
    /// The application, as production builds it.
    pub app: App,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stop: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    backend: Backend,
    /// Holds the SQLite file and the files directory.
    _dir: tempfile::TempDir,
}

/// The application on a fresh SQLite file with its web on a random port.
pub async fn spawn() -> WebApp {
    spawn_on(Backend::Sqlite, clock()).await
}

/// The application on a fresh SQLite file with its web as if reached over HTTPS.
pub async fn spawn_https() -> WebApp {
    spawn_configured(Backend::Sqlite, clock(), true).await
}

/// The application on `backend`, its clock `clock`, with its web on a random port.
pub async fn spawn_on(backend: Backend, clock: Clock) -> WebApp {
    spawn_configured(backend, clock, false).await
}

async fn spawn_configured(backend: Backend, clock: Clock, https: bool) -> WebApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = match &backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("bot.db").display()),
        Backend::Postgres { server, name } => throwaway::create(server, name).await,
    };
    let settings = Settings {
        database_url: database_url.into(),
        corpus: None,
        dialogs: None,
        files_dir: dir.path().join("files"),
        staff: Staff::default(),
    };
    let app = App::build(&settings, clock).await.expect("the app starts");
    let config = Config { https, chat_frame_ancestors: vec!["https://rsj.example.gov.cn".into()], behind_proxy: false };
    let web = Web::new(app.bot.clone(), app.files.clone(), config).await.expect("the web starts");
    let listener = web::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await.expect("a free port");
    let base = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopping) = watch::channel(false);
    let server = tokio::spawn(async move {
        let mut stopping = stopping;
        let stopped = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        web::serve(web, listener, stopped).await.expect("the web serves");
    });
    WebApp { app, base, stop, server, backend, _dir: dir }
}

impl WebApp {
    /// A browser-like client of this web, without cookies yet.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Stops the server and drops a PostgreSQL database.
    pub async fn close(self) {
        self.stop.send(true).ok();
        self.server.await.ok();
        self.app.bot.store().close().await;
        if let Backend::Postgres { server, name } = &self.backend {
            throwaway::drop(server, name).await;
        }
    }

    /// `user` on Telegram sends `input` to the bot core; the replies. (Telegram, so that status
    /// changes are queued for the applicant, as for a channel that pushes.)
    pub async fn send(&self, user: &str, input: Input) -> Vec<Reply> {
        self.app.bot.handle(&Sender::new(telegram::PROFILE.name, user, None), input).await
    }

    /// `user` types `text`; the replies' texts, joined.
    pub async fn say(&self, user: &str, text: &str) -> String {
        join(&self.send(user, Input::Text(text.to_owned())).await)
    }

    /// `user` presses the button `data`; the replies' texts, joined.
    pub async fn press(&self, user: &str, data: &str) -> String {
        join(&self.send(user, Input::Button(data.to_owned())).await)
    }

    /// The payloads waiting in the outbox for Telegram, oldest first (each chat's are
    /// claimed in order, so each round marks them sent).
    pub async fn outbox_payloads(&self) -> Vec<String> {
        let mut conn = self.app.bot.store().acquire().await.unwrap();
        let now = self.app.bot.clock().now_ms();
        let mut payloads = Vec::new();
        loop {
            let claimed = outbox::claim(&mut conn, telegram::PROFILE.name, "reader", now, 60_000, 10).await.unwrap();
            if claimed.is_empty() {
                return payloads;
            }
            for pending in claimed {
                outbox::mark_sent(&mut conn, pending.id, now).await.unwrap();
                payloads.push(pending.payload);
            }
        }
    }

    /// The console's accounts.
    pub fn accounts(&self) -> Accounts {
        Accounts::new(self.app.bot.store().clone(), self.app.bot.clock())
    }

    /// Creates the console account `username` with `role`; its password.
    pub async fn account(&self, username: &str, role: Role) -> String {
        let password = format!("{username}-secret-password");
        let name = username.parse().expect("a username");
        self.accounts().add(&name, &format!("{username} 显示名"), role, &password, "test").await.expect("an account");
        password
    }

    /// A client signed in as a new account `username` with `role`.
    pub async fn signed_in(&self, username: &str, role: Role) -> Client {
        let password = self.account(username, role).await;
        let client = self.client();
        let page = client.log_in(username, &password).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/console/applications"), "{}", page.body);
        client
    }

    /// `user` files a talent-apartment application through the bot core, as `name` with the ID
    /// card `id`, a PNG certificate attached; its reference.
    pub async fn file_apartment(&self, user: &str, name: &str, id: &str) -> String {
        self.say(user, "我要申请人才公寓").await;
        self.press(user, "yes").await;
        for answer in [name, id, "13800138000", "宝钢湛江钢铁有限公司"] {
            self.say(user, answer).await;
        }
        self.press(user, "choose:C").await;
        self.say(user, "跳过").await;
        let proof = self.app.files.keep(&format!("{user}-认定证书.png"), &certificate(user)).expect("file kept");
        let asked = join(&self.send(user, Input::File(proof)).await);
        assert!(asked.contains("拟入住人数"), "{asked}");
        self.say(user, "3").await;
        self.press(user, "no").await;
        self.press(user, "choose:xiashan").await;
        self.say(user, "2027-01").await;
        let summary = self.say(user, "跳过").await;
        assert!(summary.contains(id), "{summary}");
        let receipt = self.press(user, "confirm").await;
        let start = receipt.find("ZJ-").unwrap_or_else(|| panic!("no reference in {receipt}"));
        receipt[start..].split_whitespace().next().unwrap().trim_end_matches(['。', '.']).to_owned()
    }
}

/// A real PNG, different per `user` (files are kept under their hash).
pub fn certificate(user: &str) -> Vec<u8> {
    let mut png = include_bytes!("../data/certificate.png").to_vec();
    // Bytes after IEND are ignored by decoders.
    png.extend_from_slice(user.as_bytes());
    png
}

/// The texts of replies, joined.
pub fn join(replies: &[Reply]) -> String {
    replies.iter().map(|reply| reply.text.as_str()).collect::<Vec<_>>().join("\n\n")
}

/// Runs `body` on SQLite, then on PostgreSQL when `POLICYBOT_TEST_POSTGRES` names a server.
/// Each gets an application of its own; a failure on one still closes it.
pub async fn on_both_backends<F, Fut>(test: &str, body: F)
where
    F: Fn(WebApp) -> Fut,
    Fut: Future<Output = WebApp>,
{
    body(spawn().await).await.close().await;
    let Some(server) = throwaway::server(test) else { return };
    static NUMBER: AtomicUsize = AtomicUsize::new(0);
    let name = format!("policybot_web_{}_{}", std::process::id(), NUMBER.fetch_add(1, Ordering::Relaxed));
    let app = spawn_on(Backend::Postgres { server: server.clone(), name: name.clone() }, clock()).await;
    // A panic in the body skips close: drop the database all the same.
    struct Dropper(Option<(String, String)>);
    impl Drop for Dropper {
        fn drop(&mut self) {
            if let Some((server, name)) = self.0.take() {
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    runtime.block_on(throwaway::drop(&server, &name));
                })
                .join()
                .ok();
            }
        }
    }
    let mut dropper = Dropper(Some((server, name)));
    body(app).await.close().await;
    dropper.0 = None;
}

/// A response, read whole.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Page {
    /// A header's value as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    /// Where a redirect goes.
    pub fn location(&self) -> &str {
        self.headers.get(LOCATION).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }

    /// The value of the first `<input name="csrf_token" value="…">` of the page.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"csrf_token\" value=\"").unwrap_or_else(|| panic!("no token in {}", self.body));
        let rest = &self.body[at + "name=\"csrf_token\" value=\"".len()..];
        rest[..rest.find('"').expect("a closing quote")].to_owned()
    }
}

/// What a request carries.
enum Payload<'a> {
    None,
    /// An URL-encoded form.
    Form(&'a [(&'a str, &'a str)]),
    /// A body as it is.
    Bytes(Vec<u8>),
}

/// An HTTP client that keeps cookies like a browser, follows no redirect, and sends `Origin`
/// as a browser posting a form of this site does.
pub struct Client {
    base: String,
    http: reqwest::Client,
    cookies: Mutex<BTreeMap<String, String>>,
}

impl Client {
    /// A client of the web at `base` (`http://127.0.0.1:PORT`).
    pub fn at(base: &str) -> Self {
        Self::new(base)
    }

    fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("a client");
        Self { base: base.to_owned(), http, cookies: Mutex::default() }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        self.request(Method::GET, path, Payload::None, &[]).await
    }

    /// `GET path`, or `None` when nothing answers (a server still starting).
    pub async fn try_get(&self, path: &str) -> Option<Page> {
        self.http.get(format!("{}{path}", self.base)).send().await.ok()?;
        Some(self.get(path).await)
    }

    /// `POST path` with the form `fields`.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, Payload::Form(fields), &[]).await
    }

    /// `POST path` with the form `fields` and extra headers.
    pub async fn post_with(&self, path: &str, fields: &[(&str, &str)], headers: &[(&str, &str)]) -> Page {
        self.request(Method::POST, path, Payload::Form(fields), headers).await
    }

    /// `POST path` with `body` as it is (an upload), with this site's Origin and `headers`.
    pub async fn post_body(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> Page {
        let mut headers = headers.to_vec();
        headers.push(("origin", self.base.as_str()));
        self.request(Method::POST, path, Payload::Bytes(body), &headers).await
    }

    /// The cookie `name` the client holds.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().unwrap().get(name).cloned()
    }

    /// Sets (or with `None` forgets) a cookie, as a forger would.
    pub fn set_cookie(&self, name: &str, value: Option<&str>) {
        let mut cookies = self.cookies.lock().unwrap();
        match value {
            Some(value) => cookies.insert(name.to_owned(), value.to_owned()),
            None => cookies.remove(name),
        };
    }

    /// Signs in on the console as a browser does: the sign-in page for its token, then the form
    /// with `username` and `password`; the answer to the form.
    pub async fn log_in(&self, username: &str, password: &str) -> Page {
        let token = self.get("/console/login").await.csrf();
        self.post("/console/login", &[("csrf_token", &token), ("username", username), ("password", password)]).await
    }

    /// `GET path` with extra headers.
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        self.request(Method::GET, path, Payload::None, headers).await
    }

    async fn request(&self, method: Method, path: &str, payload: Payload<'_>, extra: &[(&str, &str)]) -> Page {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        let cookies = self.cookies.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>();
        if !cookies.is_empty() {
            request = request.header("cookie", cookies.join("; "));
        }
        if let Payload::Bytes(bytes) = payload {
            request = request.body(bytes);
        } else if let Payload::Form(fields) = payload {
            let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
            request = request.header("content-type", "application/x-www-form-urlencoded").body(body);
            if !extra.iter().any(|(name, _)| name.eq_ignore_ascii_case("origin")) {
                request = request.header("origin", &self.base);
            }
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the web answers");
        let (status, headers) = (response.status(), response.headers().clone());
        for set in headers.get_all(SET_COOKIE) {
            let set = set.to_str().expect("an ASCII cookie");
            let (pair, attributes) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            let mut cookies = self.cookies.lock().unwrap();
            if attributes.contains("Max-Age=0") {
                cookies.remove(name);
            } else {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let bytes = response.bytes().await.expect("a body").to_vec();
        Page { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }
}
