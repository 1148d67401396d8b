//! Privacy and abuse through the bot core: no full personal identifier in logs or staff
//! broadcasts, applicants confined to their own applications and refused every staff power,
//! oversized messages and files refused politely.

use std::io;
use std::sync::{Arc, Mutex};

use policybot::bot::{Input, Sender};
use policybot::dialog::flow::MAX_FILE_BYTES;
use policybot::dialog::value::FileRef;
use policybot::filing::Status;
use policybot::lang::Lang;
use policybot::notify::staff_button;
use policybot::reply::Reply;
use policybot::store::{applications, attachments, users};
use policybot::telegram::PROFILE as MESSENGER;

use crate::helpers::{STAFF_CHAT, STAFF_MEMBER, TestApp, join, reference_in, spawn_app};

/// A valid GB 11643 number (check character computed: 4), masked as `4408**********1234`.
const ID: &str = "440802199003071234";
const ID_MASKED: &str = "4408**********1234";
/// Another valid one, for a second applicant.
const OTHER_ID: &str = "440802199003151234";
const PHONE: &str = "13800138000";
const PHONE_MASKED: &str = "138****8000";
const PASSPORT: &str = "E12345678";
const PASSPORT_MASKED: &str = "E*****678";
/// What the bot says when it failed internally; never the answer to anything a user can send.
const APOLOGY: [&str; 2] = ["系统暂时出了点问题", "something went wrong on our side"];

/// Everything written by a `tracing` subscriber, for the test that installs it.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Log {
    /// Records every event of this thread at DEBUG and above until the guard is dropped. Per
    /// thread: a current-thread runtime polls the whole test on it.
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Fails if `log` holds a full ID card, phone or passport number of the tests, in any case.
fn assert_no_identifier(log: &str) {
    let lowercase = log.to_lowercase();
    for full in [ID, OTHER_ID, PHONE, PASSPORT] {
        assert!(!lowercase.contains(&full.to_lowercase()), "{full} is in the log:\n{log}");
    }
}

/// A user in their private chat on the messenger, where staff rights exist. (Each such user
/// sends fewer than 20 messages per test, the rate limit on the messenger.)
fn telegram(user: &str) -> Sender {
    Sender::new(MESSENGER.name, user, None)
}

async fn send(app: &TestApp, sender: &Sender, input: Input) -> Vec<Reply> {
    let replies = app.app.bot.handle(sender, input).await;
    let text = join(&replies);
    assert!(!APOLOGY.iter().any(|apology| text.contains(apology)), "internal error for {sender:?}: {text}");
    replies
}

async fn say(app: &TestApp, sender: &Sender, text: &str) -> String {
    join(&send(app, sender, Input::Text(text.to_owned())).await)
}

async fn press(app: &TestApp, sender: &Sender, data: &str) -> String {
    join(&send(app, sender, Input::Button(data.to_owned())).await)
}

/// `sender` files a talent-apartment application; its reference.
async fn file_apartment(app: &TestApp, sender: &Sender, name: &str, id: &str, phone: &str) -> String {
    say(app, sender, "我要申请人才公寓").await;
    press(app, sender, "yes").await;
    for answer in [name, id, phone, "宝钢湛江钢铁有限公司"] {
        say(app, sender, answer).await;
    }
    press(app, sender, "choose:C").await;
    say(app, sender, "跳过").await;
    // Distinct bytes per applicant: files are stored under their hash.
    let proof = app.app.files.keep("认定证书.png", &[b"\x89PNG\r\n\x1a\n", name.as_bytes()].concat()).unwrap();
    assert!(join(&send(app, sender, Input::File(proof)).await).contains("拟入住人数"));
    say(app, sender, "3").await;
    press(app, sender, "no").await;
    press(app, sender, "choose:xiashan").await;
    say(app, sender, "2027-01").await;
    let summary = say(app, sender, "跳过").await;
    assert!(summary.contains("请确认“人才公寓申请”的信息") && summary.contains(id), "{summary}");
    let receipt = press(app, sender, "confirm").await;
    reference_in(&receipt)
}

