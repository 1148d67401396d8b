//! The citizens' chat over HTTP, on both backends: the page's contract, questions, buttons, the
//! language, a whole application with a photo, the conversation after a reload, status changes
//! reaching the page, and bad input refused with a clear message and nothing lost.

use policybot::filing::Status;
use policybot::staff::Decision;
use policybot::store::applications::{self, Filter};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Client, Page, WebApp, on_both_backends};

const ID: &str = "440802199001011238";
/// A PNG's signature and a little more: a photo by its content.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR photo";

/// A visitor's browser: its cookies, the page's token and the last entry it has.
pub struct Visit {
    pub client: Client,
    pub csrf: String,
    lang: &'static str,
    /// The last entry the page has, sent with each message as the page's script does.
    last: std::cell::Cell<i64>,
}

/// What an answer of the chat said.
#[derive(Debug)]
pub struct Said {
    pub status: StatusCode,
    pub json: Value,
}

impl Said {
    /// An answer of the chat, its body read as JSON (`Null` where it is not JSON).
    fn read(page: Page) -> Said {
        Said { status: page.status, json: serde_json::from_str(&page.body).unwrap_or(Value::Null) }
    }

    /// The texts of the entries of `role`, joined.
    pub fn of(&self, role: &str) -> String {
        entries(&self.json).filter(|entry| entry["role"] == role).map(text).collect::<Vec<_>>().join("\n")
    }

    /// The bot's words.
    pub fn bot(&self) -> String {
        self.of("bot")
    }

    /// The notice of a refused request.
    pub fn notice(&self) -> &str {
        self.json["notice"].as_str().unwrap_or_default()
    }

    /// The last entry's id.
    pub fn last(&self) -> i64 {
        entries(&self.json).filter_map(|entry| entry["id"].as_i64()).max().unwrap_or(0)
    }
}

fn entries(json: &Value) -> impl Iterator<Item = &Value> {
    json["entries"].as_array().into_iter().flatten()
}

fn text(entry: &Value) -> String {
    entry["text"].as_str().unwrap_or_default().to_owned()
}

impl Visit {
    /// A new browser opening the chat with `Accept-Language: lang`.
    pub async fn open(web: &WebApp, lang: &'static str) -> (Self, Page) {
        let mut visit = Self { client: web.client(), csrf: String::new(), lang, last: Default::default() };
        let page = visit.reload().await;
        (visit, page)
    }

    /// The page again (a reload).
    pub async fn reload(&mut self) -> Page {
        let page = self.client.get_with("/chat/", &[("accept-language", self.lang)]).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        self.csrf = page.csrf();
        self.last.set(last_shown(&page));
        page
    }

    fn headers(&self) -> Vec<(&str, &str)> {
        vec![("accept", "application/json"), ("accept-language", self.lang)]
    }

    async fn post(&self, path: &str, field: &str, value: &str) -> Said {
        let after = self.last.get().to_string();
        let fields = [(field, value), ("csrf_token", &self.csrf), ("after", &after)];
        let page = self.client.post_with(path, &fields, &self.headers()).await;
        self.said(page)
    }

    /// What a response said; its entries are the page's now.
    fn said(&self, page: Page) -> Said {
        let said = Said::read(page);
        self.last.set(self.last.get().max(said.last()));
        said
    }

    /// Types `text` and sends it.
    pub async fn say(&self, text: &str) -> Said {
        self.post("/chat/message", "text", text).await
    }

    /// Presses the button with `data`.
    pub async fn press(&self, data: &str) -> Said {
        self.post("/chat/choice", "choice", data).await
    }

    /// Uploads a file.
    pub async fn upload(&self, name: &str, mime: &str, bytes: Vec<u8>) -> Said {
        let mut headers = self.headers();
        headers.extend([("x-csrf-token", self.csrf.as_str()), ("content-type", mime), ("x-file-name", name)]);
        let page = self.client.post_body(&format!("/chat/upload?after={}", self.last.get()), bytes, &headers).await;
        self.said(page)
    }

