//! End to end on Telegram: the real `serve` (teloxide, the outbox sender, the bot core on SQLite)
//! against the fake Bot API server on loopback, driven as users and staff drive it.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Duration;

use fake_telegram::{FakeTelegram, Sent};
use policybot::bot::commands::{self, Audience, COMMANDS};
use policybot::clock::Clock;
use policybot::dialog::value::Value;
use policybot::filing::Status;
use policybot::lang::Lang;
use policybot::store::inbox::{self, Stored};
use policybot::store::{applications, attachments, audit, users};
use policybot::telegram::{self, Config, TelegramError};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::{STAFF_CHAT, STAFF_MEMBER, TestApp, reference_in, spawn_app_at};
use crate::http;

const TOKEN: &str = "4242:fake-token";
/// Longest wait for a reply; a healthy run answers in milliseconds.
const WAIT: Duration = Duration::from_secs(20);
/// A reply is complete when nothing more arrives for this long.
const QUIET: Duration = Duration::from_millis(150);
const ID: &str = "440802199001011238";

fn staff_chat() -> i64 {
    STAFF_CHAT.parse().unwrap()
}

fn staff_member() -> i64 {
    STAFF_MEMBER.parse().unwrap()
}

/// `policybot serve` running against a fake Telegram.
struct Live {
    fake: FakeTelegram,
    test: TestApp,
    serving: Option<JoinHandle<Result<(), TelegramError>>>,
    stop: Option<oneshot::Sender<()>>,
    /// Per chat, how many sent messages the test has looked at.
    seen: Mutex<HashMap<i64, usize>>,
}

impl Live {
    /// Long polling.
    async fn start() -> Live {
        Self::start_with(|_| {}).await
    }

    async fn start_with(configure: impl FnOnce(&mut Config)) -> Live {
        Self::start_after(async |_, _| {}, configure).await
    }

    /// Runs `prepare` on the fake and the app before `serve` starts.
    async fn start_after(
        prepare: impl AsyncFnOnce(&FakeTelegram, &TestApp),
        configure: impl FnOnce(&mut Config),
    ) -> Live {
        let fake = FakeTelegram::start(TOKEN).await;
        // A running clock, so retries fall due; the day is fixed so form dates stay valid.
        let test = spawn_app_at(Clock::starting_at(2026, 11, 23, 10)).await;
        prepare(&fake, &test).await;
        let mut config = Config::long_polling(TOKEN.into(), Some(fake.url().parse().unwrap()));
        configure(&mut config);
        let (stop, stopped) = oneshot::channel::<()>();
        let serving = tokio::spawn(telegram::serve(test.app.bot.clone(), config, async {
            stopped.await.ok();
        }));
        Live { fake, test, serving: Some(serving), stop: Some(stop), seen: Mutex::default() }
    }

    /// The messages that arrived in `chat` since the last look, once at least one did and then
    /// nothing more for a moment.
    async fn next(&self, chat: i64) -> Vec<Sent> {
        let seen = self.seen.lock().unwrap().get(&chat).copied().unwrap_or(0);
        let mut count = self.fake.wait_for(chat, seen + 1, WAIT).await.len();
        loop {
            tokio::time::sleep(QUIET).await;
            let sent = self.fake.sent(chat);
            if sent.len() == count {
                self.seen.lock().unwrap().insert(chat, count);
                return sent[seen..].to_vec();
            }
            count = sent.len();
        }
    }