/// `sender` files a foreign-talent visa application in English; its reference.
async fn file_visa(app: &TestApp, sender: &Sender) -> String {
    say(app, sender, "apply for a visa").await;
    press(app, sender, "yes").await;
    for answer in ["MARIA JOSE GARCIA", "Spanish", PASSPORT, "2031-05-31", "Guangdong Ocean University"] {
        say(app, sender, answer).await;
    }
    for choice in ["choose:key-university", "choose:team-member", "choose:residence-permit"] {
        press(app, sender, choice).await;
    }
    say(app, sender, "5").await;
    say(app, sender, "maria@example.es").await;
    let summary = say(app, sender, PHONE).await;
    assert!(summary.contains("Please check") && summary.contains(PASSPORT) && summary.contains(PHONE), "{summary}");
    reference_in(&say(app, sender, "confirm").await)
}

async fn status_of(app: &TestApp, reference: &str) -> Status {
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    applications::by_reference(&mut conn, reference).await.unwrap().expect("filed").status
}

/// Row counts of every table a staff action writes, with the application's status and time.
async fn footprint(app: &TestApp, reference: &str) -> Vec<String> {
    let pool = app.app.bot.store().pool();
    let mut seen = Vec::new();
    for count in [
        "SELECT COUNT(*) FROM application_events",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM staff_prompts",
        "SELECT COUNT(*) FROM audit_log",
    ] {
        let rows: i64 = sqlx::query_scalar(count).fetch_one(pool).await.unwrap();
        seen.push(format!("{count}: {rows}"));
    }
    let (status, updated_at): (String, i64) =
        sqlx::query_as("SELECT status, updated_at FROM applications WHERE reference = $1")
            .bind(reference)
            .fetch_one(pool)
            .await
            .unwrap();
    seen.push(format!("{reference}: {status} at {updated_at}"));
    seen
}

/// The texts queued for `chat` on the messenger, oldest first.
async fn queued_for(app: &TestApp, chat: &str) -> Vec<String> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT chat, payload FROM outbox WHERE channel = $1 ORDER BY id")
        .bind(MESSENGER.name)
        .fetch_all(app.app.bot.store().pool())
        .await
        .unwrap();
    rows.into_iter()
        .filter(|(to, _)| to == chat)
        .map(|(_, payload)| serde_json::from_str::<Reply>(&payload).expect("a queued reply").text)
        .collect()
}

#[tokio::test(flavor = "current_thread")]
async fn logs_never_hold_a_full_personal_identifier() {
    let log = Log::default();
    let _logging = log.capture();

    let app = spawn_app().await;
    // Refused answers go through the same code as accepted ones.
    let hesitant = telegram("5550003");
    say(&app, &hesitant, "我要申请人才公寓").await;
    press(&app, &hesitant, "yes").await;
    say(&app, &hesitant, "张三").await;
    assert!(say(&app, &hesitant, &ID.replace("1234", "1235")).await.contains("⚠️"));
    say(&app, &hesitant, &PHONE[..10]).await;
    say(&app, &hesitant, "取消").await;
    let applicant = telegram("5550001");
    let apartment = file_apartment(&app, &applicant, "张三", ID, PHONE).await;
    let visa = file_visa(&app, &telegram("5550002")).await;
    say(&app, &applicant, "/status").await;
    assert!(say(&app, &applicant, "/mydata").await.contains(ID), "the applicant sees their own data in full");
    let staff = telegram(STAFF_MEMBER);
    say(&app, &staff, "/pending").await;
    for reference in [&apartment, &visa] {
        assert!(say(&app, &staff, &format!("/show {reference}")).await.contains(reference));
    }
    assert!(say(&app, &staff, &format!("/approve {apartment}")).await.contains("✅"));
    let request = format!("/needinfo {visa} phone please check the number");
    assert!(say(&app, &staff, &request).await.contains("✅"));

    let text = log.text();
    assert!(text.contains("application filed") && text.contains(&apartment), "the log was captured: {text}");
    assert_no_identifier(&text);
}

