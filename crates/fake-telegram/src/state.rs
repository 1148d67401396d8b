//! What the fake server remembers: updates waiting for the bot, messages in each chat, files,
//! callback queries, webhook settings, injected failures, and every call the bot made.

mod methods;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Instant, SystemTime, UNIX_EPOCH},
};

use serde_json::{Map, Value, json};
use tokio::sync::{Notify, mpsc::UnboundedSender};

use crate::{
    Call, CommandSet, Sent,
    failure::ApiFailure,
    params::Params,
    webhook::{Delivery, Webhook, WebhookAttempt},
};

/// The bot's display name and username; Telegram requires bots to have a username.
const BOT_FIRST_NAME: &str = "Fake Bot";
const BOT_USERNAME: &str = "fake_bot";

/// Photos are listed in these sizes, smallest first, like Telegram's thumbnails before the original.
const PHOTO_SIZES: [(u32, u32); 2] = [(90, 68), (1280, 960)];

/// An update as handed out: its id and its JSON.
type Update = (i64, Value);

/// A file users sent or the bot uploaded, downloadable by its path.
#[derive(Debug)]
struct StoredFile {
    unique_id: String,
    path: String,
    name: Option<String>,
    bytes: Vec<u8>,
}

/// The whole server state, guarded by one mutex in `Shared`.
#[derive(Debug)]
pub(crate) struct State {
    bot_id: i64,
    /// Updates for the webhook delivery task.
    outbox: UnboundedSender<Delivery>,
    next_update_id: i64,
    /// Updates not yet confirmed by a getUpdates offset, in id order.
    pending: VecDeque<Update>,
    /// Updates `redeliver` asked to hand out again, ahead of `pending`.
    redelivered: VecDeque<Update>,
    /// Every update ever created, so it can be redelivered.
    history: HashMap<i64, Value>,
    /// Users and bot share one message id sequence per chat, as in Telegram.
    last_message_ids: HashMap<i64, i64>,
    /// The bot's messages as they currently read, for edits and for callback queries.
    bot_messages: HashMap<(i64, i64), Map<String, Value>>,
    sent: HashMap<i64, Vec<Sent>>,
    calls: Vec<Call>,
    files: HashMap<String, StoredFile>,
    next_file: u64,
    next_callback: u64,
    /// Callback queries handed out and not yet answered.
    open_callbacks: HashSet<String>,
    answered_callbacks: Vec<String>,
    commands: Vec<CommandSet>,
    /// Queued failures per lower-case method name.
    failures: HashMap<String, VecDeque<ApiFailure>>,
    /// Set by the test with `deliver_to_webhook`; wins over `bot_webhook`.
    test_webhook: Option<Webhook>,
    /// Set by the bot with setWebhook.
    bot_webhook: Option<Webhook>,
    /// The language_code each user's client reports.
    languages: HashMap<i64, String>,
    /// Per chat, a signal that fires when a message is sent or edited there: waiting on one chat
    /// is not woken by every change of the whole state.
    sent_signals: HashMap<i64, Arc<Notify>>,
    /// Every POST to a webhook, in order.
    webhook_attempts: Vec<WebhookAttempt>,
    /// Updates handed to the delivery task and not yet accepted or given up.
    webhook_backlog: usize,
}

impl State {
    pub(crate) fn new(bot_id: i64, outbox: UnboundedSender<Delivery>) -> Self {
        State {
            bot_id,
            outbox,
            next_update_id: 1,
            pending: VecDeque::new(),
            redelivered: VecDeque::new(),
            history: HashMap::new(),
            last_message_ids: HashMap::new(),
            bot_messages: HashMap::new(),
            sent: HashMap::new(),
            calls: Vec::new(),
            files: HashMap::new(),
            next_file: 1,
            next_callback: 1,
            open_callbacks: HashSet::new(),
            answered_callbacks: Vec::new(),
            commands: Vec::new(),
            failures: HashMap::new(),
            test_webhook: None,
            bot_webhook: None,
            languages: HashMap::new(),
            sent_signals: HashMap::new(),
            webhook_attempts: Vec::new(),
            webhook_backlog: 0,
        }
    }

