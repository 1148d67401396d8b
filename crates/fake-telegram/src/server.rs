//! The HTTP side: teloxide's `POST /bot<token>/<Method>` calls and `GET /file/bot<token>/<path>`
//! downloads, long polling for getUpdates, and the shared state the handlers and tests use.

use std::{
    pin::pin,
    sync::{Arc, Mutex, MutexGuard, PoisonError},
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{DefaultBodyLimit, Path, Request, State as AxumState},
    response::{IntoResponse, Response},
    routing::{any, get},
};
use serde_json::{Value, json};
use tokio::{
    sync::Notify,
    time::{Instant, timeout_at},
};

use crate::{
    failure::ApiFailure,
    params::{Params, UPLOAD_LIMIT},
    state::State,
};

/// Long polls end after at most this long, whatever timeout the bot asks for, so tests stay quick.
const LONG_POLL_CAP: Duration = Duration::from_secs(1);

/// Telegram hands out at most this many updates per getUpdates call.
const UPDATE_LIMIT: i64 = 100;

/// The state plus a signal that fires whenever it changes.
pub(crate) struct Shared {
    token: String,
    state: Mutex<State>,
    changed: Notify,
}

impl Shared {
    pub(crate) fn new(token: &str, state: State) -> Self {
        Shared { token: token.to_owned(), state: Mutex::new(state), changed: Notify::new() }
    }

    /// The state for reading. A panicking test thread must not hide the state from the others.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the state and wakes everyone waiting for a change.
    pub(crate) fn mutate<R>(&self, change: impl FnOnce(&mut State) -> R) -> R {
        let result = change(&mut self.lock());
        self.changed.notify_waiters();
        result
    }

    /// Evaluates `check` now and after every change until it yields something or `deadline` passes
    /// (then it gets one last look).
    pub(crate) async fn wait_until<T>(
        &self,
        deadline: Instant,
        mut check: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        loop {
            // Registered before looking, so a change between the look and the wait is not missed.
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if let Some(found) = check(&mut self.lock()) {
                return Some(found);
            }
            if timeout_at(deadline, changed).await.is_err() {
                return check(&mut self.lock());
            }
        }
    }

    /// Whether a path segment `bot<token>` carries the accepted token.
    fn authorizes(&self, segment: &str) -> bool {
        segment.strip_prefix("bot") == Some(self.token.as_str())
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/file/{bot}/{*path}", get(download))
        .route("/{bot}/{method}", any(call))
        .fallback(|| async { ApiFailure::method_not_found() })
        .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        .with_state(shared)
}

async fn call(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    request: Request,
) -> Response {
    match answer(&shared, &bot, &method, request).await {
        Ok(result) => Json(json!({ "ok": true, "result": result })).into_response(),
        Err(failure) => failure.into_response(),
    }
}

async fn answer(shared: &Shared, bot: &str, method: &str, request: Request) -> Result<Value, ApiFailure> {
    if !shared.authorizes(bot) {
        return Err(ApiFailure::unauthorized());
    }
    // Telegram matches method names case-insensitively; teloxide sends them PascalCase.
    let method = method.to_ascii_lowercase();
    let params = Params::read(request).await?;
    if let Some(failure) = shared.mutate(|state| state.record_call(&method, &params)) {
        return Err(failure);
    }
    if method == "getupdates" {
        get_updates(shared, &params).await
    } else {
        shared.mutate(|state| state.handle(&method, &params))
    }
}

/// getUpdates with long polling: waits (up to `LONG_POLL_CAP`) for an update if none is queued.
async fn get_updates(shared: &Shared, params: &Params) -> Result<Value, ApiFailure> {
    let offset = params.opt_i64("offset")?;
    let limit = params.opt_i64("limit")?.unwrap_or(UPDATE_LIMIT).clamp(1, UPDATE_LIMIT);
    let limit = usize::try_from(limit).unwrap_or(1);
    let timeout = params.opt_i64("timeout")?.and_then(|secs| u64::try_from(secs).ok()).unwrap_or(0);
    if shared.lock().webhook_url().is_some() {
        return Err(ApiFailure::conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ));
    }
    let deadline = Instant::now() + Duration::from_secs(timeout).min(LONG_POLL_CAP);
    let batch = shared
        .wait_until(deadline, |state| Some(state.take_updates(offset, limit)).filter(|batch| !batch.is_empty()))
        .await
        .unwrap_or_default();
    Ok(Value::Array(batch))
}

async fn download(AxumState(shared): AxumState<Arc<Shared>>, Path((bot, path)): Path<(String, String)>) -> Response {
    if !shared.authorizes(&bot) {
        return ApiFailure::unauthorized().into_response();
    }
    // teloxide percent-encodes the slashes of file paths; the Path extractor decodes them again.
    let bytes = shared.lock().file_bytes(&path);
    match bytes {
        Some(bytes) => bytes.into_response(),
        None => ApiFailure::not_found().into_response(),
    }
}