#[tokio::test(flavor = "current_thread")]
async fn identifiers_typed_in_a_question_are_not_logged_in_full() {
    let log = Log::default();
    let _logging = log.capture();
    let app = spawn_app().await;
    let user = telegram("5550001");
    let question = format!("/ask 人才公寓的租金是多少？我的手机{PHONE}，身份证{ID}，护照{PASSPORT}");
    let answer = say(&app, &user, &question).await;
    assert!(answer.contains("公寓"), "the question is answered: {answer}");
    // As people write them, and as the bot's own example shows a phone number.
    let grouped = "/ask 人才公寓怎么申请？我电话138 0013 8000，身份证4408 0219 9003 0712 34，座机0759-2233-4455";
    assert!(say(&app, &user, grouped).await.contains("公寓"));

    let text = log.text();
    assert!(text.contains("ranked"), "the question was logged: {text}");
    assert_no_identifier(&text);
    for group in ["0013 8000", "9003 0712", "2233-4455"] {
        assert!(!text.contains(group), "{group} is in the log:\n{text}");
    }
}

#[tokio::test]
async fn staff_chat_notifications_show_identifiers_masked() {
    let app = spawn_app().await;
    let apartment = file_apartment(&app, &telegram("5550001"), "张三", ID, PHONE).await;
    let visa = file_visa(&app, &telegram("5550002")).await;

    let queued = queued_for(&app, STAFF_CHAT).await;
    assert_eq!(queued.len(), 2, "one notification per application: {queued:?}");
    let (apartment_note, visa_note) = (&queued[0], &queued[1]);
    assert!(apartment_note.contains(&apartment) && visa_note.contains(&visa), "{queued:?}");
    assert!(apartment_note.contains(ID_MASKED) && apartment_note.contains(PHONE_MASKED), "{apartment_note}");
    assert!(visa_note.contains(PASSPORT_MASKED) && visa_note.contains(PHONE_MASKED), "{visa_note}");
    for note in &queued {
        for full in [ID, PHONE, PASSPORT] {
            assert!(!note.contains(full), "{full} is in a staff notification:\n{note}");
        }
    }
}

#[tokio::test]
async fn an_applicant_sees_only_their_own_applications_and_has_no_staff_powers() {
    let app = spawn_app().await;
    let (alice, bob) = (telegram("5550001"), telegram("5550002"));
    let reference = file_apartment(&app, &alice, "张三", ID, PHONE).await;
    assert!(say(&app, &alice, "/status").await.contains(&reference));

    let status = say(&app, &bob, "/status").await;
    assert!(!status.contains(&reference) && status.contains("还没有提交过申请"), "{status}");

    let before = footprint(&app, &reference).await;
    let commands = [
        format!("/show {reference}"),
        format!("/approve {reference}"),
        format!("/approve {reference} 同意"),
        format!("/reject {reference} 材料不全"),
        format!("/needinfo {reference} phone 请核对"),
        "/export csv".to_owned(),
        "/export".to_owned(),
        "/pending".to_owned(),
        "/pending talent-apartment".to_owned(),
    ];
    // In a private chat, and in the staff chat by someone who is in it but not staff.
    let in_staff_chat = Sender::in_group(MESSENGER.name, STAFF_CHAT, "5550009", None);
    for sender in [&bob, &in_staff_chat] {
        for command in &commands {
            let replies = send(&app, sender, Input::Text(command.clone())).await;
            let text = join(&replies);
            assert!(text.contains("仅限工作人员"), "{command} by {sender:?}: {text}");
            assert!(!text.contains(&reference) && !text.contains("张"), "{command} leaks: {text}");
            assert!(replies.iter().all(|reply| reply.document.is_none()), "{command} sent a file");
        }
        for action in ["approve", "reject", "need_info"] {
            let text = press(&app, sender, &staff_button(action, &reference)).await;
            assert!(text.contains("仅限工作人员"), "{action} by {sender:?}: {text}");
        }
        // Would be taken as the reason of a rejection had the button opened a prompt.
        say(&app, sender, "材料不全").await;
    }
    assert_eq!(footprint(&app, &reference).await, before, "nothing changed");
    assert_eq!(status_of(&app, &reference).await, Status::Submitted);
    assert!(say(&app, &alice, "/status").await.contains("待受理"));
}

