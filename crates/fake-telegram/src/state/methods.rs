//! The Bot API methods the fake answers (all but getUpdates, which waits and lives in the server),
//! with the checks real Telegram makes that a bot most easily trips over.

use serde_json::{Map, Value, json};

use super::{State, describe, unix_now};
use crate::{
    failure::ApiFailure,
    params::{FileParam, Params},
    webhook::Webhook,
};

/// Telegram's limits on message text, captions and callback data.
const TEXT_LIMIT: usize = 4096;
const CAPTION_LIMIT: usize = 1024;
const CALLBACK_DATA_LIMIT: usize = 64;

impl State {
    /// Answers one call; `method` is lower case.
    pub(crate) fn handle(&mut self, method: &str, params: &Params) -> Result<Value, ApiFailure> {
        match method {
            "getme" => Ok(self.me()),
            "setwebhook" => self.set_webhook(params),
            "deletewebhook" => self.delete_webhook(params),
            "getwebhookinfo" => Ok(self.webhook_info()),
            "setmycommands" => self.set_my_commands(params),
            // Nothing a test can observe beyond the call itself, which `calls()` shows.
            "deletemycommands" | "setmydescription" | "setmyshortdescription" => Ok(Value::Bool(true)),
            "sendchataction" => params.i64("chat_id").map(|_| Value::Bool(true)),
            "sendmessage" => self.send_message(params),
            "editmessagetext" => self.edit_message_text(params),
            "editmessagereplymarkup" => self.edit_message_reply_markup(params),
            "answercallbackquery" => self.answer_callback_query(params),
            "getfile" => self.get_file(params),
            "senddocument" => self.send_document(params),
            _ => Err(ApiFailure::method_not_found()),
        }
    }

    /// getMe: teloxide's `Me` requires the capability flags besides the `User` fields.
    fn me(&self) -> Value {
        let mut me = self.bot_user();
        me["can_join_groups"] = Value::Bool(true);
        me["can_read_all_group_messages"] = Value::Bool(false);
        me["supports_inline_queries"] = Value::Bool(false);
        me["can_connect_to_business"] = Value::Bool(false);
        me["has_main_web_app"] = Value::Bool(false);
        me
    }

    fn set_webhook(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let url = params.str("url")?;
        let secret = params.opt_str("secret_token")?.map(str::to_owned);
        self.drop_pending_if_asked(params)?;
        // An empty url removes the webhook.
        let webhook = (!url.is_empty()).then(|| Webhook::single(url, secret));
        self.set_bot_webhook(webhook);
        Ok(Value::Bool(true))
    }

    fn delete_webhook(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        self.drop_pending_if_asked(params)?;
        self.set_bot_webhook(None);
        Ok(Value::Bool(true))
    }

    fn drop_pending_if_asked(&mut self, params: &Params) -> Result<(), ApiFailure> {
        if params.opt_bool("drop_pending_updates")?.unwrap_or(false) {
            self.pending.clear();
            self.redelivered.clear();
        }
        Ok(())
    }

    fn webhook_info(&self) -> Value {
        json!({
            "url": self.webhook_url().unwrap_or_default(),
            "has_custom_certificate": false,
            "pending_update_count": self.pending.len(),
        })
    }

    fn set_my_commands(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let unparsable = || ApiFailure::bad_request("can't parse BotCommand array");
        let listed = params.opt_structure("commands")?.ok_or_else(unparsable)?;
        let commands = listed
            .as_array()
            .ok_or_else(unparsable)?
            .iter()
            .map(|command| {
                let field = |key: &str| command.get(key).and_then(Value::as_str).map(str::to_owned);
                field("command").zip(field("description")).ok_or_else(unparsable)
            })
            .collect::<Result<_, _>>()?;
        let language_code = params.opt_str("language_code")?.map(str::to_owned);
        self.commands.push((language_code, commands));
        Ok(Value::Bool(true))
    }

    fn send_message(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let chat_id = params.i64("chat_id")?;
        let mut content = Map::new();
        content.insert("text".to_owned(), message_text(params)?.into());
        insert_keyboard(&mut content, params)?;
        Ok(self.post(chat_id, content))
    }

    fn send_document(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let chat_id = params.i64("chat_id")?;
        let document = match params.file("document")? {
            // Telegram names an upload without a file name "document".
            FileParam::Upload(upload) => {
                let name = if upload.name.is_empty() { "document" } else { upload.name.as_str() };
                self.store_document(name, None, upload.bytes.clone())
            }
            FileParam::Reference(file_id) => self.known_document(file_id)?,
        };
        let mut content = Map::new();
        content.insert("document".to_owned(), document);
        if let Some(caption) = params.opt_str("caption")? {
            if caption.chars().count() > CAPTION_LIMIT {
                return Err(ApiFailure::bad_request("message caption is too long"));
            }
            content.insert("caption".to_owned(), caption.into());
        }
        insert_keyboard(&mut content, params)?;
        Ok(self.post(chat_id, content))
    }

