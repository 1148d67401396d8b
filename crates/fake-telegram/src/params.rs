//! A Bot API call's parameters, read from either body teloxide sends: JSON, or multipart/form-data
//! when the call uploads a file (then every field is text and files are separate parts).

use std::collections::HashMap;

use axum::{
    body::to_bytes,
    extract::{FromRequest, Multipart, Request},
    http::header::CONTENT_TYPE,
};
use serde_json::{Map, Value, json};

use crate::failure::ApiFailure;

/// The largest request body accepted; Telegram lets bots upload files up to 50 MB.
pub(crate) const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

/// teloxide names each uploaded part with a random id and puts `attach://<id>` in the file field.
const ATTACH_PREFIX: &str = "attach://";

/// A file part of a multipart request.
#[derive(Debug)]
pub(crate) struct Upload {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// What a file parameter (e.g. `document`) points at.
pub(crate) enum FileParam<'a> {
    /// A file uploaded with this request.
    Upload(&'a Upload),
    /// A file_id (or URL) of a file Telegram already has.
    Reference(&'a str),
}

/// The parameters of one call. Accessors accept numbers and booleans both as JSON values and as
/// the strings a multipart form carries, like Telegram does.
#[derive(Debug, Default)]
pub(crate) struct Params {
    fields: Map<String, Value>,
    uploads: HashMap<String, Upload>,
}

impl Params {
    /// Reads the body of a call; a malformed body is a 400, as on Telegram.
    pub(crate) async fn read(request: Request) -> Result<Params, ApiFailure> {
        let content_type =
            request.headers().get(CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or_default();
        if content_type.starts_with("multipart/form-data") {
            let form = Multipart::from_request(request, &())
                .await
                .map_err(|error| ApiFailure::bad_request(error.body_text()))?;
            return Self::from_form(form).await;
        }
        let body = to_bytes(request.into_body(), UPLOAD_LIMIT).await.map_err(ApiFailure::bad_request)?;
        // Parameterless calls such as getMe may come with an empty body.
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Params::default());
        }
        let fields = serde_json::from_slice(&body)
            .map_err(|error| ApiFailure::bad_request(format!("can't parse JSON: {error}")))?;
        Ok(Params { fields, uploads: HashMap::new() })
    }

    async fn from_form(mut form: Multipart) -> Result<Params, ApiFailure> {
        let mut params = Params::default();
        while let Some(field) = form.next_field().await.map_err(|error| ApiFailure::bad_request(error.body_text()))? {
            let part = field.name().unwrap_or_default().to_owned();
            // teloxide gives every file part a file name (possibly empty) and no text part one.
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(|error| ApiFailure::bad_request(error.body_text()))?;
            match file_name {
                Some(name) => {
                    params.uploads.insert(part, Upload { name, bytes: bytes.to_vec() });
                }
                None => {
                    let text = String::from_utf8(bytes.to_vec())
                        .map_err(|_| ApiFailure::bad_request(format!("field {part} is not UTF-8 text")))?;
                    params.fields.insert(part, Value::String(text));
                }
            }
        }
        Ok(params)
    }

    /// The parameters as `calls()` shows them: an uploaded file becomes its name and size.
    pub(crate) fn record(&self) -> Value {
        let shown = |value: &Value| match self.attachment(value) {
            Some(upload) => json!({ "file_name": upload.name, "size": upload.bytes.len() }),
            None => value.clone(),
        };
        Value::Object(self.fields.iter().map(|(key, value)| (key.clone(), shown(value))).collect())
    }

    fn attachment(&self, value: &Value) -> Option<&Upload> {
        self.uploads.get(value.as_str()?.strip_prefix(ATTACH_PREFIX)?)
    }

    fn present(&self, key: &str) -> Option<&Value> {
        self.fields.get(key).filter(|value| !value.is_null())
    }

    pub(crate) fn i64(&self, key: &str) -> Result<i64, ApiFailure> {
        self.opt_i64(key)?.ok_or_else(|| missing(key))
    }

    pub(crate) fn opt_i64(&self, key: &str) -> Result<Option<i64>, ApiFailure> {
        self.present(key)
            .map(|value| {
                match value {
                    Value::Number(number) => number.as_i64(),
                    Value::String(text) => text.trim().parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| invalid(key))
            })
            .transpose()
    }

    pub(crate) fn str(&self, key: &str) -> Result<&str, ApiFailure> {
        self.opt_str(key)?.ok_or_else(|| missing(key))
    }

    pub(crate) fn opt_str(&self, key: &str) -> Result<Option<&str>, ApiFailure> {
        self.present(key).map(|value| value.as_str().ok_or_else(|| invalid(key))).transpose()
    }

    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiFailure> {
        self.present(key)
            .map(|value| {
                match value {
                    Value::Bool(flag) => Some(*flag),
                    Value::String(text) => text.parse().ok(),
                    _ => None,
                }
                .ok_or_else(|| invalid(key))
            })
            .transpose()
    }

    /// An object or array parameter (e.g. `reply_markup`), which a multipart form carries as JSON text.
    pub(crate) fn opt_structure(&self, key: &str) -> Result<Option<Value>, ApiFailure> {
        self.present(key)
            .map(|value| match value {
                Value::String(text) => serde_json::from_str(text).map_err(|_| invalid(key)),
                other => Ok(other.clone()),
            })
            .transpose()
    }

    /// A file parameter: an upload named by `attach://<part>`, or a reference to a known file.
    pub(crate) fn file(&self, key: &str) -> Result<FileParam<'_>, ApiFailure> {
        let value =
            self.present(key).ok_or_else(|| ApiFailure::bad_request(format!("there is no {key} in the request")))?;
        if let Some(upload) = self.attachment(value) {
            return Ok(FileParam::Upload(upload));
        }
        match value.as_str() {
            Some(text) if !text.starts_with(ATTACH_PREFIX) => Ok(FileParam::Reference(text)),
            _ => Err(ApiFailure::bad_request(format!("{key} names a part that is not in the request"))),
        }
    }
}

fn missing(key: &str) -> ApiFailure {
    ApiFailure::bad_request(format!("{key} is empty"))
}

fn invalid(key: &str) -> ApiFailure {
    ApiFailure::bad_request(format!("{key} is invalid"))
}
