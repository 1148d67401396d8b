//! Telegram updates in, the bot core's replies out: messages, button presses, photos and
//! documents become [`Input`]s of a [`Sender`]; a pressed button is acknowledged and its message
//! shows the choice. Only private chats and the staff chat are listened to.

use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardButtonKind, MaybeInaccessibleMessage, UpdateKind, User};

use super::send;
use crate::app::App;
use crate::bot::{Input, Sender};
use crate::dialog::flow::MAX_FILE_BYTES;
use crate::dialog::value::FileRef;
use crate::lang::Lang;
use crate::messages;
use crate::notify::PUSH_CHANNEL;
use crate::reply::Reply;

/// Handles one update, replies included (the listeners call this, one chat at a time).
pub async fn handle(bot: &Bot, app: &App, update: Update) {
    let update_id = i64::from(update.id.0);
    match update.kind {
        UpdateKind::Message(message) => on_message(bot, app, &message, update_id).await,
        UpdateKind::CallbackQuery(query) => on_button(bot, app, &query, update_id).await,
        _ => {}
    }
}

async fn on_message(bot: &Bot, app: &App, message: &Message, update_id: i64) {
    let Some(user) = message.from.as_ref().filter(|user| !user.is_bot) else { return };
    let sender = sender_of(user, message.chat.id);
    // Any other group the bot is added to is ignored.
    if !app.bot.staff().is_private_or_staff_chat(&sender) {
        return;
    }
    let input = match read(bot, app, message).await {
        Ok(input) => input,
        Err(error) => {
            tracing::warn!(error = %error, "a file could not be downloaded");
            let lang = sender.lang.unwrap_or_default();
            send::send(
                bot,
                message.chat.id,
                &Reply::text(messages::Message::FileNotReceived.render(lang, app.bot.policy())),
            )
            .await;
            return;
        }
    };
    reply(bot, app, &sender, input, update_id, message.chat.id).await;
}

async fn on_button(bot: &Bot, app: &App, query: &CallbackQuery, update_id: i64) {
    // Stop the button's spinner whatever happens next.
    if let Err(error) = bot.answer_callback_query(query.id.clone()).await {
        tracing::debug!(error = %error, "a button press could not be acknowledged");
    }
    let (Some(data), Some(message)) = (&query.data, &query.message) else { return };
    let sender = sender_of(&query.from, message.chat().id);
    // Any other group the bot is added to is ignored.
    if !app.bot.staff().is_private_or_staff_chat(&sender) {
        return;
    }
    show_choice(bot, message, data).await;
    reply(bot, app, &sender, Input::Button(data.clone()), update_id, message.chat().id).await;
}

async fn reply(bot: &Bot, app: &App, sender: &Sender, input: Input, update_id: i64, chat: ChatId) {
    for reply in app.bot.handle_update(sender, input, update_id).await {
        send::send(bot, chat, &reply).await;
    }
}

fn sender_of(user: &User, chat: ChatId) -> Sender {
    let lang = user.language_code.as_deref().and_then(Lang::from_code);
    Sender::in_group(PUSH_CHANNEL, chat.0.to_string(), user.id.0.to_string(), lang)
}

/// The message as the core sees it; files are downloaded into the files directory first.
async fn read(bot: &Bot, app: &App, message: &Message) -> Result<Input, DownloadError> {
    if let Some(text) = message.text() {
        return Ok(Input::Text(text.to_owned()));
    }
    let (meta, name, mime) = match (message.photo(), message.document()) {
        (Some(sizes), _) => match sizes.iter().max_by_key(|size| size.width * size.height) {
            Some(largest) => (&largest.file, "photo.jpg".to_owned(), "image/jpeg".to_owned()),
            None => return Ok(Input::Text(String::new())),
        },
        (None, Some(document)) => (
            &document.file,
            document.file_name.clone().unwrap_or_else(|| "document".to_owned()),
            document.mime_type.as_ref().map_or_else(
                || crate::files::mime_of(&document.file_name.clone().unwrap_or_default()).to_owned(),
                |m| m.to_string(),
            ),
        ),
        // Stickers, voice, locations: nothing the bot reads; the core asks for words.
        (None, None) => return Ok(Input::Text(message.caption().unwrap_or_default().to_owned())),
    };
    let size = u64::from(meta.size);
    if size > MAX_FILE_BYTES {
        // Not downloaded (Telegram would refuse anyway); the form explains the limit.
        return Ok(Input::File(FileRef { location: String::new(), name, mime, size, sha256: String::new() }));
    }
    let file = bot.get_file(meta.id.clone()).await?;
    let mut bytes = Vec::with_capacity(size as usize);
    bot.download_file(&file.path, &mut bytes).await?;
    let mut stored = app.files.keep(&name, &bytes)?;
    stored.mime = mime;
    Ok(Input::File(stored))
}

/// A file that could not be fetched or kept.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Telegram refused or failed.
    #[error("Telegram")]
    Request(#[from] teloxide::RequestError),
    /// Downloading failed.
    #[error("download")]
    Download(#[from] teloxide::DownloadError),
    /// Keeping the file failed.
    #[error("files directory")]
    Io(#[from] std::io::Error),
}

/// Marks the pressed button's message with the choice and removes its keyboard, so the chat shows
/// what was chosen and an old keyboard cannot be pressed again by mistake.
async fn show_choice(bot: &Bot, message: &MaybeInaccessibleMessage, data: &str) {
    let Some(message) = message.regular_message() else { return };
    let label = message
        .reply_markup()
        .into_iter()
        .flat_map(|markup| markup.inline_keyboard.iter().flatten())
        .find(|button| matches!(&button.kind, InlineKeyboardButtonKind::CallbackData(d) if d == data))
        .map(|button| button.text.clone());
    let result = match (message.text(), label) {
        (Some(text), Some(label)) => {
            bot.edit_message_text(message.chat.id, message.id, format!("{text}\n\n→ {label}")).await.map(|_| ())
        }
        _ => bot.edit_message_reply_markup(message.chat.id, message.id).await.map(|_| ()),
    };
    if let Err(error) = result {
        tracing::debug!(error = %error, "the pressed button's message could not be updated");
    }
}