    /// The messages that arrived in `chat` since the last look, once one contains `needle`.
    async fn until(&self, chat: i64, needle: &str) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let seen = self.seen.lock().unwrap().get(&chat).copied().unwrap_or(0);
        loop {
            let sent = self.fake.sent(chat);
            if sent[seen..].iter().any(|sent| sent.text.contains(needle)) {
                self.seen.lock().unwrap().insert(chat, sent.len());
                return sent[seen..].to_vec();
            }
            assert!(tokio::time::Instant::now() < deadline, "no {needle:?} in chat {chat}: {sent:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// `user` writes `text` in their own chat; the bot's answer.
    async fn say(&self, user: i64, text: &str) -> Vec<Sent> {
        self.fake.send_text(user, text, Some("zh-hans"));
        self.next(user).await
    }

    /// `user` presses the button carrying `data` under the latest message in `chat` that has it.
    async fn press_in(&self, chat: i64, user: i64, data: &str) -> Vec<Sent> {
        let message = self
            .fake
            .sent(chat)
            .iter()
            .rev()
            .find(|sent| sent.buttons.iter().flatten().any(|(_, d)| d == data))
            .unwrap_or_else(|| panic!("no button {data:?} in chat {chat}: {:#?}", self.fake.sent(chat)))
            .message_id;
        self.fake.press(chat, user, message, data);
        self.next(chat).await
    }

    async fn press(&self, user: i64, data: &str) -> Vec<Sent> {
        self.press_in(user, user, data).await
    }

    /// Staff member writes `text` in the staff chat; the bot's answer there.
    async fn staff_says(&self, text: &str) -> Vec<Sent> {
        self.fake.send_group_text(staff_chat(), staff_member(), text);
        self.next(staff_chat()).await
    }

    /// Fills in a tax-guidance appointment for `user` up to its summary.
    async fn tax_form_to_summary(&self, user: i64) {
        self.say(user, "预约个税汇算辅导").await;
        self.press(user, "yes").await;
        for answer in ["吴九", "13800138000", "湛江港集团", "2026-11-25", "1", "专项附加扣除怎么填"] {
            let reply = text(&self.say(user, answer).await);
            assert!(!reply.contains("⚠️"), "{answer:?} was refused: {reply}");
        }
    }

    /// Files a tax-guidance appointment for `user`; its reference.
    async fn file_tax_form(&self, user: i64) -> String {
        self.tax_form_to_summary(user).await;
        receipt_reference(&self.press(user, "confirm").await)
    }

    async fn status_of(&self, reference: &str) -> Status {
        let mut conn = self.test.app.bot.store().read().await.unwrap();
        applications::by_reference(&mut conn, reference).await.unwrap().expect("filed").status
    }

    /// How many times a text containing `needle` arrived in `chat` (edits not counted).
    fn delivered(&self, chat: i64, needle: &str) -> usize {
        self.fake.sent(chat).iter().filter(|sent| !sent.edited && sent.text.contains(needle)).count()
    }
}

impl Live {
    /// Stops `serve` the way Ctrl-C does; what it returned.
    async fn shutdown(mut self) -> Result<(), TelegramError> {
        self.stop.take().expect("running").send(()).ok();
        let serving = self.serving.take().expect("running");
        tokio::time::timeout(WAIT, serving).await.expect("serve stops").expect("serve did not panic")
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(serving) = self.serving.take() {
            serving.abort();
        }
    }
}

/// The reference number in the last of `sent` (the receipt follows the confirmed summary).
fn receipt_reference(sent: &[Sent]) -> String {
    reference_in(&sent.last().expect("a receipt").text)
}

/// The texts of messages, one per paragraph.
fn text(sent: &[Sent]) -> String {
    sent.iter().map(|sent| sent.text.as_str()).collect::<Vec<_>>().join("\n\n")
}

fn button_data(sent: &Sent) -> Vec<&str> {
    sent.buttons.iter().flatten().map(|(_, data)| data.as_str()).collect()
}

#[tokio::test]
async fn start_shows_a_menu_in_the_users_language_and_questions_get_cited_answers() {
    let live = Live::start().await;
    live.fake.send_text(11, "/start", Some("en"));
    let welcome = live.next(11).await;
    assert_eq!(welcome.len(), 1);
    assert!(welcome[0].text.starts_with("Hello!"), "English from language_code: {}", welcome[0].text);
    assert_eq!(button_data(&welcome[0]), ["menu:ask", "menu:eligibility", "menu:apply", "menu:status"]);

    live.fake.send_text(11, "How long can a visa for a foreign talent team be valid?", Some("en"));
    let answer = text(&live.next(11).await);
    assert!(answer.contains("5 years") || answer.contains("five years"), "{answer}");
    assert!(answer.contains("第十七条") || answer.contains("Article 17") || answer.contains("(17)"), "cited: {answer}");

    let answer = text(&live.say(12, "高级技师能不能落户啊").await);
    assert!(answer.contains("落户") && answer.contains("条"), "{answer}");
    let answer = text(&live.say(12, "湛江明天会下雨吗？").await);
    assert!(answer.contains("没有与您的问题相关的规定"), "refused plainly: {answer}");

    let switched = text(&live.say(12, "/lang en").await);
    assert!(switched.contains("in English"), "{switched}");
    let menu = live.press(12, "menu:status").await;
    assert!(text(&menu).contains("You have not filed any application yet"), "{}", text(&menu));

    let commands = live.fake.commands();
    let languages: Vec<_> = commands.iter().map(|(lang, _)| lang.clone()).collect();
    assert_eq!(languages, [None, Some("zh".to_owned()), Some("en".to_owned())]);
    let names: Vec<_> = commands[2].1.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["start", "help", "ask", "apply", "eligibility", "status", "cancel", "lang", "mydata", "forget"]);
}

#[tokio::test]
async fn the_telegram_command_menu_is_the_command_table() {
    let live = Live::start().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while live.fake.commands().len() < 3 {
        assert!(tokio::time::Instant::now() < deadline, "setMyCommands was not called three times");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let table = |lang| -> Vec<(String, String)> {
        commands::menu(live.test.app.bot.policy().messages(), lang)
            .into_iter()
            .map(|(name, help)| (name.to_owned(), help))
            .collect()
    };
    let expected =
        [(None, table(Lang::Zh)), (Some("zh".to_owned()), table(Lang::Zh)), (Some("en".to_owned()), table(Lang::En))];
    assert_eq!(live.fake.commands(), expected);
    let listed: Vec<&str> =
        COMMANDS.iter().filter(|entry| entry.audience == Audience::Everyone).map(|entry| entry.name).collect();
    assert_eq!(expected[2].1.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), listed);
}

#[tokio::test]
async fn a_talent_apartment_application_is_filed_with_buttons_and_a_certificate_photo() {
    let live = Live::start().await;
    let consent = live.say(21, "我要申请人才公寓").await;
    assert!(text(&consent).contains("个人信息"), "consent first: {}", text(&consent));
    let after_consent = live.press(21, "yes").await;
    assert!(
        after_consent[0].edited && after_consent[0].text.ends_with("→ 同意"),
        "the choice shows: {after_consent:?}"
    );
    assert!(text(&after_consent).contains("您的姓名"));
    for answer in ["张三", ID, "13800138000", "宝钢湛江钢铁有限公司"] {
        live.say(21, answer).await;
    }
    let proof = live.press(21, "choose:C").await;
    assert!(text(&proof).contains("认定编号"), "{}", text(&proof));
    let proof = live.say(21, "跳过").await;
    assert!(text(&proof).contains("人才身份证明"), "{}", text(&proof));

    live.fake.send_document(
        21,
        "证书.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK".to_vec(),
    );
    let refused = text(&live.next(21).await);
    assert!(refused.contains("⚠️") && refused.contains("人才身份证明"), "only images and PDF: {refused}");
    for (name, content) in [("证书.jpg", &b"MZ\x90\x00\x03 a program"[..]), ("证书.pdf", b"<!DOCTYPE html><script>")]
    {
        live.fake.send_document(
            21,
            name,
            if name.ends_with("jpg") { "image/jpeg" } else { "application/pdf" },
            content.to_vec(),
        );
        let renamed = text(&live.next(21).await);
        assert!(
            renamed.contains("按文件内容判断") && renamed.contains("人才身份证明"),
            "{name} by its content: {renamed}"
        );
    }
    let photo = b"\xFF\xD8\xFF\xE0 a certificate photo".to_vec();
    live.fake.send_photo(21, photo.clone());
    assert!(text(&live.next(21).await).contains("拟入住人数"), "the photo is accepted");
    live.say(21, "3").await;
    live.press(21, "no").await;
    live.press(21, "choose:xiashan").await;
    live.say(21, "2027-01").await;
    let summary = live.say(21, "跳过").await;
    let last = summary.last().unwrap();
    assert!(last.text.contains("霞山区") && last.text.contains("2027-01"), "{}", last.text);
    assert!(button_data(last).contains(&"confirm"), "summary with confirm and edit buttons: {last:?}");
    let reference = receipt_reference(&live.press(21, "confirm").await);
    assert!(reference.starts_with("ZJ-APARTMENT-2026-"), "{reference}");
    let presses = live.fake.calls().iter().filter(|call| call.method == "answercallbackquery").count();
    assert_eq!(presses, 5, "every press is acknowledged");

    let notice = live.next(staff_chat()).await;
    assert_eq!(notice.len(), 1);
    let notice = &notice[0];
    assert!(notice.text.contains(&reference) && notice.text.contains("人才公寓"), "{}", notice.text);
    assert!(notice.text.contains("4408**********1238") && notice.text.contains("138****8000"), "{}", notice.text);
    assert!(!notice.text.contains(ID) && !notice.text.contains("13800138000"), "masked: {}", notice.text);
    let labels: Vec<_> = notice.buttons.iter().flatten().map(|(label, _)| label.as_str()).collect();
    assert_eq!(labels, ["通过", "补正", "驳回"]);

    let mut conn = live.test.app.bot.store().read().await.unwrap();
    let application = applications::by_reference(&mut conn, &reference).await.unwrap().unwrap();
    let files = attachments::of_application(&mut conn, application.id).await.unwrap();
    assert_eq!(files.len(), 1);
    let stored = std::fs::read(&files[0].location).expect("the photo is kept");
    assert_eq!(stored, photo);
    assert_eq!(files[0].sha256.len(), 64);
}

#[tokio::test]
async fn a_talent_apartment_application_is_filed_by_someone_who_answers_none_to_every_optional_question() {
    let live = Live::start().await;
    live.say(22, "我要申请人才公寓").await;
    live.press(22, "yes").await;
    for answer in ["阿依古丽·买买提", ID, "138 0013 8000", "湛江港集团"] {
        let reply = text(&live.say(22, answer).await);
        assert!(!reply.contains("⚠️"), "{answer:?} was refused: {reply}");
    }
    let asked = text(&live.press(22, "choose:A").await);
    assert!(asked.contains("认定编号") && asked.contains("选填"), "{asked}");
    let proof = text(&live.say(22, "无").await);
    assert!(proof.contains("人才身份证明") && !proof.contains("⚠️"), "无 skips the optional question: {proof}");
    live.fake.send_photo(22, b"\xFF\xD8\xFF\xE0 a recognition certificate".to_vec());
    assert!(text(&live.next(22).await).contains("拟入住人数"));
    live.say(22, "2").await;
    live.press(22, "no").await;
    live.press(22, "choose:any").await;
    let remarks = text(&live.say(22, "2027-03").await);
    assert!(remarks.contains("其他说明"), "{remarks}");
    let summary = live.say(22, "无").await;
    let summary = summary.last().unwrap();
    assert!(summary.text.contains("阿依古丽·买买提") && button_data(summary).contains(&"confirm"), "{}", summary.text);
    let reference = receipt_reference(&live.press(22, "confirm").await);

    let mut conn = live.test.app.bot.store().read().await.unwrap();
    let application = applications::by_reference(&mut conn, &reference).await.unwrap().expect("filed");
    let answers = &application.filing.answers;
    assert_eq!(answers["recognition_reference"], Value::Skipped, "{answers:?}");
    assert_eq!(answers["remarks"], Value::Skipped, "{answers:?}");
    assert_eq!(answers["name"], Value::Text("阿依古丽·买买提".into()));
}

#[tokio::test]
async fn staff_approve_reject_with_reason_and_need_info_round_trip_reach_the_applicant() {
    let live = Live::start().await;
    let asked = live.file_tax_form(31).await;
    let rejected = live.file_tax_form(32).await;
    let approved = live.file_tax_form(33).await;
    assert_eq!(live.next(staff_chat()).await.len(), 3, "three notices");

    // Need info: the staff button asks which fields; the answer goes to the applicant.
    let question = text(&live.press_in(staff_chat(), staff_member(), &format!("staff:need_info:{asked}")).await);
    assert!(question.contains("phone"), "{question}");
    let done = text(&live.staff_says("phone 电话无法接通").await);
    assert!(done.contains(&asked) && done.contains("待补正"), "{done}");
    let push = live.next(31).await;
    let push = push.iter().find(|sent| sent.text.contains("需要补正")).expect("the applicant is told");
    assert!(push.text.contains("您的手机号码") && push.text.contains("电话无法接通"), "{}", push.text);
    let field = text(&live.press(31, &format!("amend:{asked}")).await);
    assert!(field.contains("(1/1) 您的手机号码"), "exactly the named field reopens: {field}");
    live.say(31, "13911112222").await;
    assert!(text(&live.press(31, "confirm").await).contains("继续审核"));
    let back = text(&live.next(staff_chat()).await);
    assert!(back.contains("已补正") && back.contains(&asked) && back.contains("139****2222"), "{back}");
    assert_eq!(live.status_of(&asked).await, Status::InReview);

    // Reject with a reason asked for by the bot.
    let question = text(&live.press_in(staff_chat(), staff_member(), &format!("staff:reject:{rejected}")).await);
    assert!(question.contains("理由"), "{question}");
    let asked_with = live.fake.calls().into_iter().rev().find(|call| call.params["text"].to_string().contains("理由"));
    let markup = asked_with.expect("the question was sent").params["reply_markup"].to_string();
    assert!(markup.contains("force_reply"), "a reply field passes Telegram's privacy mode: {markup}");
    live.staff_says("材料不全").await;
    let push = text(&live.next(32).await);
    assert!(push.contains("未通过") && push.contains("材料不全"), "{push}");
    assert_eq!(live.status_of(&rejected).await, Status::Rejected);

    // Approve by command in the staff member's private chat.
    let done = text(&live.say(staff_member(), &format!("/approve {approved} 请按时到场")).await);
    assert!(done.contains("已通过"), "{done}");
    let push = text(&live.next(33).await);
    assert!(push.contains("已通过") && push.contains("请按时到场"), "{push}");

    let pending = text(&live.staff_says("/pending").await);
    assert!(pending.contains(&asked) && !pending.contains(&approved), "{pending}");
    let dossier = text(&live.staff_says(&format!("/show {asked}")).await);
    assert!(dossier.contains("13911112222"), "full data in the staff chat: {dossier}");
    let export = live.staff_says("/export csv").await;
    let (name, bytes) = export.last().unwrap().document.clone().expect("a document");
    assert!(name.ends_with(".csv") && String::from_utf8_lossy(&bytes).contains(&approved), "{name}");

    let mut conn = live.test.app.bot.store().read().await.unwrap();
    let actions: Vec<String> = audit::latest(&mut conn, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|entry| format!("{} {}", entry.actor, entry.action))
        .collect();
    let by_staff =
        |action: &str| actions.iter().any(|a| a.starts_with(&format!("telegram:{STAFF_MEMBER}")) && a.contains(action));
    for action in ["need_info", "reject", "approve", "show", "export"] {
        assert!(by_staff(action), "{action} is audited: {actions:#?}");
    }
}

#[tokio::test]
async fn a_non_staff_user_is_refused_every_staff_command_and_button_and_nothing_changes() {
    let live = Live::start().await;
    let reference = live.file_tax_form(41).await;
    live.next(staff_chat()).await;
    let intruder = 42;
    for command in [
        "/pending".to_owned(),
        format!("/show {reference}"),
        format!("/approve {reference}"),
        format!("/reject {reference} 不行"),
        format!("/needinfo {reference} phone 看不清"),
        "/export csv".to_owned(),
    ] {
        let reply = live.say(intruder, &command).await;
        assert_eq!(text(&reply), "此功能仅限工作人员使用。", "{command}");
        assert!(reply.iter().all(|sent| sent.document.is_none()));
    }
    // The buttons, pressed in the staff chat by someone who is not staff.
    for action in ["approve", "need_info", "reject"] {
        let reply = live.press_in(staff_chat(), intruder, &format!("staff:{action}:{reference}")).await;
        assert!(text(&reply).contains("此功能仅限工作人员使用。"), "{action}: {reply:?}");
    }
    live.fake.send_group_text(staff_chat(), intruder, "通过");
    tokio::time::sleep(QUIET * 3).await;
    assert_eq!(live.status_of(&reference).await, Status::Submitted);
    assert_eq!(live.fake.sent(41).len(), live.seen.lock().unwrap()[&41], "the applicant was told nothing");
    assert_eq!(live.fake.sent(staff_chat()).len(), live.seen.lock().unwrap()[&staff_chat()], "chatter is ignored");
}

#[tokio::test]
async fn in_the_staff_group_commands_for_another_bot_are_ignored_and_ours_answered() {
    let live = Live::start().await;
    let reference = live.file_tax_form(45).await;
    live.next(staff_chat()).await;
    live.fake.send_group_text(staff_chat(), staff_member(), &format!("/approve@OtherBot {reference}"));
    live.fake.send_group_text(staff_chat(), staff_member(), "/pending@other_bot");
    let ours = live.staff_says("/pending@Fake_Bot").await;
    assert_eq!(ours.len(), 1, "only the command addressed to us is answered: {ours:?}");
    assert!(ours[0].text.contains("待处理申请 1 件") && ours[0].text.contains(&reference), "{}", ours[0].text);
    assert_eq!(live.status_of(&reference).await, Status::Submitted, "the approval was another bot's");
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_and_messages_arrive_once() {
    let live = Live::start().await;
    live.say(51, "/start").await;
    live.fake.fail_with_429("SendMessage", 1, 1);
    let answer = live.say(51, "人才公寓怎么申请？").await;
    assert_eq!(answer.len(), 1, "delivered once after waiting: {answer:?}");
    assert!(answer[0].text.contains("人才公寓"), "{answer:?}");

    // The notice fails twice with 500 and once with 429 before it goes through.
    live.tax_form_to_summary(52).await;
    live.fake.fail_with_500("SendMessage", 1);
    live.fake.press(52, 52, live.fake.sent(52).last().unwrap().message_id, "confirm");
    let reference = receipt_reference(&live.until(52, "申请编号").await);
    live.fake.fail_with_500("SendMessage", 1);
    live.fake.fail_with_429("SendMessage", 1, 1);
    let notice = live.until(staff_chat(), &reference).await;
    assert_eq!(notice.len(), 1, "{notice:?}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(live.delivered(staff_chat(), &reference), 1, "sent once");
    assert_eq!(live.delivered(52, &reference), 1, "receipt once");
}

#[tokio::test]
async fn updates_stored_before_a_crash_are_handled_once_at_start() {
    // As if the last run stored a batch and died: it had handled 71's update, not 72's, and
    // Telegram still holds both (the batch was not confirmed yet).
    let live = Live::start_after(
        async |fake, test| {
            let (handled, unhandled) = (fake.send_text(71, "/start", None), fake.send_text(72, "/start", None));
            let mut conn = test.app.bot.store().acquire().await.unwrap();
            let user = users::get_or_create(&mut conn, "telegram", "71", "zh", 0).await.unwrap();
            users::mark_update(user.id, handled).execute(&mut conn).await.unwrap();
            let stored = [handled, unhandled]
                .map(|update_id| Stored { update_id, body: fake.update(update_id).unwrap().to_string() });
            inbox::keep(&mut conn, "telegram", &stored, 0).await.unwrap();
        },
        |_| {},
    )
    .await;
    assert_eq!(live.next(72).await.len(), 1, "the welcome");
    // The next batch lets the inbox forget what is handled.
    live.say(73, "/start").await;
    tokio::time::sleep(QUIET * 3).await;
    assert_eq!(live.fake.sent(72).len(), 1, "handled once, though Telegram still held it");
    assert!(live.fake.sent(71).is_empty(), "what was handled before the crash is not answered again");
    let mut conn = live.test.app.bot.store().read().await.unwrap();
    let left = inbox::stored(&mut conn, "telegram").await.unwrap();
    assert!(left.iter().all(|stored| stored.update_id > 2), "handled updates are forgotten: {left:?}");
}

#[tokio::test]
async fn the_same_update_delivered_twice_files_one_application() {
    let live = Live::start().await;
    live.tax_form_to_summary(61).await;
    let summary = live.fake.sent(61).into_iter().rev().find(|sent| !sent.buttons.is_empty()).unwrap();
    let update = live.fake.press(61, 61, summary.message_id, "confirm");
    let reference = receipt_reference(&live.next(61).await);
    live.fake.redeliver(update);
    let again = live.fake.send_text(61, "/status", None);
    let status = text(&live.next(61).await);
    assert!(status.contains(&reference), "{status}");
    live.fake.redeliver(again);
    // A form step (kept with the form) and a staff command in the staff chat (recorded apart, as
    // a group's updates are not ordered with the private chats').
    let step = live.fake.send_text(61, "预约个税汇算辅导", None);
    let first = text(&live.next(61).await);
    assert!(first.contains("(1/6)"), "the form asks its first question: {first}");
    live.fake.redeliver(step);
    let pending = live.fake.send_group_text(staff_chat(), staff_member(), "/pending");
    assert!(text(&live.next(staff_chat()).await).contains(&reference), "the staff list");
    live.fake.redeliver(pending);
    tokio::time::sleep(QUIET * 3).await;
    let mut conn = live.test.app.bot.store().read().await.unwrap();
    assert_eq!(applications::count(&mut conn).await.unwrap(), 1);
    assert_eq!(live.delivered(61, "申请编号"), 1, "one receipt");
    assert_eq!(live.fake.sent(61).len(), live.seen.lock().unwrap()[&61], "a redelivery is not answered");
    let staff_seen = live.seen.lock().unwrap()[&staff_chat()];
    assert_eq!(live.fake.sent(staff_chat()).len(), staff_seen, "nor in the staff chat");
}

#[tokio::test]
async fn webhook_mode_takes_updates_checks_the_secret_and_answers_health_checks() {
    let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
    let live = Live::start_with(|config| {
        config.webhook_url = Some(format!("http://127.0.0.1:{port}/telegram").parse().unwrap());
        config.listen_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        config.webhook_secret = Some("s3cret".into());
    })
    .await;
    let answer = text(&live.say(71, "人才公寓怎么申请？").await);
    assert!(answer.contains("人才公寓"), "{answer}");
    let set = live.fake.calls().into_iter().find(|call| call.method == "setwebhook").expect("setWebhook");
    assert_eq!(set.params["secret_token"], "s3cret");

    let health = http::get(port, "/healthz").await.expect("/healthz answers");
    assert!(health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"ok\""), "{health}");
    let forged = http::post(port, "/telegram", "{}").await.expect("the webhook answers");
    assert!(!forged.starts_with("HTTP/1.1 200"), "no secret, no entry: {forged}");
    live.shutdown().await.expect("a clean stop");
}

#[tokio::test]
async fn long_polling_answers_health_checks_on_health_addr() {
    let port = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
    let live =
        Live::start_with(|config| config.health_addr = Some(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))).await;
    assert!(text(&live.say(72, "/start").await).contains("人才"), "polling runs");
    let health = http::get(port, "/healthz").await.expect("/healthz answers");
    assert!(health.starts_with("HTTP/1.1 200") && health.contains("\"status\":\"ok\",\"unsent\":0"), "{health}");
    live.shutdown().await.expect("a clean stop");
    assert!(http::get(port, "/healthz").await.is_none(), "the endpoint stops with the bot");
}

#[tokio::test]
async fn a_wrong_token_or_an_unreachable_api_fails_fast_with_a_clear_error() {
    let fake = FakeTelegram::start(TOKEN).await;
    let test = spawn_app_at(Clock::starting_at(2026, 11, 23, 10)).await;
    let config = |token: &str, url: String| Config::long_polling(token.into(), Some(url.parse().unwrap()));
    let wrong = telegram::serve(test.app.bot.clone(), config("4242:wrong", fake.url()), std::future::pending()).await;
    assert!(matches!(wrong, Err(TelegramError::InvalidToken)), "{wrong:?}");
    let url = fake.url();
    fake.stop().await;
    let unreachable = telegram::serve(test.app.bot.clone(), config(TOKEN, url.clone()), std::future::pending()).await;
    let message = unreachable.expect_err("no API, no bot").to_string();
    assert!(message.contains("cannot reach the Telegram Bot API") && message.contains(&url), "{message}");
}
