//! The staff console over HTTP: signing in (sessions, throttling, timeouts), every page, the
//! decisions through the review path, files, exports and the security rules, on both backends.

use policybot::clock::Clock;
use policybot::filing::Status;
use policybot::staff::Decision;
use policybot::staff::accounts::{ABSOLUTE_TIMEOUT_MS, Accounts, IDLE_TIMEOUT_MS, Role};
use policybot::store::{applications, audit};
use reqwest::StatusCode;

use crate::support::{Page, WebApp, on_both_backends, spawn, spawn_https};

const ID: &str = "440802199003071234";
const OTHER_ID: &str = "440802199003151234";

/// Every console page but the sign-in page.
const PAGES: [&str; 6] = [
    "/console/applications",
    "/console/applications/ZJ-APARTMENT-2026-000001",
    "/console/applications/export?format=csv",
    "/console/questions",
    "/console/figures",
    "/console/audit",
];

/// A page rendered whole: 200, no word missing from the table, no inline script or style.
fn rendered(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains('⟦'), "a word is missing: {}", page.body);
    assert!(!page.body.contains("<script>") && !page.body.contains(" style="), "inline script or style");
}

async fn status_of(web: &WebApp, reference: &str) -> Status {
    let mut conn = web.app.bot.store().acquire().await.unwrap();
    applications::by_reference(&mut conn, reference).await.unwrap().unwrap().status
}

async fn audit_lines(web: &WebApp) -> Vec<String> {
    let mut conn = web.app.bot.store().acquire().await.unwrap();
    let entries = audit::latest(&mut conn, 100).await.unwrap();
    entries.into_iter().map(|entry| format!("{} {} {}", entry.actor, entry.action, entry.detail)).collect()
}

#[tokio::test]
async fn every_console_page_but_login_sends_an_anonymous_visitor_to_login() {
    let web = spawn().await;
    let client = web.client();
    for path in PAGES {
        let page = client.get(path).await;
        assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/console/login"), "{path}");
    }
    client.set_cookie("console_session", Some("made-up-session-id"));
    let page = client.get("/console/applications").await;
    assert_eq!(page.location(), "/console/login", "an unknown session is no session");
    rendered(&client.get("/console/login").await);
    web.close().await;
}

#[tokio::test]
async fn a_wrong_password_creates_no_session_and_a_right_one_a_new_strict_http_only_id() {
    on_both_backends(
        "a_wrong_password_creates_no_session_and_a_right_one_a_new_strict_http_only_id",
        |web| async move {
            let password = web.account("wang", Role::Reviewer).await;
            let client = web.client();
            let refused = client.log_in("wang", "wrong-password").await;
            assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
            assert!(refused.body.contains("用户名或密码不正确"), "{}", refused.body);
            assert!(client.cookie("console_session").is_none(), "no session for a wrong password");
            let unknown = client.log_in("nobody", &password).await;
            assert_eq!(unknown.status, StatusCode::UNAUTHORIZED, "an unknown name reads the same");

            let page = client.log_in("wang", &password).await;
            assert_eq!((page.status, page.location()), (StatusCode::SEE_OTHER, "/console/applications"));
            let set =
                page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
            let session = set.iter().find(|cookie| cookie.starts_with("console_session=")).expect("a session cookie");
            assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
            assert!(!session.contains("Secure"), "plain HTTP here: {session}");
            let first = client.cookie("console_session").unwrap();
            assert!(first.len() >= 43, "a 256-bit id: {first}");
            rendered(&client.get("/console/applications").await);

            // Signing in again, even holding a session, gives a new id and ends the old one.
            let token = client.get("/console/applications").await.csrf();
            client
                .post("/console/login", &[("csrf_token", &token), ("username", "wang"), ("password", &password)])
                .await;
            let second = client.cookie("console_session").unwrap();
            assert_ne!(first, second);
            let old = web.client();
            old.set_cookie("console_session", Some(&first));
            assert_eq!(old.get("/console/applications").await.location(), "/console/login");
            assert!(audit_lines(&web).await.iter().any(|line| line.starts_with("web:wang login 127.0.0.1")));
            web
        },
    )
    .await;
}

