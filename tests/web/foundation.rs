//! What both areas stand on: per-area security headers, CSRF refusals before any handler, static
//! files built into the binary, and the health check.

use reqwest::StatusCode;

use crate::support::{on_both_backends, spawn};

#[tokio::test]
async fn the_health_check_answers_with_the_unsent_notifications() {
    on_both_backends("the_health_check_answers_with_the_unsent_notifications", |web| async move {
        let page = web.client().get("/healthz").await;
        assert_eq!((page.status, page.body.as_str()), (StatusCode::OK, "{\"status\":\"ok\",\"unsent\":0}"));
        web
    })
    .await;
}

#[tokio::test]
async fn console_pages_are_never_framed_cached_or_scripted_inline() {
    let web = spawn().await;
    let page = web.client().get("/console/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("x-frame-options"), "DENY");
    let csp = page.header("content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(page.header("cache-control"), "no-store");
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert!(!page.body.contains("<script>") && !page.body.contains(" style="), "no inline script or style");
    web.close().await;
}

#[tokio::test]
async fn the_chat_may_be_framed_by_the_bureaus_site_only() {
    let web = spawn().await;
    let page = web.client().get("/chat/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.header("x-frame-options"), "", "X-Frame-Options cannot name a site: the CSP does");
    assert!(
        page.header("content-security-policy").ends_with("frame-ancestors 'self' https://rsj.example.gov.cn"),
        "{}",
        page.header("content-security-policy")
    );
    assert_eq!(page.header("cache-control"), "no-store");
    web.close().await;
}

#[tokio::test]
async fn a_post_without_a_csrf_token_or_from_another_site_is_refused_before_any_handler() {
    let web = spawn().await;
    let client = web.client();
    let form = client.get("/console/login").await;
    let token = form.csrf();
    let page = client.post("/console/login", &[("username", "x"), ("password", "y")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "no token");
    assert!(page.body.contains("请刷新页面后重试"), "{}", page.body);
    let page = client.post("/console/login", &[("csrf_token", "forged"), ("username", "x")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "a forged token");
    let page = client
        .post_with(
            "/console/login",
            &[("csrf_token", &token), ("username", "x")],
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "the right token, but posted from another site");
    let stranger = web.client();
    let page = stranger.post("/console/login", &[("csrf_token", &token), ("username", "x")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "another visitor's token");
    web.close().await;
}

#[tokio::test]
async fn static_files_are_served_from_the_binary_with_their_type_and_a_long_cache() {
    let web = spawn().await;
    let login = web.client().get("/console/login").await;
    let href = login.body.split("href=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a style sheet");
    assert!(href.starts_with("/static/console.css?v="), "{href}");
    let css = web.client().get(href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), "text/css; charset=utf-8");
    assert!(css.header("cache-control").contains("immutable"));
    assert_eq!(web.client().get("/static/nothing.js").await.status, StatusCode::NOT_FOUND);
    assert_eq!(web.client().get("/static/../Cargo.toml").await.status, StatusCode::NOT_FOUND);
    web.close().await;
}

#[tokio::test]
async fn policybot_web_serves_the_console_the_chat_and_the_health_check_without_telegram() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_policybot"))
        .args(["web", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("policybot starts");
    let client = crate::support::Client::at(&format!("http://127.0.0.1:{port}"));
    let started = std::time::Instant::now();
    let health = loop {
        match client.try_get("/healthz").await {
            Some(page) => break page,
            None if started.elapsed() < std::time::Duration::from_secs(30) => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            None => panic!("policybot web did not answer on port {port}"),
        }
    };
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(client.get("/console/login").await.status, StatusCode::OK);
    assert_eq!(client.get("/chat/").await.status, StatusCode::OK);
    child.kill().ok();
    child.wait().ok();
    assert!(dir.path().join("policybot.db").exists(), "the default SQLite file in the working directory");
}

#[test]
fn policybot_web_keeps_delivery_rows_for_the_retention_period_it_is_given() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_policybot"))
        .args(["web", "--listen", "127.0.0.1:0", "--retention-days", "1"])
        .env_remove("RETENTION_DAYS")
        .output()
        .expect("policybot runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--retention-days") && said.contains('2'), "{said}");
}