    /// The news after entry `after`.
    pub async fn history(&self, after: i64) -> Said {
        Said::read(self.client.get_with(&format!("/chat/history?after={after}"), &self.headers()).await)
    }

    /// Asks for a talent-apartment application, consents and gives the personal details, each
    /// accepted; what the form asks next is the talent category.
    pub async fn start_apartment_form(&self) {
        let said = self.say("我要申请人才公寓").await;
        assert!(
            said.bot().contains("人才公寓申请") && said.bot().contains("个人信息"),
            "consent first: {}",
            said.bot()
        );
        assert!(said.json["form"].is_object(), "the form's controls show: {}", said.json);
        assert!(self.press("yes").await.bot().contains("您的姓名"));
        for answer in ["张三", ID, "13800138000", "宝钢湛江钢铁有限公司"] {
            let said = self.say(answer).await;
            assert!(!said.bot().contains("⚠️"), "{answer}: {}", said.bot());
        }
    }
}

/// The last entry a page shows (its `data-last`).
fn last_shown(page: &Page) -> i64 {
    let at = page.body.find("data-last=\"").expect("data-last") + "data-last=\"".len();
    page.body[at..].split('"').next().and_then(|n| n.parse().ok()).expect("a number")
}

/// The entries the page shows with `data-role="role"`.
fn count(page: &Page, role: &str) -> usize {
    page.body.matches(&format!("data-role=\"{role}\"")).count()
}

#[tokio::test]
async fn a_first_visit_gets_a_signed_cookie_the_greeting_with_examples_and_the_page_contract() {
    on_both_backends("chat_first_visit", |web| async move {
        let (mut visit, page) = Visit::open(&web, "zh-CN,zh;q=0.9").await;
        let cookie =
            page.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).collect::<Vec<_>>().join("\n");
        assert!(
            cookie.contains("chat_visitor=") && cookie.contains("HttpOnly") && cookie.contains("Max-Age="),
            "{cookie}"
        );
        let value = visit.client.cookie("chat_visitor").unwrap();
        assert!(value.split_once('.').is_some_and(|(id, tag)| id.len() >= 40 && !tag.is_empty()), "id.tag: {value}");
        for part in [
            "id=\"message\"",
            "type=\"submit\"",
            "data-role=\"bot\"",
            "button data-role=\"choice\"",
            "aria-live=\"polite\"",
            "<label for=\"message\"",
            "value=\"/status\"",
            "value=\"/mydata\"",
            "value=\"/forget\"",
            "<html lang=\"zh\"",
        ] {
            assert!(page.body.contains(part), "{part} in {}", page.body);
        }
        assert!(page.body.contains("例如"), "the greeting gives example questions: {}", page.body);
        assert!(!page.body.contains("type=\"file\""), "no file is asked for yet");
        assert!(!page.body.contains("⟦"), "every word is in the table");
        assert!(!page.body.contains("<script>") && !page.body.contains("style=\""), "no inline script or style");
        let mut total = page.bytes.len();
        for attribute in ["href=\"/static/", "src=\"/static/"] {
            let at = page.body.find(attribute).expect("an asset") + attribute.len() - "/static/".len();
            let url = page.body[at..].split('"').next().unwrap();
            let asset = visit.client.get(url).await;
            assert_eq!(asset.status, StatusCode::OK, "{url}");
            total += asset.bytes.len();
        }
        assert!(total < 100_000, "the page with its script and style is small: {total} bytes");
        let greeting = count(&page, "bot");
        let again = visit.reload().await;
        assert_eq!(count(&again, "bot"), greeting, "the greeting is given once");
        assert_eq!(visit.client.cookie("chat_visitor").unwrap(), value, "the visitor stays the same");
        web
    })
    .await;
}

