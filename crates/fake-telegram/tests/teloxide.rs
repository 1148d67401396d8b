//! Proves the fake speaks teloxide's language: every call here goes through the real teloxide client.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{Router, extract::State, http::HeaderMap, http::StatusCode, routing::post};
use fake_telegram::FakeTelegram;
use serde_json::Value;
use teloxide::{
    ApiError, RequestError,
    net::Download,
    prelude::*,
    types::{
        BotCommand, CallbackQueryId, ChatAction, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile,
        MaybeInaccessibleMessage, MediaKind, MessageId, MessageKind, UpdateKind,
    },
};
use tokio::sync::mpsc;

const TOKEN: &str = "4242:fake-token";
const USER: i64 = 7;
const PATIENCE: Duration = Duration::from_secs(5);

async fn connect() -> (FakeTelegram, Bot) {
    let fake = FakeTelegram::start(TOKEN).await;
    let bot = Bot::new(TOKEN).set_api_url(fake.url().parse().expect("the fake's URL parses"));
    (fake, bot)
}

fn keyboard(buttons: &[(&str, &str)]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new([buttons.iter().map(|&(label, data)| InlineKeyboardButton::callback(label, data))])
}

/// Fetches what is queued right now, confirming everything before `offset`.
async fn updates(bot: &Bot, offset: i32) -> Vec<Update> {
    bot.get_updates().offset(offset).timeout(0).await.expect("getUpdates succeeds")
}

fn message(update: &Update) -> &Message {
    match &update.kind {
        UpdateKind::Message(message) => message,
        other => panic!("expected a message, got {other:?}"),
    }
}

async fn download(bot: &Bot, file_id: &str) -> Vec<u8> {
    let file = bot.get_file(FileId(file_id.to_owned())).await.expect("getFile knows the file");
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await.expect("the file downloads");
    bytes
}

#[tokio::test]
async fn get_me_describes_the_bot_with_every_field_teloxide_needs() {
    let (fake, bot) = connect().await;

    let me = bot.get_me().await.expect("getMe parses");

    assert_eq!(me.id.0, 4242);
    assert_eq!(fake.bot_user_id(), 4242);
    assert!(me.is_bot);
    assert!(!me.username().is_empty());
    assert_eq!(fake.calls()[0].method, "getme");
}

#[tokio::test]
async fn a_sent_message_shows_its_text_and_inline_buttons() {
    let (fake, bot) = connect().await;

    let sent = bot
        .send_message(ChatId(USER), "Choose")
        .reply_markup(keyboard(&[("Yes", "answer:yes"), ("No", "answer:no")]))
        .await
        .expect("sendMessage returns the message");

    assert_eq!(sent.text(), Some("Choose"));
    assert_eq!(sent.from.as_ref().map(|from| from.is_bot), Some(true));
    assert_eq!(sent.id, MessageId(1));
    let [shown] = fake.sent(USER).try_into().expect("one message");
    assert_eq!(shown.text, "Choose");
    assert_eq!(
        shown.buttons,
        [[("Yes".to_owned(), "answer:yes".to_owned()), ("No".to_owned(), "answer:no".to_owned())]]
    );
    assert!(!shown.edited);
    let call = fake.calls().into_iter().find(|call| call.method == "sendmessage").expect("the call is recorded");
    assert_eq!(call.params["chat_id"], USER);
}

#[tokio::test]
async fn overlong_callback_data_is_refused_like_telegram_does() {
    let (_fake, bot) = connect().await;

    let result = bot.send_message(ChatId(USER), "Choose").reply_markup(keyboard(&[("Long", &"x".repeat(65))])).await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::ButtonDataInvalid))), "{result:?}");
}