    pub(crate) fn calls(&self) -> &[Call] {
        &self.calls
    }

    pub(crate) fn sent(&self, chat_id: i64) -> &[Sent] {
        self.sent.get(&chat_id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn webhook_attempts(&self) -> &[WebhookAttempt] {
        &self.webhook_attempts
    }

    pub(crate) fn webhook_backlog(&self) -> usize {
        self.webhook_backlog
    }

    /// The signal that fires whenever a message is sent or edited in `chat_id`.
    pub(crate) fn sent_signal(&mut self, chat_id: i64) -> Arc<Notify> {
        Arc::clone(self.sent_signals.entry(chat_id).or_default())
    }

    pub(crate) fn answered_callbacks(&self) -> &[String] {
        &self.answered_callbacks
    }

    pub(crate) fn commands(&self) -> &[CommandSet] {
        &self.commands
    }

    /// Records a call and returns the failure injected for it, if any.
    pub(crate) fn record_call(&mut self, method: &str, params: &Params) -> Option<ApiFailure> {
        self.calls.push(Call { method: method.to_owned(), params: params.record(), at: Instant::now() });
        self.failures.get_mut(method)?.pop_front()
    }

    pub(crate) fn inject(&mut self, method: &str, times: usize, failure: ApiFailure) {
        self.failures.entry(method.to_ascii_lowercase()).or_default().extend(std::iter::repeat_n(failure, times));
    }

    // ---- updates ----

    pub(crate) fn set_language(&mut self, user_id: i64, language_code: Option<&str>) {
        match language_code {
            Some(code) => self.languages.insert(user_id, code.to_owned()),
            None => self.languages.remove(&user_id),
        };
    }

    /// Creates an update `{"update_id": …, kind: payload}` and queues or delivers it.
    pub(crate) fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let update = json!({ "update_id": id, kind: payload });
        self.history.insert(id, update.clone());
        match self.webhook() {
            Some(webhook) => self.deliver(webhook.clone(), id, update),
            None => self.pending.push_back((id, update)),
        }
        id
    }

    /// The update with this id, as it was handed out.
    pub(crate) fn update(&self, update_id: i64) -> Option<&Value> {
        self.history.get(&update_id)
    }

    pub(crate) fn redeliver(&mut self, update_id: i64) {
        let update = self
            .history
            .get(&update_id)
            .cloned()
            .unwrap_or_else(|| panic!("fake-telegram: no update {update_id} to redeliver"));
        match self.webhook() {
            Some(webhook) => self.deliver(webhook.clone(), update_id, update),
            None => self.redelivered.push_back((update_id, update)),
        }
    }

    /// getUpdates: confirms what `offset` says was processed, then hands out up to `limit` updates.
    pub(crate) fn take_updates(&mut self, offset: Option<i64>, limit: usize) -> Vec<Value> {
        match offset {
            // A positive offset confirms every update before it.
            Some(offset) if offset > 0 => self.pending.retain(|(id, _)| *id >= offset),
            // A negative one keeps only the last -offset updates (teloxide drops pending updates with -1).
            Some(offset) if offset < 0 => {
                let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
                self.pending.drain(..self.pending.len().saturating_sub(keep));
            }
            _ => {}
        }
        // Redelivered updates come first: teloxide sets its next offset from the last update of a batch.
        let redelivered = self.redelivered.drain(..limit.min(self.redelivered.len()));
        let mut batch: Vec<Value> = redelivered.map(|(_, update)| update).collect();
        let room = limit - batch.len();
        batch.extend(self.pending.iter().take(room).map(|(_, update)| update.clone()));
        batch
    }

    /// A message from user `user_id` in `chat_id` carrying `content` (e.g. "photo": […]).
    pub(crate) fn user_message(&mut self, chat_id: i64, user_id: i64, content: &str, value: Value) -> Value {
        let message_id = self.next_message_id(chat_id);
        let mut message = self.message_header(chat_id, message_id, self.user(user_id));
        message.insert(content.to_owned(), value);
        Value::Object(message)
    }

    pub(crate) fn text_message(&mut self, chat_id: i64, user_id: i64, text: &str) -> Value {
        let mut message = self.user_message(chat_id, user_id, "text", Value::from(text));
        // Telegram marks a leading /command, which command parsers rely on.
        if let Some(command) = text.split_whitespace().next().filter(|word| word.starts_with('/')) {
            message["entities"] =
                json!([{ "type": "bot_command", "offset": 0, "length": command.encode_utf16().count() }]);
        }
        message
    }

    pub(crate) fn callback_query(&mut self, chat_id: i64, user_id: i64, message_id: i64, data: &str) -> Value {
        let id = format!("fake-callback-{}", self.next_callback);
        self.next_callback += 1;
        self.open_callbacks.insert(id.clone());
        // A press under a message the bot never sent still needs a message for teloxide to parse.
        let message = self.bot_messages.get(&(chat_id, message_id)).cloned().unwrap_or_else(|| {
            let mut placeholder = self.message_header(chat_id, message_id, self.bot_user());
            placeholder.insert("text".to_owned(), Value::from(""));
            placeholder
        });
        json!({
            "id": id,
            "from": self.user(user_id),
            "message": message,
            "chat_instance": chat_id.to_string(),
            "data": data,
        })
    }

    // ---- files ----

    /// Stores a file and returns its Telegram description (file_id, file_unique_id, file_size).
    fn store_file(&mut self, folder: &str, name: Option<&str>, bytes: Vec<u8>) -> Map<String, Value> {
        let number = self.next_file;
        self.next_file += 1;
        let extension = name
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, extension)| format!(".{extension}"))
            .unwrap_or_default();
        let file = StoredFile {
            unique_id: format!("fake-unique-{number}"),
            path: format!("{folder}/file_{number}{extension}"),
            name: name.map(str::to_owned),
            bytes,
        };
        let file_id = format!("fake-file-{number}");
        let description = describe(&file_id, &file);
        self.files.insert(file_id, file);
        description
    }

    pub(crate) fn store_photo(&mut self, bytes: Vec<u8>) -> Value {
        PHOTO_SIZES
            .iter()
            .map(|&(width, height)| {
                let mut size = self.store_file("photos", Some("photo.jpg"), bytes.clone());
                size.insert("width".to_owned(), width.into());
                size.insert("height".to_owned(), height.into());
                Value::Object(size)
            })
            .collect()
    }

    pub(crate) fn store_document(&mut self, file_name: &str, mime: Option<&str>, bytes: Vec<u8>) -> Value {
        let mut document = self.store_file("documents", Some(file_name), bytes);
        document.insert("file_name".to_owned(), file_name.into());
        if let Some(mime) = mime {
            document.insert("mime_type".to_owned(), mime.into());
        }
        Value::Object(document)
    }

    pub(crate) fn file_bytes(&self, path: &str) -> Option<Vec<u8>> {
        self.files.values().find(|file| file.path == path).map(|file| file.bytes.clone())
    }

    // ---- webhook ----

    /// Where updates go instead of the queue, if anywhere.
    fn webhook(&self) -> Option<&Webhook> {
        self.test_webhook.as_ref().or(self.bot_webhook.as_ref())
    }

    pub(crate) fn webhook_url(&self) -> Option<&str> {
        self.webhook().map(Webhook::url)
    }

    pub(crate) fn set_test_webhook(&mut self, webhook: Webhook) {
        self.test_webhook = Some(webhook);
        self.flush_to_webhook();
    }

    fn set_bot_webhook(&mut self, webhook: Option<Webhook>) {
        self.bot_webhook = webhook;
        self.flush_to_webhook();
    }

    /// Once a webhook is set, Telegram delivers what was waiting for getUpdates there.
    fn flush_to_webhook(&mut self) {
        let Some(webhook) = self.webhook().cloned() else { return };
        let waiting: Vec<Update> = self.redelivered.drain(..).chain(self.pending.drain(..)).collect();
        for (id, update) in waiting {
            self.deliver(webhook.clone(), id, update);
        }
    }

    fn deliver(&mut self, webhook: Webhook, update_id: i64, update: Value) {
        // The delivery task only ends with the server, and then nobody is listening anyway.
        if self.outbox.send(Delivery { webhook, update_id, update }).is_ok() {
            self.webhook_backlog += 1;
        }
    }

    /// The delivery task is done with an update (accepted, or given up).
    pub(crate) fn delivery_done(&mut self) {
        self.webhook_backlog = self.webhook_backlog.saturating_sub(1);
    }

    pub(crate) fn record_attempt(&mut self, attempt: WebhookAttempt) {
        self.webhook_attempts.push(attempt);
    }

    // ---- messages ----

    fn user(&self, user_id: i64) -> Value {
        let mut user = json!({ "id": user_id, "is_bot": false, "first_name": format!("User {user_id}") });
        if let Some(code) = self.languages.get(&user_id) {
            user["language_code"] = Value::from(code.as_str());
        }
        user
    }

    fn bot_user(&self) -> Value {
        json!({ "id": self.bot_id, "is_bot": true, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME })
    }

    fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let last = self.last_message_ids.entry(chat_id).or_default();
        *last += 1;
        *last
    }

    /// The fields every message has.
    fn message_header(&self, chat_id: i64, message_id: i64, from: Value) -> Map<String, Value> {
        let mut header = Map::new();
        header.insert("message_id".to_owned(), message_id.into());
        header.insert("date".to_owned(), unix_now().into());
        header.insert("chat".to_owned(), chat(chat_id));
        header.insert("from".to_owned(), from);
        header
    }

    /// Posts a bot message built from `content` into `chat_id` and returns it.
    fn post(&mut self, chat_id: i64, content: Map<String, Value>) -> Value {
        let message_id = self.next_message_id(chat_id);
        let mut message = self.message_header(chat_id, message_id, self.bot_user());
        message.extend(content);
        self.record_sent(chat_id, message_id, &message, false);
        self.bot_messages.insert((chat_id, message_id), message.clone());
        Value::Object(message)
    }

    fn record_sent(&mut self, chat_id: i64, message_id: i64, message: &Map<String, Value>, edited: bool) {
        let document = message.get("document").map(|document| {
            let file = document["file_id"].as_str().and_then(|file_id| self.files.get(file_id));
            let name = file.and_then(|file| file.name.clone()).unwrap_or_default();
            (name, file.map(|file| file.bytes.clone()).unwrap_or_default())
        });
        let text = ["text", "caption"]
            .iter()
            .find_map(|key| message.get(*key).and_then(Value::as_str))
            .map(str::to_owned)
            .or_else(|| document.as_ref().map(|(name, _)| name.clone()))
            .unwrap_or_default();
        let buttons = message.get("reply_markup").map(buttons).unwrap_or_default();
        self.sent.entry(chat_id).or_default().push(Sent { message_id, text, buttons, document, edited });
        if let Some(signal) = self.sent_signals.get(&chat_id) {
            signal.notify_waiters();
        }
    }
}