#[tokio::test]
async fn a_question_is_answered_with_its_clause_in_the_visitors_language_and_the_switch_changes_it() {
    on_both_backends("chat_question", |web| async move {
        let (visit, page) = Visit::open(&web, "en-US,en;q=0.9").await;
        assert!(page.body.contains("<html lang=\"en\"") && page.body.contains("Hello!"), "{}", page.body);
        let said = visit.say("How do I apply for a talent apartment?").await;
        assert_eq!(said.status, StatusCode::OK);
        assert_eq!(said.of("user"), "How do I apply for a talent apartment?");
        assert!(said.bot().contains("— Clause 3"), "cited in English: {}", said.bot());
        let buttons =
            entries(&said.json).flat_map(|e| e["buttons"].as_array().cloned().unwrap_or_default()).collect::<Vec<_>>();
        assert!(buttons.iter().any(|b| b["data"] == "start:talent-apartment"), "a button to apply: {buttons:?}");

        let switched = visit.press("lang:zh").await;
        assert_eq!(switched.of("user"), "简体中文", "the switch shows as the language's name");
        let said = visit.say("人才公寓怎么申请？").await;
        assert!(said.bot().contains("第三条"), "cited in Chinese: {}", said.bot());
        let page = visit.client.get("/chat/").await;
        assert!(page.body.contains("<html lang=\"zh\""), "the page follows the visitor's language");
        web
    })
    .await;
}

/// Files a talent-apartment application through the chat; the visit and the reference.
pub async fn file_an_application(web: &WebApp) -> (Visit, String) {
    let (mut visit, _) = Visit::open(web, "zh-CN").await;
    visit.start_apartment_form().await;
    assert!(visit.press("choose:B").await.json["form"]["skip"] == true, "the reference may be skipped");
    let said = visit.say("跳过").await;
    assert!(said.bot().contains("人才身份证明"), "{}", said.bot());
    let accept = said.json["file"]["accept"].as_str().unwrap_or_default();
    assert!(accept.contains("image/png") && accept.contains("application/pdf"), "a file is asked for: {}", said.json);
    let page = visit.reload().await;
    assert!(page.body.contains("type=\"file\""), "the page shows a file input");
    let said = visit.upload("%E8%AF%81%E4%B9%A6.png", "image/png", PNG.to_vec()).await;
    assert_eq!(said.of("user"), "📎 证书.png");
    assert!(said.bot().contains("拟入住人数") && said.json["file"].is_null(), "{}", said.json);
    visit.say("3").await;
    visit.press("no").await;
    visit.press("choose:chikan").await;
    visit.say("2027-03").await;
    let summary = visit.say("无").await;
    assert!(summary.bot().contains("请确认") && summary.bot().contains("赤坎区"), "{}", summary.bot());
    let receipt = visit.press("confirm").await;
    let text = receipt.bot();
    let at = text.find("ZJ-APARTMENT-2026-").unwrap_or_else(|| panic!("a reference: {text}"));
    let reference = text[at..at + "ZJ-APARTMENT-2026-000001".len()].to_owned();
    assert!(receipt.json["form"].is_null(), "the form is over");
    (visit, reference)
}

#[tokio::test]
async fn a_talent_apartment_application_is_filed_with_buttons_and_a_photo() {
    on_both_backends("chat_application", |web| async move {
        let (_, reference) = file_an_application(&web).await;
        let mut conn = web.app.bot.store().acquire().await.unwrap();
        let application = applications::by_reference(&mut conn, &reference).await.unwrap().expect("filed");
        assert_eq!(application.status, Status::Submitted);
        assert_eq!(application.flow, "talent-apartment");
        drop(conn);
        web
    })
    .await;
}