#[tokio::test]
async fn with_https_the_session_cookie_is_secure() {
    let web = spawn_https().await;
    let password = web.account("wang", Role::Reviewer).await;
    let page = web.client().log_in("wang", &password).await;
    let session = page.header("set-cookie");
    assert!(session.starts_with("console_session=") && session.contains("Secure"), "{session}");
    web.close().await;
}

#[tokio::test]
async fn repeated_failures_are_slowed_down_per_account_and_per_address() {
    on_both_backends("repeated_failures_are_slowed_down_per_account_and_per_address", |web| async move {
        let password = web.account("wang", Role::Reviewer).await;
        let client = web.client();
        for _ in 0..5 {
            assert_eq!(client.log_in("wang", "guess-guess-guess").await.status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(client.log_in("wang", "guess-guess-guess").await.status, StatusCode::UNAUTHORIZED);
        let blocked = client.log_in("wang", &password).await;
        assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        assert!(blocked.body.contains("秒后再试") && blocked.header("retry-after") == "30", "{}", blocked.body);
        assert!(client.cookie("console_session").is_none());

        // Guessing many names from one address blocks the address, for every name.
        let other = web.account("li", Role::Reviewer).await;
        for n in 0..15 {
            client.log_in(&format!("name{n}"), "guess-guess-guess").await;
        }
        let page = client.log_in("li", &other).await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "the address is blocked: {}", page.body);
        web
    })
    .await;
}

#[tokio::test]
async fn sessions_end_after_the_idle_and_the_absolute_timeout_and_with_a_disabled_account() {
    on_both_backends(
        "sessions_end_after_the_idle_and_the_absolute_timeout_and_with_a_disabled_account",
        |web| async move {
            let password = web.account("wang", Role::Reviewer).await;
            let store = web.app.bot.store().clone();
            let at = |ms: i64| {
                Accounts::new(
                    store.clone(),
                    Clock::Fixed(web.app.bot.clock().now() + chrono::TimeDelta::milliseconds(ms)),
                )
            };
            let id = at(0).login("wang", &password, "10.0.0.1").await.unwrap();
            let used = IDLE_TIMEOUT_MS - 1000;
            assert!(at(used).viewer(&id).await.unwrap().is_some(), "in use");
            assert!(at(used + IDLE_TIMEOUT_MS - 1000).viewer(&id).await.unwrap().is_some(), "used again");
            assert!(at(used + 2 * IDLE_TIMEOUT_MS).viewer(&id).await.unwrap().is_none(), "idle too long");
            let busy = at(0).login("wang", &password, "10.0.0.1").await.unwrap();
            let mut now = 0;
            while now + IDLE_TIMEOUT_MS / 2 < ABSOLUTE_TIMEOUT_MS {
                now += IDLE_TIMEOUT_MS / 2;
                assert!(at(now).viewer(&busy).await.unwrap().is_some(), "busy at {now}");
            }
            assert!(at(ABSOLUTE_TIMEOUT_MS + 1).viewer(&busy).await.unwrap().is_none(), "past the absolute timeout");

            let client = web.client();
            client.log_in("wang", &password).await;
            rendered(&client.get("/console/applications").await);
            web.accounts().disable(&"wang".parse().unwrap(), "cli:admin").await.unwrap();
            assert_eq!(client.get("/console/applications").await.location(), "/console/login", "disabled: out at once");
            assert_eq!(client.log_in("wang", &password).await.status, StatusCode::UNAUTHORIZED);
            web
        },
    )
    .await;
}

#[tokio::test]
async fn the_list_filters_searches_and_masks_with_links_to_each_application() {
    on_both_backends("the_list_filters_searches_and_masks_with_links_to_each_application", |web| async move {
        let first = web.file_apartment("7001", "张三", ID).await;
        let second = web.file_apartment("7002", "李四", OTHER_ID).await;
        let client = web.signed_in("wang", Role::Reviewer).await;
        // A decided application goes after those waiting, however new.
        web.app.bot.review().open(&second, "test").await.unwrap();
        web.app.bot.review().decide(&second, "test", &Decision::Approve(None)).await.unwrap();
        let page = client.get("/console/applications").await;
        rendered(&page);
        assert!(page.body.contains(&format!("href=\"/console/applications/{first}\"")));
        assert!(page.body.find(&first).unwrap() < page.body.find(&second).unwrap(), "waiting first");
        assert!(!page.body.contains(ID) && !page.body.contains(OTHER_ID), "identifiers are masked in lists");
        assert!(page.body.contains("张三"), "with the name staff search by: {}", page.body);

        let found = client.get("/console/applications?q=%E6%9D%8E%E5%9B%9B").await;
        assert!(found.body.contains(&second) && !found.body.contains(&first), "search by name");
        let found = client.get(&format!("/console/applications?q={}", &first[first.len() - 4..])).await;
        assert!(found.body.contains(&first) && !found.body.contains(&second), "search by part of a reference");
        let found = client.get(&format!("/console/applications?q={}", first.to_lowercase())).await;
        assert!(found.body.contains(&first) && !found.body.contains(&second), "search by a whole reference, any case");
        let found = client.get(&format!("/console/applications?q={}&status=approved", first)).await;
        assert!(!found.body.contains(&format!("href=\"/console/applications/{first}\"")), "and the other filters");
        let approved = client.get("/console/applications?status=approved").await;
        assert!(approved.body.contains(&second) && !approved.body.contains(&first), "by status");
        let none = client.get("/console/applications?flow=settlement").await;
        assert!(!none.body.contains(&first) && none.body.contains("没有符合条件的申请"), "by form");
        let today = client.get("/console/applications?from=2026-11-23&to=2026-11-23").await;
        assert!(today.body.contains(&first) && today.body.contains(&second), "filed today");
        let before = client.get("/console/applications?to=2026-11-22").await;
        assert!(!before.body.contains(&first), "not filed before today");
        web
    })
    .await;
}

#[tokio::test]
async fn the_list_pages_by_fifty() {
    let web = spawn().await;
    let client = web.signed_in("wang", Role::Reviewer).await;
    web.file_apartment("7001", "张三", ID).await;
    let page = client.get("/console/applications?page=2").await;
    rendered(&page);
    assert!(page.body.contains("2 / 1") || page.body.contains("没有符合条件"), "{}", page.body);
    let page = client.get("/console/applications").await;
    assert!(page.body.contains("1 / 1") && !page.body.contains("rel=\"next\""));
    web.close().await;
}

#[tokio::test]
async fn an_application_shows_everything_and_is_decided_through_the_review_path() {
    on_both_backends("an_application_shows_everything_and_is_decided_through_the_review_path", |web| async move {
        let reference = web.file_apartment("7001", "张三", ID).await;
        let client = web.signed_in("wang", Role::Reviewer).await;
        let path = format!("/console/applications/{reference}");
        let page = client.get(&path).await;
        rendered(&page);
        assert_eq!(page.header("cache-control"), "no-store");
        assert!(
            page.body.contains("身份证号") && page.body.contains(ID) && page.body.contains("张三"),
            "{}",
            page.body
        );
        assert!(page.body.contains(&format!("<img src=\"{path}/files/")), "the photo inline");
        for action in ["approve", "reject", "need-info"] {
            assert!(page.body.contains(&format!("data-action=\"{action}\"")), "{action}");
        }
        assert_eq!(status_of(&web, &reference).await, Status::InReview, "opened: in review");

        let token = page.csrf();
        let refused = client
            .post(&format!("{path}/decision"), &[("csrf_token", &token), ("action", "reject"), ("note", " ")])
            .await;
        assert!(refused.location().ends_with("error=need_reason"), "{}", refused.location());
        let shown = client.get(refused.location()).await;
        assert!(shown.body.contains("驳回需要填写理由"), "{}", shown.body);
        let done = client
            .post(&format!("{path}/decision"), &[("csrf_token", &token), ("action", "approve"), ("note", "材料齐全")])
            .await;
        assert_eq!((done.status, done.location()), (StatusCode::SEE_OTHER, format!("{path}?done=approved").as_str()));
        assert_eq!(status_of(&web, &reference).await, Status::Approved);
        let shown = client.get(done.location()).await;
        assert!(shown.body.contains("已处理") && shown.body.contains("web:wang") && shown.body.contains("材料齐全"));
        assert!(!shown.body.contains("data-action=\"approve\""), "nothing left to decide");

        let told = web.outbox_payloads().await;
        assert!(told.iter().any(|payload| payload.contains(&reference) && payload.contains("已通过")), "{told:?}");
        let audit = audit_lines(&web).await;
        assert!(audit.contains(&format!("web:wang approved {reference}")), "{audit:?}");
        assert!(audit.contains(&format!("web:wang show {reference}")), "{audit:?}");
        web
    })
    .await;
}

#[tokio::test]
async fn need_info_names_fields_and_a_post_without_a_token_changes_nothing() {
    let web = spawn().await;
    let reference = web.file_apartment("7001", "张三", ID).await;
    let client = web.signed_in("wang", Role::Reviewer).await;
    let path = format!("/console/applications/{reference}");
    let token = client.get(&path).await.csrf();
    let forged = client.post(&format!("{path}/decision"), &[("action", "approve")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let forged = client.post(&format!("{path}/decision"), &[("csrf_token", "forged"), ("action", "approve")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&web, &reference).await, Status::InReview, "unchanged");

    let none = client
        .post(&format!("{path}/decision"), &[("csrf_token", &token), ("action", "need-info"), ("note", "看不清")])
        .await;
    assert!(none.location().ends_with("error=need_fields"));
    let asked = client
        .post(
            &format!("{path}/decision"),
            &[
                ("csrf_token", &token),
                ("action", "need-info"),
                ("field", "id_card"),
                ("field", "phone"),
                ("note", "号码看不清"),
            ],
        )
        .await;
    assert!(asked.location().ends_with("done=need_info"), "{}", asked.location());
    assert_eq!(status_of(&web, &reference).await, Status::NeedInfo);
    let page = client.get(&path).await;
    assert!(page.body.contains("id_card, phone"), "the history names the fields");
    web.close().await;
}

#[tokio::test]
async fn files_are_served_with_their_checked_type_and_a_disposition_never_as_html() {
    let web = spawn().await;
    let reference = web.file_apartment("7001", "张三", ID).await;
    let client = web.signed_in("wang", Role::Reviewer).await;
    let page = client.get(&format!("/console/applications/{reference}")).await;
    let at = page.body.find("/files/").unwrap();
    let url = page.body[at - reference.len() - "/console/applications/".len()..].split('"').next().unwrap().to_owned();
    let file = client.get(&url).await;
    assert_eq!((file.status, file.header("content-type")), (StatusCode::OK, "image/png"));
    assert!(
        file.header("content-disposition").starts_with("inline; filename="),
        "{}",
        file.header("content-disposition")
    );
    assert_eq!(file.header("x-content-type-options"), "nosniff");
    assert!(file.bytes.starts_with(b"\x89PNG"));
    let download = client.get(&format!("{url}?download=1")).await;
    assert!(download.header("content-disposition").starts_with("attachment;"));
    assert_eq!(client.get(&format!("{url}9")).await.status, StatusCode::NOT_FOUND);
    assert!(audit_lines(&web).await.iter().any(|line| line.starts_with(&format!("web:wang file {reference}"))));
    web.close().await;
}

#[tokio::test]
async fn exports_of_the_current_filter_are_csv_or_xlsx_and_audited() {
    on_both_backends("exports_of_the_current_filter_are_csv_or_xlsx_and_audited", |web| async move {
        let first = web.file_apartment("7001", "张三", ID).await;
        let client = web.signed_in("wang", Role::Reviewer).await;
        let list = client.get("/console/applications?status=submitted").await;
        assert!(list.body.contains("/console/applications/export?status=submitted&#38;format=csv"), "{}", list.body);
        let csv = client.get("/console/applications/export?status=submitted&format=csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header("content-type").starts_with("text/csv"));
        assert!(csv.header("content-disposition").starts_with("attachment; filename=\"applications-"));
        assert!(csv.body.contains(&first));
        let none = client.get("/console/applications/export?status=approved&format=csv").await;
        assert!(!none.body.contains(&first), "only the filter's applications");
        let xlsx = client.get("/console/applications/export?format=xlsx").await;
        assert!(xlsx.bytes.starts_with(b"PK"), "a zip: an XLSX workbook");
        assert_eq!(client.get("/console/applications/export?format=pdf").await.status, StatusCode::BAD_REQUEST);
        let audit = audit_lines(&web).await;
        assert!(audit.iter().any(|line| line == "web:wang export csv, 1 applications: status=submitted"), "{audit:?}");
        assert!(audit.iter().any(|line| line.starts_with("web:wang export xlsx")), "{audit:?}");
        web
    })
    .await;
}

#[tokio::test]
async fn only_admins_see_the_audit_log() {
    let web = spawn().await;
    let reviewer = web.signed_in("wang", Role::Reviewer).await;
    let page = reviewer.get("/console/audit").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!reviewer.get("/console/applications").await.body.contains("/console/audit"), "no menu item");
    let admin = web.signed_in("zhao", Role::Admin).await;
    let page = admin.get("/console/audit").await;
    rendered(&page);
    assert!(page.body.contains("web:wang") && page.body.contains("login"), "{}", page.body);
    web.close().await;
}

#[tokio::test]
async fn the_questions_page_groups_what_the_bot_could_not_answer() {
    on_both_backends("the_questions_page_groups_what_the_bot_could_not_answer", |web| async move {
        web.say("7001", "你们食堂的红烧肉好吃吗").await;
        web.say("7002", "你们食堂的红烧肉好不好吃").await;
        web.say("7003", "转人工").await;
        let client = web.signed_in("wang", Role::Reviewer).await;
        let page = client.get("/console/questions").await;
        rendered(&page);
        assert!(page.body.contains("红烧肉"), "{}", page.body);
        assert!(page.body.contains("无法回答") || page.body.contains("回答不确定"), "{}", page.body);
        web
    })
    .await;
}

#[tokio::test]
async fn the_figures_show_each_forms_funnel_and_the_qa_counts_as_svg() {
    on_both_backends("the_figures_show_each_forms_funnel_and_the_qa_counts_as_svg", |web| async move {
        web.file_apartment("7001", "张三", ID).await;
        web.say("7002", "我要申请人才公寓").await;
        web.say("7003", "人才公寓的租金是多少").await;
        let client = web.signed_in("wang", Role::Reviewer).await;
        let page = client.get("/console/figures").await;
        rendered(&page);
        assert!(page.body.contains("<svg class=\"chart\""), "server-rendered charts");
        let apartment = page.body.find("人才公寓申请").expect("the apartment form's funnel");
        let heading: String = page.body[apartment..].chars().take(80).collect();
        assert!(heading.contains("开始 2") && heading.contains("提交 1"), "{heading}");
        assert!(page.body.contains("每日问题数") && page.body.contains("已回答"), "{}", page.body);
        web
    })
    .await;
}

#[tokio::test]
async fn the_console_speaks_english_when_asked() {
    let web = spawn().await;
    let client = web.signed_in("wang", Role::Reviewer).await;
    let page = client.get("/console/applications").await;
    assert!(page.body.contains("lang=\"zh\"") && page.body.contains("申请"));
    let switch = client.get("/console/lang/en?back=%2Fconsole%2Fquestions").await;
    assert_eq!(switch.location(), "/console/questions");
    let page = client.get("/console/applications").await;
    rendered(&page);
    assert!(page.body.contains("lang=\"en\"") && page.body.contains("Applications") && page.body.contains("中文"));
    let away = client.get("/console/lang/zh?back=https%3A%2F%2Fevil.example").await;
    assert_eq!(away.location(), "/console/applications", "never away from the console");
    web.close().await;
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let web = spawn().await;
    let client = web.signed_in("wang", Role::Reviewer).await;
    let id = client.cookie("console_session").unwrap();
    let token = client.get("/console/applications").await.csrf();
    let page = client.post("/console/logout", &[("csrf_token", &token)]).await;
    assert_eq!(page.location(), "/console/login");
    let replay = web.client();
    replay.set_cookie("console_session", Some(&id));
    assert_eq!(replay.get("/console/applications").await.location(), "/console/login");
    web.close().await;
}
