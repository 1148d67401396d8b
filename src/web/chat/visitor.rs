//! Who a chat visitor is without an account: a random id in a signed, HttpOnly cookie
//! (`id.tag`), nothing personal in it; and the language their browser asks for.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;

use super::VISITOR_COOKIE;
use crate::lang::Lang;
use crate::web::cookies::{self, CookieOptions, SameSite};
use crate::web::keys::{Keys, random_id};

/// What the visitor cookie's tag is signed for (no other signed value passes for it).
const PURPOSE: &str = "chat-visitor";
/// How long the browser keeps the cookie: an application is decided within weeks, and its
/// applicant should find the news in the chat when they come back.
const MAX_AGE_SECONDS: i64 = 365 * 24 * 60 * 60;

/// A visitor of the chat: the user id on the web channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// The random id (URL-safe base64 of 256 bits).
    pub id: String,
}

impl Visitor {
    /// A new visitor with a fresh random id.
    pub fn new() -> Self {
        Self { id: random_id() }
    }

    /// The visitor whose signed cookie the request carries; `None` without one, or when its tag
    /// is not ours (a forged or altered cookie names nobody).
    pub fn from_headers(headers: &HeaderMap, keys: &Keys) -> Option<Self> {
        let value = cookies::get(headers, VISITOR_COOKIE)?;
        let (id, tag) = value.rsplit_once('.')?;
        (!id.is_empty() && keys.verify(PURPOSE, id, tag)).then(|| Self { id: id.to_owned() })
    }

    /// The cookie's value: the id and its tag.
    pub fn cookie_value(&self, keys: &Keys) -> String {
        format!("{}.{}", self.id, keys.sign(PURPOSE, &self.id))
    }

    /// Sets the visitor's cookie on a response. Over HTTPS it is `SameSite=None` so that it also
    /// works inside the bureau's site's `<iframe>`; over plain HTTP browsers refuse such a cookie,
    /// and `Lax` serves the page opened directly.
    pub fn set_cookie(&self, headers: &mut HeaderMap, keys: &Keys, https: bool) {
        let same_site = if https { SameSite::None } else { SameSite::Lax };
        let options = CookieOptions { same_site, secure: https, max_age: Some(MAX_AGE_SECONDS) };
        cookies::set(headers, VISITOR_COOKIE, &self.cookie_value(keys), options);
    }
}

impl Default for Visitor {
    fn default() -> Self {
        Self::new()
    }
}

/// The first language of `Accept-Language` the bot speaks, by preference (`q`); `None` when it
/// names none.
pub fn accepted_lang(headers: &HeaderMap) -> Option<Lang> {
    let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut ranked: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let lang = Lang::from_code(parts.next()?.trim())?;
            let quality = parts
                .find_map(|param| param.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
            (quality > 0.0).then_some((quality, lang))
        })
        .collect();
    // Stable: of equal preference, the one named first.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map(|(_, lang)| *lang)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use axum::http::header::COOKIE;

    fn with(name: axum::http::HeaderName, value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn a_visitor_is_recognised_by_its_signed_cookie_only() {
        let keys = Keys::from_secret(b"test key");
        let visitor = Visitor::new();
        let value = visitor.cookie_value(&keys);
        assert_eq!(
            Visitor::from_headers(&with(COOKIE, &format!("{VISITOR_COOKIE}={value}")), &keys),
            Some(visitor.clone())
        );
        let forged =
            format!("{VISITOR_COOKIE}={}.{}", visitor.id, Keys::from_secret(b"other").sign(PURPOSE, &visitor.id));
        assert_eq!(Visitor::from_headers(&with(COOKIE, &forged), &keys), None);
        for bad in ["", "abc", ".tag", "abc.", "a.b.c"] {
            assert_eq!(Visitor::from_headers(&with(COOKIE, &format!("{VISITOR_COOKIE}={bad}")), &keys), None, "{bad}");
        }
        assert_ne!(Visitor::new(), Visitor::new());
    }

    #[test]
    fn the_browsers_preferred_language_that_the_bot_speaks_is_taken() {
        let lang = |header: &str| accepted_lang(&with(ACCEPT_LANGUAGE, header));
        assert_eq!(lang("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(lang("zh-TW,zh;q=0.9,en;q=0.8"), Some(Lang::ZhHant));
        assert_eq!(lang("fr-FR, en;q=0.5, zh-CN;q=0.8"), Some(Lang::Zh));
        assert_eq!(lang("de, fr;q=0.9"), None);
        assert_eq!(lang("en;q=0, zh-HK;q=0.1"), Some(Lang::ZhHant));
        assert_eq!(accepted_lang(&HeaderMap::new()), None);
    }
}
