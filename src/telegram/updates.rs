//! Telegram updates in: messages, button presses, photos and documents become what the bot core
//! receives ([`Incoming`] from a [`Sender`]); a pressed button is acknowledged and its message
//! shows the choice. Only private chats and the staff chat are listened to, and there not to
//! commands addressed to another bot.

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardButtonKind, MaybeInaccessibleMessage, UpdateKind, User};

use super::PROFILE;
use super::channel::Telegram;
use crate::bot::{self, Sender};
use crate::delivery::{Incoming, RemoteFile};
use crate::files::mime_of;
use crate::lang::Lang;

/// Handles one update, replies included (the listeners call this, one chat at a time).
pub async fn handle(telegram: &Telegram<Bot>, core: &bot::Bot, update: Update) {
    let update_id = i64::from(update.id.0);
    match update.kind {
        UpdateKind::Message(message) => on_message(telegram, core, &message, update_id).await,
        UpdateKind::CallbackQuery(query) => on_button(telegram, core, &query, update_id).await,
        _ => {}
    }
}

async fn on_message(telegram: &Telegram<Bot>, core: &bot::Bot, message: &Message, update_id: i64) {
    let Some(user) = message.from.as_ref().filter(|user| !user.is_bot) else { return };
    if message.text().is_some_and(|text| telegram.for_another_bot(text)) {
        return;
    }
    let sender = sender_of(user, message.chat.id);
    if core.listens_to(&sender) {
        core.receive(telegram, &sender, incoming(message), update_id).await;
    }
}

async fn on_button(telegram: &Telegram<Bot>, core: &bot::Bot, query: &CallbackQuery, update_id: i64) {
    let bot = telegram.bot();
    // Stop the button's spinner whatever happens next.
    if let Err(error) = bot.answer_callback_query(query.id.clone()).await {
        tracing::debug!(error = %error, "a button press could not be acknowledged");
    }
    let (Some(data), Some(message)) = (&query.data, &query.message) else { return };
    let sender = sender_of(&query.from, message.chat().id);
    if !core.listens_to(&sender) {
        return;
    }
    show_choice(bot, message, data).await;
    core.receive(telegram, &sender, Incoming::Button(data.clone()), update_id).await;
}

fn sender_of(user: &User, chat: ChatId) -> Sender {
    let lang = user.language_code.as_deref().and_then(Lang::from_code);
    Sender::in_group(PROFILE.name, chat.0.to_string(), user.id.0.to_string(), lang)
}

/// The message as the core receives it: text, or a photo (its largest size) or document to fetch.
fn incoming(message: &Message) -> Incoming {
    if let Some(text) = message.text() {
        return Incoming::Text(text.to_owned());
    }
    let (meta, name, mime) = match (message.photo(), message.document()) {
        (Some(sizes), _) => match sizes.iter().max_by_key(|size| size.width * size.height) {
            Some(largest) => (&largest.file, "photo.jpg".to_owned(), "image/jpeg".to_owned()),
            None => return Incoming::Text(String::new()),
        },
        (None, Some(document)) => (
            &document.file,
            document.file_name.clone().unwrap_or_else(|| "document".to_owned()),
            document
                .mime_type
                .as_ref()
                .map_or_else(|| mime_of(&document.file_name.clone().unwrap_or_default()).to_owned(), |m| m.to_string()),
        ),
        // Stickers, voice, locations: nothing the bot reads; the core asks for words.
        (None, None) => return Incoming::Text(message.caption().unwrap_or_default().to_owned()),
    };
    Incoming::File(RemoteFile { id: meta.id.to_string(), name, mime, size: u64::from(meta.size) })
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
