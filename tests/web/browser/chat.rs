//! The citizens' chat in a real browser: a question and its cited answer; a talent-apartment
//! application with buttons and a photo, reloaded in the middle, on a phone-sized window (whose
//! screenshot is `docs/chat/phone.png`).

use std::time::{Duration, Instant};

use super::Browser;
use crate::support::spawn;

const ID: &str = "440802199001011238";

impl Browser {
    /// The text of every element `css` selects, one per line.
    async fn texts(&self, css: &str) -> String {
        let script = format!(
            "return [...document.querySelectorAll({})].map(e => e.textContent).join('\\n')",
            serde_json::to_string(css).unwrap()
        );
        self.eval(&script).await.as_str().unwrap_or_default().to_owned()
    }

    /// Waits until the elements `css` selects say `text`.
    async fn wait_for_text(&self, css: &str, text: &str) {
        let started = Instant::now();
        loop {
            let texts = self.texts(css).await;
            if texts.contains(text) {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no {text:?} in {css}: {texts}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many bot messages the page shows.
    async fn bot_messages(&self) -> u64 {
        self.eval("return document.querySelectorAll('[data-role=bot]').length").await.as_u64().unwrap_or(0)
    }

    /// Waits for a bot message after the first `before`.
    async fn wait_for_reply(&self, before: u64) {
        let started = Instant::now();
        while self.bot_messages().await <= before {
            assert!(started.elapsed() < Duration::from_secs(10), "no reply");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into the message box, sends it and waits for the reply.
    async fn send(&self, text: &str) {
        let before = self.bot_messages().await;
        self.type_into("#message", text).await;
        self.click("#send").await;
        self.wait_for_reply(before).await;
        let left = self.eval("return document.getElementById('message').value").await;
        assert_eq!(left, "", "the box is cleared once sent");
    }

    /// Presses the button with `data` under the latest message and waits for the reply.
    async fn press(&self, data: &str) {
        let before = self.bot_messages().await;
        self.click(&format!("button[data-role=\"choice\"][value=\"{data}\"]:enabled")).await;
        self.wait_for_reply(before).await;
    }
}

#[tokio::test]
async fn a_question_typed_in_the_chat_gets_the_cited_answer() {
    let test = "a_question_typed_in_the_chat_gets_the_cited_answer";
    let Some(browser) = Browser::start(test, 1024, 768).await else { return };
    let web = spawn().await;
    browser.open(&format!("{}/chat/", web.base)).await;
    browser.wait_for_text("[data-role=bot]", "例如").await;
    browser.send("人才公寓怎么申请？").await;
    browser.wait_for_text("[data-role=user]", "人才公寓怎么申请？").await;
    browser.wait_for_text("[data-role=bot]", "第三条").await;
    let focused = browser.eval("return document.activeElement.id || document.activeElement.dataset.role").await;
    assert!(focused == "message" || focused == "choice", "the keyboard stays in the conversation: {focused}");
    browser.close().await;
    web.close().await;
}

#[tokio::test]
async fn a_talent_apartment_application_with_a_photo_survives_a_reload_on_a_phone() {
    let test = "a_talent_apartment_application_with_a_photo_survives_a_reload_on_a_phone";
    let Some(browser) = Browser::start(test, 360, 740).await else { return };
    let web = spawn().await;
    let chat = format!("{}/chat/", web.base);
    browser.open(&chat).await;
    browser.wait_for_text("[data-role=bot]", "例如").await;
    let wide = browser.eval("return document.documentElement.scrollWidth").await.as_u64().unwrap();
    assert!(wide <= 360, "nothing wider than the phone: {wide}px");
    browser.send("人才公寓怎么申请？").await;
    browser.wait_for_text("[data-role=bot]", "第三条").await;
    browser.screenshot("phone").await;

    browser.press("start:talent-apartment").await;
    browser.wait_for_text("[data-role=bot]", "个人信息").await;
    browser.press("yes").await;
    browser.send("张三").await;
    browser.send(ID).await;
    // The phone went to sleep: the page is loaded again, the conversation and the form are there.
    browser.open(&chat).await;
    assert_eq!(browser.path().await, "/chat/");
    browser.wait_for_text("[data-role=user]", ID).await;
    browser.wait_for_text("[data-role=bot]", "手机号码").await;
    browser.send("13800138000").await;
    browser.send("宝钢湛江钢铁有限公司").await;
    browser.press("choose:B").await;
    browser.click("#skip").await;
    browser.wait_for_text("[data-role=bot]", "人才身份证明").await;

    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("证书.png");
    std::fs::write(&photo, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR photo").unwrap();
    let before = browser.bot_messages().await;
    browser.find("input[type=file]").await.send_keys(&photo.display().to_string()).await.unwrap();
    browser.wait_for_reply(before).await;
    browser.wait_for_text("[data-role=user]", "📎 证书.png").await;
    browser.wait_for_text("[data-role=bot]", "拟入住人数").await;
    let file_inputs = browser.eval("return document.querySelectorAll('input[type=file]').length").await;
    assert_eq!(file_inputs, 0, "the file input goes once the file is in");
    browser.send("3").await;
    browser.press("no").await;
    browser.press("choose:chikan").await;
    browser.send("2027-03").await;
    browser.send("无").await;
    browser.wait_for_text("[data-role=bot]", "请确认").await;
    browser.screenshot("phone-summary").await;
    browser.press("confirm").await;
    browser.wait_for_text("[data-role=bot]", "ZJ-APARTMENT-2026-000001").await;
    browser.close().await;
    web.close().await;
}