#[tokio::test]
async fn editing_a_message_replaces_its_text_and_drops_a_keyboard_the_edit_does_not_repeat() {
    let (fake, bot) = connect().await;
    let original = bot.send_message(ChatId(USER), "Step 1").reply_markup(keyboard(&[("Next", "next")])).await.unwrap();

    let edited = bot.edit_message_text(ChatId(USER), original.id, "Step 2").await.expect("editMessageText succeeds");
    let unchanged = bot.edit_message_text(ChatId(USER), original.id, "Step 2").await;
    bot.edit_message_reply_markup(ChatId(USER), original.id)
        .reply_markup(keyboard(&[("Back", "back")]))
        .await
        .expect("editMessageReplyMarkup succeeds");

    assert_eq!(edited.text(), Some("Step 2"));
    assert!(matches!(unchanged, Err(RequestError::Api(ApiError::MessageNotModified))), "{unchanged:?}");
    let shown = fake.sent(USER);
    assert_eq!(shown.len(), 3);
    assert_eq!((shown[1].message_id, shown[1].text.as_str(), shown[1].edited), (1, "Step 2", true));
    assert!(shown[1].buttons.is_empty());
    assert_eq!(shown[2].buttons, [[("Back".to_owned(), "back".to_owned())]]);
}

#[tokio::test]
async fn a_button_press_arrives_as_a_callback_query_the_bot_can_answer_once() {
    let (fake, bot) = connect().await;
    fake.send_text(USER, "hi", Some("en"));
    let shown = bot.send_message(ChatId(USER), "Choose").reply_markup(keyboard(&[("Yes", "yes")])).await.unwrap();
    let pressed = fake.press(USER, USER, i64::from(shown.id.0), "yes");

    let received = updates(&bot, 0).await;
    let query = match &received.last().expect("two updates").kind {
        UpdateKind::CallbackQuery(query) => query.clone(),
        other => panic!("expected a callback query, got {other:?}"),
    };
    bot.answer_callback_query(query.id.clone()).await.expect("answerCallbackQuery succeeds");
    let again = bot.answer_callback_query(query.id.clone()).await;
    let unknown = bot.answer_callback_query(CallbackQueryId("never-issued".to_owned())).await;

    assert_eq!(received.last().map(|update| i64::from(update.id.0)), Some(pressed));
    assert_eq!(query.data.as_deref(), Some("yes"));
    assert_eq!(query.from.language_code.as_deref(), Some("en"));
    let Some(MaybeInaccessibleMessage::Regular(under)) = &query.message else {
        panic!("the pressed message is attached")
    };
    assert_eq!((under.id, under.text()), (shown.id, Some("Choose")));
    assert_eq!(fake.answered_callbacks(), [query.id.0]);
    assert!(matches!(again, Err(RequestError::Api(ApiError::InvalidQueryId))), "{again:?}");
    assert!(matches!(unknown, Err(RequestError::Api(ApiError::InvalidQueryId))), "{unknown:?}");
}

#[tokio::test]
async fn get_updates_hands_out_text_photo_and_document_messages_until_an_offset_confirms_them() {
    let (fake, bot) = connect().await;
    let text_id = fake.send_text(USER, "/start now", Some("zh-hans"));
    fake.send_photo(USER, b"jpeg bytes".to_vec());
    let last_id = fake.send_document(USER, "diploma.pdf", "application/pdf", b"%PDF".to_vec());

    let received = updates(&bot, 0).await;
    let confirmed = updates(&bot, i32::try_from(last_id + 1).unwrap()).await;

    assert_eq!(received.len(), 3);
    assert_eq!(i64::from(received[0].id.0), text_id);
    let text = message(&received[0]);
    assert_eq!(text.text(), Some("/start now"));
    assert!(text.chat.is_private());
    assert_eq!(text.chat.id, ChatId(USER));
    let from = text.from.as_ref().expect("a user wrote it");
    assert_eq!((from.id.0, from.is_bot, from.language_code.as_deref()), (7, false, Some("zh-hans")));
    assert_eq!(text.entities().map(<[_]>::len), Some(1), "a leading command is marked");
    let MessageKind::Common(photo) = &message(&received[1]).kind else { panic!("a common message") };
    let MediaKind::Photo(photo) = &photo.media_kind else { panic!("a photo") };
    let largest = photo.photo.last().expect("photo sizes");
    assert_eq!(download(&bot, &largest.file.id.0).await, b"jpeg bytes");
    let document = message(&received[2]).document().expect("a document");
    assert_eq!(document.file_name.as_deref(), Some("diploma.pdf"));
    assert_eq!(document.mime_type.as_ref().map(ToString::to_string).as_deref(), Some("application/pdf"));
    assert_eq!(download(&bot, &document.file.id.0).await, b"%PDF");
    assert!(confirmed.is_empty());
}