/// A file's description as Telegram gives it in messages and getFile.
fn describe(file_id: &str, file: &StoredFile) -> Map<String, Value> {
    let mut description = Map::new();
    description.insert("file_id".to_owned(), file_id.into());
    description.insert("file_unique_id".to_owned(), file.unique_id.as_str().into());
    description.insert("file_size".to_owned(), file.bytes.len().into());
    description
}

/// Private chats have positive ids and the user's name; groups have negative ids and a title.
fn chat(chat_id: i64) -> Value {
    if chat_id < 0 {
        json!({ "id": chat_id, "type": "group", "title": format!("Group {chat_id}") })
    } else {
        json!({ "id": chat_id, "type": "private", "first_name": format!("User {chat_id}") })
    }
}

/// (label, callback data or URL) for each button of an inline keyboard.
fn buttons(markup: &Value) -> Vec<Vec<(String, String)>> {
    let label_and_data = |button: &Value| {
        let field = |key: &str| button.get(key).and_then(Value::as_str);
        let data = field("callback_data").or_else(|| field("url")).unwrap_or_default();
        (field("text").unwrap_or_default().to_owned(), data.to_owned())
    };
    let rows = markup.get("inline_keyboard").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    rows.iter().map(|row| row.as_array().map_or(&[][..], Vec::as_slice).iter().map(label_and_data).collect()).collect()
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}
