//! Cookies: reading one from a request, and writing one with the attributes an area needs
//! (HttpOnly always; SameSite per area; `Secure` when the deployment is served over HTTPS).

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};

/// Which cross-site requests carry a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    /// None: the console's cookies stay home.
    Strict,
    /// Top-level navigations only.
    Lax,
    /// All, which browsers allow only with `Secure` (a page embedded in another site's frame).
    None,
}

impl SameSite {
    fn name(self) -> &'static str {
        match self {
            Self::Strict => "Strict",
            Self::Lax => "Lax",
            Self::None => "None",
        }
    }
}

/// How a cookie is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieOptions {
    /// Cross-site requests that carry it.
    pub same_site: SameSite,
    /// Sent only over HTTPS.
    pub secure: bool,
    /// How long it lives, in seconds; `None` for the browser session.
    pub max_age: Option<i64>,
}

/// The value of the cookie `name` in `headers`, if the request has it.
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// Adds a `Set-Cookie` for `name` = `value` (path `/`, HttpOnly) to `headers`. `value` must be
/// a cookie value (the ids and tags of this module's callers are URL-safe base64).
pub fn set(headers: &mut HeaderMap, name: &str, value: &str, options: CookieOptions) {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite={}", options.same_site.name());
    if options.secure || options.same_site == SameSite::None {
        cookie.push_str("; Secure");
    }
    if let Some(seconds) = options.max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    match HeaderValue::from_str(&cookie) {
        Ok(value) => {
            headers.append(SET_COOKIE, value);
        }
        Err(_) => tracing::error!(name, "a cookie value that no header can carry was not set"),
    }
}

/// Adds a `Set-Cookie` that removes the cookie `name`.
pub fn remove(headers: &mut HeaderMap, name: &str, options: CookieOptions) {
    set(headers, name, "", CookieOptions { max_age: Some(0), ..options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others_and_in_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; session=abc"));
        headers.append(COOKIE, HeaderValue::from_static("lang=en"));
        assert_eq!(get(&headers, "session"), Some("abc"));
        assert_eq!(get(&headers, "lang"), Some("en"));
        assert_eq!(get(&headers, "sess"), None);
    }

    #[test]
    fn set_cookies_carry_the_attributes_asked_for() {
        let mut headers = HeaderMap::new();
        let strict = CookieOptions { same_site: SameSite::Strict, secure: false, max_age: None };
        set(&mut headers, "s", "v", strict);
        set(&mut headers, "t", "w", CookieOptions { secure: true, max_age: Some(60), ..strict });
        remove(&mut headers, "s", CookieOptions { same_site: SameSite::None, ..strict });
        let set: Vec<&str> = headers.get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap()).collect();
        assert_eq!(
            set,
            [
                "s=v; Path=/; HttpOnly; SameSite=Strict",
                "t=w; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60",
                "s=; Path=/; HttpOnly; SameSite=None; Secure; Max-Age=0",
            ]
        );
    }
}
