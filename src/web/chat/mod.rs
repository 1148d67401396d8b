//! The citizens' web chat under `/chat/`: the bot in any browser, a thin adapter over the same
//! core as Telegram and the terminal. A visitor is a random id in a signed cookie; what they send
//! goes to the core as the user of that id on the channel `web`, and the conversation is kept on
//! the server (`store::chat_history`), so a reloaded page shows it again and an open form goes
//! on where it was. Status changes wait in the outbox (the channel is [`Reach::Pull`]) until the
//! visitor's page asks for news. Framable by the sites the deployment names, never cached, every
//! state-changing request CSRF-checked against the visitor's cookie.
//!
//! - `page`: `GET /chat/`, the page with the conversation so far (and the greeting the first time);
//! - `conversation`: what a page is shown (entries, whether a file is asked for), `GET /chat/history`;
//! - `turns`: `POST /chat/message`, `/chat/choice` and `/chat/upload`: one message through the core;
//! - `visitor`, `words`, `limits`: the cookie, the page's words, the limit per address.

mod conversation;
mod limits;
mod page;
mod turns;
mod visitor;
mod words;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::http::request::Parts;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use super::cookies;
use super::security::{Frames, Policy};
use super::{Web, csrf, security};
use crate::delivery::{Profile, Reach};

/// The web chat as the core knows it: anyone may write (rate-limited), and messages nobody asked
/// for wait until the visitor's page fetches them.
pub const PROFILE: Profile = Profile { name: "web", reach: Reach::Pull, rate_limited: true };

/// The cookie holding a visitor's id.
pub const VISITOR_COOKIE: &str = "chat_visitor";

/// The chat's routes, with its headers and CSRF check.
pub fn router(web: Arc<Web>) -> Router<Arc<Web>> {
    let frames = Frames::Ancestors(web.config.chat_frame_ancestors.clone());
    let policy = Policy { frames, personal: true, https: web.config.https };
    Router::new()
        .route("/chat/", get(page::show))
        .route("/chat/history", get(conversation::history))
        .route("/chat/message", post(turns::message))
        .route("/chat/choice", post(turns::choice))
        // An upload reads its body itself, with its own limit (`turns::read_upload`).
        .route("/chat/upload", post(turns::upload).layer(DefaultBodyLimit::disable()))
        .layer(Extension(Arc::new(limits::AddressLimit::default())))
        .layer(from_fn_with_state(csrf::Guard::new(web.keys.clone(), subject), csrf::protect))
        .layer(from_fn_with_state(Arc::new(policy), security::headers))
}

/// What a chat request's CSRF token is bound to: the visitor's id cookie.
fn subject(parts: &Parts) -> Option<String> {
    cookies::get(&parts.headers, VISITOR_COOKIE).map(str::to_owned)
}