#[tokio::test]
async fn the_conversation_survives_a_reload_and_the_form_resumes_where_it_was() {
    on_both_backends("chat_reload", |web| async move {
        let (mut visit, _) = Visit::open(&web, "zh-CN").await;
        visit.say("我要申请人才公寓").await;
        visit.press("yes").await;
        visit.say("李四").await;
        // A closed tab: a new page with the same cookie.
        let page = visit.reload().await;
        assert!(page.body.contains("李四") && page.body.contains("您的居民身份证号码"), "{}", page.body);
        assert!(
            !page.body.contains("id=\"controls\" class=\"controls\" data-send aria-label=\"填表操作\" hidden"),
            "controls shown"
        );
        let said = visit.say(ID).await;
        assert!(said.bot().contains("手机号码"), "the form goes on: {}", said.bot());
        let back = visit.say("返回上一步").await;
        assert!(back.bot().contains("当前答案"), "back: {}", back.bot());
        let news = visit.history(0).await;
        assert_eq!(news.of("user").lines().collect::<Vec<_>>(), ["我要申请人才公寓", "同意", "李四", ID, "返回上一步"]);
        web
    })
    .await;
}

#[tokio::test]
async fn a_status_change_reaches_the_page_when_it_asks_and_only_once() {
    on_both_backends("chat_status", |web| async move {
        let (visit, reference) = file_an_application(&web).await;
        let last = visit.history(0).await.last();
        assert!(visit.history(last).await.json["entries"].as_array().unwrap().is_empty(), "no news yet");
        web.app.review().decide(&reference, "staff:wang", &Decision::Approve(None)).await.unwrap();
        let news = visit.history(last).await;
        assert!(news.bot().contains(&reference) && news.bot().contains("通过"), "{}", news.json);
        assert!(visit.history(news.last()).await.json["entries"].as_array().unwrap().is_empty(), "taken once");
        let status = visit.say("/status").await;
        assert!(status.bot().contains(&reference), "{}", status.bot());
        let listed = web.app.review().list(&Filter::default()).await.unwrap();
        assert_eq!(listed[0].status, Status::Approved);
        web
    })
    .await;
}