#[tokio::test]
async fn a_group_message_comes_from_a_group_chat() {
    let (fake, bot) = connect().await;
    fake.send_group_text(-100, USER, "hello staff");

    let received = updates(&bot, 0).await;

    let message = message(&received[0]);
    assert!(message.chat.is_group());
    assert_eq!((message.chat.id, message.text()), (ChatId(-100), Some("hello staff")));
    assert_eq!(message.from.as_ref().map(|from| from.id.0), Some(7));
}

#[tokio::test]
async fn a_redelivered_update_is_handed_out_again_after_it_was_confirmed() {
    let (fake, bot) = connect().await;
    let first = fake.send_text(USER, "apply", None);
    let offset = i32::try_from(first + 1).unwrap();
    updates(&bot, 0).await;
    assert!(updates(&bot, offset).await.is_empty());

    fake.redeliver(first);
    let again = updates(&bot, offset).await;

    assert_eq!(again.iter().map(|update| i64::from(update.id.0)).collect::<Vec<_>>(), [first]);
    assert_eq!(message(&again[0]).text(), Some("apply"));
}

#[tokio::test]
async fn long_polling_answers_as_soon_as_an_update_arrives() {
    let (fake, bot) = connect().await;
    let fake = Arc::new(fake);
    let sender = Arc::clone(&fake);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        sender.send_text(USER, "late", None);
    });

    let started = Instant::now();
    let received = bot.get_updates().timeout(30).await.expect("getUpdates succeeds");

    assert_eq!(received.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn an_unknown_file_id_is_a_bad_request() {
    let (_fake, bot) = connect().await;

    let result = bot.get_file(FileId("nope".to_owned())).await;

    assert!(
        matches!(&result, Err(RequestError::Api(ApiError::Unknown(text))) if text.contains("invalid file_id")),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_sent_document_arrives_with_its_name_caption_and_bytes() {
    let (fake, bot) = connect().await;

    let named = bot
        .send_document(ChatId(USER), InputFile::memory(b"ref,status\n".to_vec()).file_name("export.csv"))
        .caption("Your export")
        .await
        .expect("sendDocument returns the message");
    bot.send_document(ChatId(USER), InputFile::memory(b"plain".to_vec())).await.expect("an unnamed upload is accepted");

    assert_eq!(named.document().and_then(|document| document.file_name.as_deref()), Some("export.csv"));
    let shown = fake.sent(USER);
    assert_eq!(shown[0].text, "Your export");
    assert_eq!(shown[0].document, Some(("export.csv".to_owned(), b"ref,status\n".to_vec())));
    assert_eq!(shown[1].text, "document");
    let call = fake.calls().into_iter().find(|call| call.method == "senddocument").expect("the call is recorded");
    assert_eq!(call.params["document"]["file_name"], "export.csv");
    assert_eq!(call.params["chat_id"], USER.to_string(), "multipart fields stay text");
}

#[tokio::test]
async fn chat_actions_and_commands_are_recorded_per_language() {
    let (fake, bot) = connect().await;

    bot.send_chat_action(ChatId(USER), ChatAction::Typing).await.expect("sendChatAction succeeds");
    bot.set_my_commands([BotCommand::new("start", "Begin")]).await.expect("setMyCommands succeeds");
    bot.set_my_commands([BotCommand::new("start", "开始")]).language_code("zh").await.expect("per language too");

    assert_eq!(
        fake.commands(),
        [
            (None, vec![("start".to_owned(), "Begin".to_owned())]),
            (Some("zh".to_owned()), vec![("start".to_owned(), "开始".to_owned())])
        ]
    );
    assert!(fake.calls().iter().any(|call| call.method == "sendchataction"));
}

#[tokio::test]
async fn an_injected_429_surfaces_as_retry_after_and_then_calls_succeed() {
    let (fake, bot) = connect().await;
    fake.fail_with_429("SendMessage", 1, 3);

    let limited = bot.send_message(ChatId(USER), "one").await;
    let next = bot.send_message(ChatId(USER), "two").await;

    assert!(matches!(limited, Err(RequestError::RetryAfter(after)) if after.seconds() == 3), "{limited:?}");
    assert!(next.is_ok(), "{next:?}");
    assert_eq!(fake.sent(USER).len(), 1);
    let attempts: Vec<_> = fake.calls().into_iter().filter(|call| call.method == "sendmessage").collect();
    assert_eq!(attempts.len(), 2);
    assert!(attempts[0].at <= attempts[1].at);
}

// teloxide sleeps 10 s after any 5xx answer before reporting it, so this test is slow by design.
#[tokio::test]
async fn an_injected_500_surfaces_as_an_api_error() {
    let (fake, bot) = connect().await;
    fake.fail_with_500("getme", 1);

    let result = bot.get_me().await;

    assert!(
        matches!(&result, Err(RequestError::Api(ApiError::Unknown(text))) if text == "Internal Server Error"),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_wrong_token_is_unauthorized() {
    let (fake, _bot) = connect().await;
    let stranger = Bot::new("1:wrong").set_api_url(fake.url().parse().unwrap());

    let result = stranger.get_me().await;

    assert!(matches!(result, Err(RequestError::Api(ApiError::InvalidToken))), "{result:?}");
}

#[tokio::test]
async fn a_stopped_server_is_unreachable() {
    let (fake, bot) = connect().await;
    bot.get_me().await.expect("reachable while running");

    fake.stop().await;
    let result = bot.get_me().await;

    assert!(matches!(result, Err(RequestError::Network(_))), "{result:?}");
}

/// What the test webhook endpoint shares between requests.
#[derive(Clone)]
struct Endpoint {
    seen: Arc<AtomicUsize>,
    refusals: usize,
    report: mpsc::UnboundedSender<(Option<String>, Value)>,
}

async fn receive(State(endpoint): State<Endpoint>, headers: HeaderMap, body: String) -> StatusCode {
    if endpoint.seen.fetch_add(1, Ordering::SeqCst) < endpoint.refusals {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let secret =
        headers.get("x-telegram-bot-api-secret-token").and_then(|value| value.to_str().ok()).map(str::to_owned);
    endpoint.report.send((secret, serde_json::from_str(&body).expect("an update is JSON"))).expect("the test listens");
    StatusCode::OK
}

/// A webhook endpoint that answers 503 to the first `refusals` requests and reports the others.
async fn webhook_endpoint(refusals: usize) -> (String, mpsc::UnboundedReceiver<(Option<String>, Value)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (report, reports) = mpsc::unbounded_channel();
    let endpoint = Endpoint { seen: Arc::new(AtomicUsize::new(0)), refusals, report };
    let app = Router::new().route("/hook", post(receive)).with_state(endpoint);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, reports)
}

#[tokio::test]
async fn updates_go_to_the_webhook_the_bot_set_with_its_secret_even_after_refusals() {
    let (fake, bot) = connect().await;
    let (url, mut reports) = webhook_endpoint(2).await;
    let queued = fake.send_text(USER, "before the webhook", None);

    bot.set_webhook(url.parse().unwrap()).secret_token("s3cret").await.expect("setWebhook succeeds");
    let pushed = fake.send_text(USER, "after the webhook", None);
    let info = bot.get_webhook_info().await.expect("getWebhookInfo parses");
    let polling = bot.get_updates().await;

    for expected in [queued, pushed] {
        let (secret, update) = tokio::time::timeout(PATIENCE, reports.recv()).await.unwrap().unwrap();
        assert_eq!(secret.as_deref(), Some("s3cret"));
        assert_eq!(update["update_id"], expected);
        assert_eq!(update["message"]["chat"]["type"], "private");
    }
    assert_eq!(info.url.map(String::from), Some(url));
    assert!(polling.is_err(), "getUpdates conflicts with an active webhook");
}

#[tokio::test]
async fn deliver_to_webhook_posts_without_a_secret_when_none_is_given() {
    let (fake, _bot) = connect().await;
    let (url, mut reports) = webhook_endpoint(0).await;

    fake.deliver_to_webhook(&url, None);
    let pressed = fake.press(USER, USER, 1, "yes");

    let (secret, update) = tokio::time::timeout(PATIENCE, reports.recv()).await.unwrap().unwrap();
    assert_eq!(secret, None);
    assert_eq!(update["update_id"], pressed);
    assert_eq!(update["callback_query"]["data"], "yes");
}

#[tokio::test]
async fn a_teloxide_dispatcher_polls_the_fake_and_answers() {
    let (fake, bot) = connect().await;
    let handler = Update::filter_message().endpoint(|bot: Bot, message: Message| async move {
        bot.send_message(message.chat.id, format!("echo: {}", message.text().unwrap_or_default())).await?;
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    fake.send_text(USER, "hello", Some("en"));
    let replies = fake.wait_for(USER, 1, PATIENCE).await;
    shutdown.shutdown().expect("the dispatcher runs").await;
    running.await.expect("the dispatcher ends cleanly");

    assert_eq!(replies[0].text, "echo: hello");
    assert_eq!(replies[0].message_id, 2, "the user's message took id 1");
    let methods: Vec<String> = fake.calls().into_iter().map(|call| call.method).collect();
    assert!(methods.contains(&"getme".to_owned()) && methods.contains(&"getupdates".to_owned()), "{methods:?}");
}

#[tokio::test]
#[should_panic(expected = "expected 1 messages in chat 7")]
async fn wait_for_panics_when_nothing_arrives() {
    let (fake, _bot) = connect().await;

    fake.wait_for(USER, 1, Duration::from_millis(50)).await;
}

#[tokio::test]
async fn wait_for_count_returns_once_its_chat_has_enough_messages_and_gives_up_after_the_timeout() {
    let (fake, bot) = connect().await;
    let sending = async {
        bot.send_message(ChatId(USER + 1), "another chat").await.expect("sent");
        bot.send_message(ChatId(USER), "one").await.expect("sent");
        bot.send_message(ChatId(USER), "two").await.expect("sent");
    };

    let (count, ()) = tokio::join!(fake.wait_for_count(USER, 2, PATIENCE), sending);

    assert_eq!(count, Some(2));
    assert_eq!(fake.sent_count(USER), 2);
    assert_eq!(fake.wait_for_count(USER, 3, Duration::from_millis(50)).await, None);
}

/// A loopback URL nobody listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn next_report(reports: &mut mpsc::UnboundedReceiver<(Option<String>, Value)>) -> (Option<String>, Value) {
    tokio::time::timeout(PATIENCE, reports.recv()).await.expect("an update arrives in time").expect("the test listens")
}

async fn until_delivered(fake: &FakeTelegram) {
    let deadline = Instant::now() + PATIENCE;
    while fake.webhook_backlog() > 0 {
        assert!(Instant::now() < deadline, "updates still waiting: {:#?}", fake.webhook_attempts());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn deliver_to_webhooks_takes_turns_over_the_urls_with_the_secret() {
    let (fake, _bot) = connect().await;
    let (first, mut to_first) = webhook_endpoint(0).await;
    let (second, mut to_second) = webhook_endpoint(0).await;

    fake.deliver_to_webhooks(&[first.clone(), second.clone()], Some("s3cret"));
    let ids: Vec<i64> = (0..4).map(|n| fake.send_text(USER, &format!("message {n}"), None)).collect();

    for (reports, expected) in [(&mut to_first, [ids[0], ids[2]]), (&mut to_second, [ids[1], ids[3]])] {
        for id in expected {
            let (secret, update) = next_report(reports).await;
            assert_eq!(secret.as_deref(), Some("s3cret"));
            assert_eq!(update["update_id"], id);
        }
    }
    until_delivered(&fake).await;
    let attempts = fake.webhook_attempts();
    assert_eq!(attempts.len(), 4, "each accepted at the first try: {attempts:#?}");
    assert!(attempts.iter().all(|attempt| attempt.accepted()));
    let urls: Vec<&str> = attempts.iter().map(|attempt| attempt.url.as_str()).collect();
    assert_eq!(urls, [&first, &second, &first, &second]);
}

#[tokio::test]
async fn deliver_to_webhooks_fails_over_from_an_unreachable_url_and_keeps_the_order() {
    let (fake, _bot) = connect().await;
    let dead = dead_url();
    let (alive, mut reports) = webhook_endpoint(0).await;

    fake.deliver_to_webhooks(&[dead.clone(), alive.clone()], None);
    let ids: Vec<i64> = (0..4).map(|n| fake.send_text(USER, &format!("message {n}"), None)).collect();

    for id in &ids {
        assert_eq!(next_report(&mut reports).await.1["update_id"], *id, "in order, all at the live URL");
    }
    until_delivered(&fake).await;
    let attempts = fake.webhook_attempts();
    let refused: Vec<i64> = attempts.iter().filter(|a| a.url == dead).map(|a| a.update_id).collect();
    assert_eq!(refused, [ids[0], ids[2]], "the updates whose turn it was tried the dead URL first: {attempts:#?}");
    assert!(attempts.iter().filter(|a| a.url == dead).all(|a| a.outcome.is_err()), "{attempts:#?}");
    for id in ids {
        let accepted: Vec<_> = attempts.iter().filter(|a| a.update_id == id && a.accepted()).collect();
        assert_eq!(accepted.len(), 1, "update {id} accepted once: {attempts:#?}");
        assert_eq!(accepted[0].url, alive);
    }
}

#[tokio::test]
async fn deliver_to_webhooks_keeps_retrying_until_an_url_answers_2xx() {
    let (fake, _bot) = connect().await;
    // Four refusals each: eight failed posts, more than a single webhook's six attempts.
    let (first, mut to_first) = webhook_endpoint(4).await;
    let (second, mut to_second) = webhook_endpoint(4).await;

    fake.deliver_to_webhooks(&[first.clone(), second.clone()], None);
    let id = fake.send_text(USER, "persistent", None);

    assert_eq!(next_report(&mut to_first).await.1["update_id"], id);
    until_delivered(&fake).await;
    let attempts = fake.webhook_attempts();
    assert_eq!(attempts.len(), 9, "{attempts:#?}");
    assert!(attempts[..8].iter().all(|attempt| attempt.outcome == Ok(503)), "{attempts:#?}");
    assert!(attempts[8].accepted() && attempts[8].url == first, "{attempts:#?}");
    let alternating = attempts.iter().enumerate().all(|(n, a)| a.url == *if n % 2 == 0 { &first } else { &second });
    assert!(alternating, "a failed post goes to the other URL: {attempts:#?}");
    assert!(to_second.try_recv().is_err(), "the second URL never accepted it");
}