#[tokio::test]
async fn an_applicant_cannot_correct_someone_elses_application() {
    let app = spawn_app().await;
    let (alice, bob) = (telegram("5550001"), telegram("5550002"));
    let reference = file_apartment(&app, &alice, "张三", ID, PHONE).await;
    let staff = telegram(STAFF_MEMBER);
    assert!(say(&app, &staff, &format!("/needinfo {reference} phone 电话无法接通")).await.contains("✅"));
    let before = footprint(&app, &reference).await;

    let text = press(&app, &bob, &format!("amend:{reference}")).await;
    assert!(text.contains("不需要补正") && !text.contains("手机号码"), "{text}");
    say(&app, &bob, "13900139000").await;
    assert_eq!(footprint(&app, &reference).await, before, "nothing changed");
    assert!(!say(&app, &bob, "/status").await.contains(&reference));
    assert!(press(&app, &alice, &format!("amend:{reference}")).await.contains("手机号码"), "the owner can");
}

#[tokio::test]
async fn mydata_holds_nothing_of_another_user() {
    let app = spawn_app().await;
    let (alice, bob) = (telegram("5550001"), telegram("5550002"));
    let alices = file_apartment(&app, &alice, "张三", ID, PHONE).await;
    let bobs = file_apartment(&app, &bob, "李四", OTHER_ID, "13900139000").await;
    // Alice also leaves a form half done and a draft file.
    say(&app, &alice, "我要申请人才认定").await;
    say(&app, &alice, "王小明").await;

    let data = say(&app, &bob, "/mydata").await;
    assert!(data.contains(&bobs) && data.contains(OTHER_ID) && data.contains("李四"), "bob's own data: {data}");
    for alices_data in [alices.as_str(), ID, PHONE, "张三", "王小明", "5550001"] {
        assert!(!data.contains(alices_data), "{alices_data} of alice in bob's data: {data}");
    }
    let data = say(&app, &alice, "/mydata").await;
    assert!(data.contains(&alices) && !data.contains(&bobs) && !data.contains(OTHER_ID), "{data}");
}

#[tokio::test]
async fn a_hundred_thousand_character_message_gets_a_short_friendly_reply_in_the_users_language() {
    let app = spawn_app().await;
    let cases = [
        (Some(Lang::Zh), "你好".repeat(50_000), "您的消息太长了"),
        (Some(Lang::En), "hello ".repeat(16_667), "Your message is too long"),
        (Some(Lang::En), format!("/ask {}", "x".repeat(100_000)), "Your message is too long"),
    ];
    for (index, (lang, text, expected)) in cases.iter().enumerate() {
        let sender = Sender::new(MESSENGER.name, format!("long{index}"), *lang);
        let reply = say(&app, &sender, text).await;
        let start: String = reply.chars().take(300).collect();
        assert!(reply.contains(expected), "{start}…");
        assert!(reply.chars().count() < 1_000, "the message is not echoed back: {} chars", reply.chars().count());
    }

    // Inside a form, where answers are read by the field parsers.
    let sender = Sender::new(MESSENGER.name, "long-form", Some(Lang::En));
    say(&app, &sender, "apply for a visa").await;
    press(&app, &sender, "yes").await;
    let reply = say(&app, &sender, &"A".repeat(100_000)).await;
    assert!(reply.contains("⚠️") && reply.contains("Full name as in your passport"), "{reply}");
    assert!(reply.chars().count() < 1_000, "{} chars", reply.chars().count());
    assert!(say(&app, &sender, "MARIA GARCIA").await.contains("Nationality"), "the form carries on");
}