#[tokio::test]
async fn the_answer_to_a_message_is_what_the_page_lacks_as_a_reload_reads_it() {
    on_both_backends("chat_answer", |web| async move {
        let (visit, reference) = file_an_application(&web).await;
        // A page with every entry: the answer is the visitor's entry and the replies (two here),
        // and where the visitor stands (a new form's controls), as read afterwards.
        let last = visit.last.get();
        let said = visit.say("我要申请人才公寓").await;
        assert_eq!(said.of("user"), "我要申请人才公寓");
        assert!(said.bot().contains("您的姓名") && said.json["form"].is_object(), "{}", said.json);
        assert_eq!(said.json, visit.history(last).await.json);

        // Another tab of the visitor's took a status change into the conversation, which this
        // page has not seen: the answer brings it too, before the visitor's entry.
        web.app.review().decide(&reference, "staff:wang", &Decision::Approve(None)).await.unwrap();
        let stale = visit.last.get();
        let news = visit.history(stale).await;
        assert!(news.bot().contains("通过"), "{}", news.json);
        let said = visit.say("王五").await;
        assert_eq!(entries(&said.json).next(), entries(&news.json).next(), "{}", said.json);
        assert!(said.of("user") == "王五" && said.bot().contains("身份证号码"), "{}", said.json);
        assert_eq!(said.json, visit.history(stale).await.json);
        web
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_message_and_nothing_lost() {
    on_both_backends("chat_bad_input", |web| async move {
        let (visit, _) = Visit::open(&web, "zh-CN").await;
        let before = visit.history(0).await.last();
        let long = visit.say(&"长".repeat(2001)).await;
        assert_eq!(long.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(long.notice().contains("最多 2000"), "{}", long.json);
        assert_eq!(visit.say("   ").await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let forged = visit.press("start:talent-apartment").await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY, "a button never offered");
        assert!(forged.notice().contains("按钮"), "{}", forged.json);
        // No token, a wrong token, another site: refused before anything is kept.
        let bare =
            visit.client.post_with("/chat/message", &[("text", "你好")], &[("accept", "application/json")]).await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN);
        let wrong = visit.client.post("/chat/message", &[("text", "你好"), ("csrf_token", "x")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        let fields = [("text", "你好"), ("csrf_token", visit.csrf.as_str())];
        let cross = visit.client.post_with("/chat/message", &fields, &[("origin", "https://evil.example")]).await;
        assert_eq!(cross.status, StatusCode::FORBIDDEN);
        let upload = visit.client.post_body("/chat/upload", PNG.to_vec(), &[("content-type", "image/png")]).await;
        assert_eq!(upload.status, StatusCode::FORBIDDEN, "an upload without its header token");
        assert_eq!(visit.history(0).await.last(), before, "nothing was kept");

        // A file where none is asked, too large, or not what its name says.
        visit.start_apartment_form().await;
        visit.press("choose:high-skill").await;
        let big = visit.upload("big.png", "image/png", vec![0x89; 21 * 1024 * 1024]).await;
        assert_eq!(big.status, StatusCode::OK);
        assert!(big.bot().contains("20 MB") || big.bot().contains("20MB"), "the limit is explained: {}", big.bot());
        let html = visit.upload("photo.jpg", "image/jpeg", b"<html><script>alert(1)</script></html>".to_vec()).await;
        assert!(html.bot().contains("按文件内容判断"), "the content decides: {}", html.bot());
        assert!(html.json["file"].is_object(), "the file is still asked for");
        let good = visit.upload("ok.png", "image/png", PNG.to_vec()).await;
        assert!(good.bot().contains("拟入住人数"), "{}", good.bot());
        web
    })
    .await;
}

#[tokio::test]
async fn a_forged_cookie_names_nobody_and_gets_a_new_visitor() {
    on_both_backends("chat_forged", |web| async move {
        let (owner, _) = Visit::open(&web, "zh-CN").await;
        owner.say("博士后有什么补贴？").await;
        let id = owner.client.cookie("chat_visitor").unwrap().split_once('.').unwrap().0.to_owned();
        let forger = web.client();
        forger.set_cookie("chat_visitor", Some(&format!("{id}.AAAAforgedtag")));
        let page = forger.get("/chat/").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("博士后有什么补贴") && count(&page, "user") == 0,
            "the owner's conversation is not shown"
        );
        assert!(!forger.cookie("chat_visitor").unwrap().starts_with(&id), "a new visitor");
        forger.set_cookie("chat_visitor", Some(&format!("{id}.AAAAforgedtag")));
        let news = forger.get_with("/chat/history?after=0", &[("accept", "application/json")]).await;
        assert_eq!(news.status, StatusCode::FORBIDDEN);
        assert!(news.body.contains("刷新"), "{}", news.body);
        web
    })
    .await;
}

#[tokio::test]
async fn forget_erases_the_conversation_and_a_page_without_script_works_through_forms() {
    on_both_backends("chat_forget", |web| async move {
        let (visit, _) = Visit::open(&web, "zh-CN").await;
        // Without the script: a form post, then back to the page.
        let posted =
            visit.client.post("/chat/message", &[("text", "人才公寓怎么申请？"), ("csrf_token", &visit.csrf)]).await;
        assert_eq!(posted.status, StatusCode::SEE_OTHER);
        assert!(posted.location().starts_with("/chat/"));
        let page = visit.client.get("/chat/").await;
        assert!(page.body.contains("人才公寓怎么申请？") && page.body.contains("第三条"), "{}", page.body);
        let asked = visit.say("/forget").await;
        assert!(entries(&asked.json).any(|e| e["buttons"].to_string().contains("forget:yes")), "{}", asked.json);
        let forgot = visit.press("forget:yes").await;
        assert_eq!(forgot.json["reset"], true);
        assert!(!forgot.of("user").contains("人才公寓"), "{}", forgot.json);
        let news = visit.history(0).await;
        assert!(!news.of("user").contains("人才公寓怎么申请") && !news.bot().contains("第三条"), "{}", news.json);
        web
    })
    .await;
}