    /// A document sent again by its file_id.
    fn known_document(&self, file_id: &str) -> Result<Value, ApiFailure> {
        let file = self
            .files
            .get(file_id)
            .ok_or_else(|| ApiFailure::bad_request("wrong file identifier/HTTP URL specified"))?;
        let mut document = describe(file_id, file);
        if let Some(name) = &file.name {
            document.insert("file_name".to_owned(), name.as_str().into());
        }
        Ok(Value::Object(document))
    }

    fn edit_message_text(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let text = message_text(params)?;
        self.edit(params, |message| {
            if !message.contains_key("text") {
                return Err(ApiFailure::bad_request("there is no text in the message to edit"));
            }
            message.insert("text".to_owned(), text.into());
            Ok(())
        })
    }

    fn edit_message_reply_markup(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        self.edit(params, |_| Ok(()))
    }

    /// Edits the bot message named by chat_id and message_id: `change` sets the content, and the
    /// keyboard becomes the one in the call. Telegram drops an inline keyboard an edit does not
    /// repeat, and refuses an edit that changes nothing.
    fn edit(
        &mut self,
        params: &Params,
        change: impl FnOnce(&mut Map<String, Value>) -> Result<(), ApiFailure>,
    ) -> Result<Value, ApiFailure> {
        let key = (params.i64("chat_id")?, params.i64("message_id")?);
        let current =
            self.bot_messages.get(&key).ok_or_else(|| ApiFailure::bad_request("message to edit not found"))?;
        let mut edited = current.clone();
        change(&mut edited)?;
        edited.remove("reply_markup");
        insert_keyboard(&mut edited, params)?;
        if edited == *current {
            return Err(ApiFailure::bad_request(
                "message is not modified: specified new message content and reply markup are exactly the same as a \
                 current content and reply markup of the message",
            ));
        }
        edited.insert("edit_date".to_owned(), unix_now().into());
        let (chat_id, message_id) = key;
        self.record_sent(chat_id, message_id, &edited, true);
        self.bot_messages.insert(key, edited.clone());
        Ok(Value::Object(edited))
    }

    fn answer_callback_query(&mut self, params: &Params) -> Result<Value, ApiFailure> {
        let id = params.str("callback_query_id")?;
        if !self.open_callbacks.remove(id) {
            return Err(ApiFailure::bad_request(
                "query is too old and response timeout expired or query id is invalid",
            ));
        }
        self.answered_callbacks.push(id.to_owned());
        Ok(Value::Bool(true))
    }

    fn get_file(&self, params: &Params) -> Result<Value, ApiFailure> {
        let file_id = params.str("file_id")?;
        let file = self.files.get(file_id).ok_or_else(|| ApiFailure::bad_request("invalid file_id"))?;
        let mut description = describe(file_id, file);
        description.insert("file_path".to_owned(), file.path.as_str().into());
        Ok(Value::Object(description))
    }
}

fn message_text(params: &Params) -> Result<&str, ApiFailure> {
    let text = params.opt_str("text")?.filter(|text| !text.trim().is_empty());
    let text = text.ok_or_else(|| ApiFailure::bad_request("message text is empty"))?;
    if text.chars().count() > TEXT_LIMIT {
        return Err(ApiFailure::bad_request("message is too long"));
    }
    Ok(text)
}

/// Copies an inline keyboard from `reply_markup` into the message, checking its callback data.
/// Other markups (reply keyboards, keyboard removal) do not show in Telegram's message objects.
fn insert_keyboard(message: &mut Map<String, Value>, params: &Params) -> Result<(), ApiFailure> {
    let Some(markup) = params.opt_structure("reply_markup")? else { return Ok(()) };
    let Some(rows) = markup.get("inline_keyboard") else { return Ok(()) };
    let unparsable = || ApiFailure::bad_request("can't parse inline keyboard");
    let rows = rows.as_array().ok_or_else(unparsable)?;
    for row in rows {
        for button in row.as_array().ok_or_else(unparsable)? {
            let data = button.get("callback_data").and_then(Value::as_str);
            if data.is_some_and(|data| data.is_empty() || data.len() > CALLBACK_DATA_LIMIT) {
                return Err(ApiFailure::bad_request("BUTTON_DATA_INVALID"));
            }
        }
    }
    // An empty keyboard is how a bot removes one; the message then has no markup.
    if !rows.is_empty() {
        message.insert("reply_markup".to_owned(), markup);
    }
    Ok(())
}