#[tokio::test]
async fn an_oversized_certificate_is_refused_with_the_limit_and_the_form_waits() {
    let app = spawn_app().await;
    let sender = telegram("5550003");
    say(&app, &sender, "我要申请人才认定").await;
    press(&app, &sender, "yes").await;
    for answer in ["王五", ID, PHONE, "湛江港集团"] {
        say(&app, &sender, answer).await;
    }
    press(&app, &sender, "choose:senior-technician").await;
    say(&app, &sender, "GZ-2021-0042").await;
    let asked = say(&app, &sender, "2021年6月30日").await;
    assert!(asked.contains("证书") && asked.contains("照片"), "the certificate is asked: {asked}");

    let kept = app.app.files.keep("证书.jpg", b"\xFF\xD8\xFF big").unwrap();
    let huge = FileRef { size: MAX_FILE_BYTES + 1, ..kept.clone() };
    let text = join(&send(&app, &sender, Input::File(huge)).await);
    assert!(text.contains("文件太大") && text.contains("20 MB"), "the limit is explained: {text}");
    assert!(!text.contains("请确认"), "the form did not advance: {text}");
    assert!(!std::path::Path::new(&kept.location).exists(), "the refused file is not kept");
    let mut conn = app.app.bot.store().acquire().await.unwrap();
    let user = users::get_or_create(&mut conn, MESSENGER.name, "5550003", "zh", 0).await.unwrap();
    assert!(attachments::drafts_of_user(&mut conn, user.id).await.unwrap().is_empty());
    drop(conn);

    let text = say(&app, &sender, "/start").await;
    assert!(text.contains("证书") && text.contains("照片") && !text.contains("请确认"), "still waiting: {text}");
    let fine = app.app.files.keep("证书.jpg", b"\xFF\xD8\xFF small").unwrap();
    let summary = join(&send(&app, &sender, Input::File(fine)).await);
    assert!(summary.contains("请确认"), "a file within the limit is taken: {summary}");
    // Outside a form, a file is refused whatever its size.
    let stray = app.app.files.keep("证书.jpg", b"\xFF\xD8\xFF stray").unwrap();
    let text = join(&send(&app, &telegram("5550004"), Input::File(FileRef { size: u64::MAX, ..stray })).await);
    assert!(text.contains("只在填写申请表时接收文件"), "{text}");
}

#[tokio::test]
async fn a_flooding_user_is_told_once_to_slow_down_while_staff_and_others_go_on() {
    let app = spawn_app().await;
    let flooder = telegram("31");
    for n in 0..20 {
        let reply = send(&app, &flooder, Input::Text(format!("人才公寓怎么申请？{n}"))).await;
        assert!(!reply.is_empty() && !reply[0].text.contains("太快"), "message {n} is answered");
    }
    let notice = send(&app, &flooder, Input::Text("还有吗".into())).await;
    assert_eq!(notice.len(), 1);
    assert!(notice[0].text.contains("您发送消息太快了"), "{notice:?}");
    assert!(send(&app, &flooder, Input::Text("还有吗".into())).await.is_empty(), "then silence");

    let other = telegram("32");
    assert!(!say(&app, &other, "人才公寓怎么申请？").await.contains("太快"), "others are not slowed down");
    let staff = telegram(STAFF_MEMBER);
    for _ in 0..30 {
        assert!(!say(&app, &staff, "/pending").await.contains("太快"), "staff are exempt");
    }
}
