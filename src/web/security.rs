//! Response headers per area: a Content-Security-Policy without inline scripts, who may frame the
//! area's pages (nobody for the console; the bureau's site for the chat), no referrer, no
//! caching of pages with personal data, no type sniffing, and HSTS when served over HTTPS.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Scripts, styles, images and requests from this origin only; no plugins, no `<base>`, forms
/// post here. No `'unsafe-inline'`: a page's script and style are files under `/static/`.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'";

/// Who may show an area's pages in a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frames {
    /// Nobody (`X-Frame-Options: DENY`, `frame-ancestors 'none'`): the console.
    Deny,
    /// Pages of these origins (`https://www.example.gov.cn`) and this site: the chat, embedded in
    /// the bureau's site. `X-Frame-Options` cannot name an origin, so only the CSP says it.
    Ancestors(Vec<String>),
}

/// The headers of an area's responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Who may frame its pages.
    pub frames: Frames,
    /// Whether its pages hold personal data: then no cache keeps them (`no-store`).
    pub personal: bool,
    /// Whether the deployment is served over HTTPS (then browsers are told to stay on it).
    pub https: bool,
}

impl Policy {
    /// The Content-Security-Policy of the area.
    pub fn csp(&self) -> String {
        let ancestors = match &self.frames {
            Frames::Deny => "'none'".to_owned(),
            Frames::Ancestors(origins) => {
                std::iter::once("'self'").chain(origins.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
            }
        };
        format!("{CSP}; frame-ancestors {ancestors}")
    }

    /// Sets the area's headers on `headers`, leaving any a handler set itself (an attachment's
    /// stricter CSP, a static file's cache lifetime).
    pub fn apply(&self, headers: &mut HeaderMap) {
        let mut default = |name: HeaderName, value: &str| {
            if !headers.contains_key(&name)
                && let Ok(value) = HeaderValue::from_str(value)
            {
                headers.insert(name, value);
            }
        };
        default(CONTENT_SECURITY_POLICY, &self.csp());
        default(X_CONTENT_TYPE_OPTIONS, "nosniff");
        default(REFERRER_POLICY, "no-referrer");
        default(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
        if self.frames == Frames::Deny {
            default(X_FRAME_OPTIONS, "DENY");
            default(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
        }
        if self.personal {
            default(CACHE_CONTROL, "no-store");
        }
        if self.https {
            default(STRICT_TRANSPORT_SECURITY, "max-age=31536000");
        }
    }
}

/// Middleware setting `policy`'s headers on every response of the routes it wraps:
/// `router.layer(axum::middleware::from_fn_with_state(Arc::new(policy), security::headers))`.
pub async fn headers(State(policy): State<Arc<Policy>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    policy.apply(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_console_is_never_framed_and_the_chat_only_by_the_sites_named() {
        let console = Policy { frames: Frames::Deny, personal: true, https: false };
        let mut headers = HeaderMap::new();
        console.apply(&mut headers);
        assert_eq!(headers[X_FRAME_OPTIONS], "DENY");
        assert!(headers[CONTENT_SECURITY_POLICY].to_str().unwrap().ends_with("frame-ancestors 'none'"));
        assert_eq!(headers[CACHE_CONTROL], "no-store");
        assert!(!headers.contains_key(STRICT_TRANSPORT_SECURITY));

        let chat = Policy {
            frames: Frames::Ancestors(vec!["https://rsj.example.gov.cn".into()]),
            personal: true,
            https: true,
        };
        let mut headers = HeaderMap::new();
        chat.apply(&mut headers);
        assert!(!headers.contains_key(X_FRAME_OPTIONS));
        assert!(
            headers[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .ends_with("frame-ancestors 'self' https://rsj.example.gov.cn")
        );
        assert!(headers.contains_key(STRICT_TRANSPORT_SECURITY));
    }

    #[test]
    fn no_policy_allows_inline_scripts_and_a_handlers_own_headers_stay() {
        let policy = Policy { frames: Frames::Deny, personal: true, https: false };
        assert!(!policy.csp().contains("unsafe-inline"));
        let mut headers = HeaderMap::new();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("private, max-age=60"));
        policy.apply(&mut headers);
        assert_eq!(headers[CACHE_CONTROL], "private, max-age=60");
    }
}
