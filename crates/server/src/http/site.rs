//! The built app: static files from `dist/`, and `index.html` for every
//! client-side route, stamped with a fresh CSP nonce per request.

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::services::ServeDir;

use super::security::content_security_policy;
use super::AppState;

/// Trunk writes this placeholder where a nonce belongs.
const NONCE_PLACEHOLDER: &str = "{{__TRUNK NONCE__}}";

pub struct Site {
    dist: Option<PathBuf>,
    index_template: Option<String>,
}

impl Site {
    /// Reads `index.html` once; a missing `dist/` is not an error (the API
    /// still works) but every page then explains how to build the app.
    pub fn load(dist: Option<&Path>) -> std::io::Result<Self> {
        let index_template = match dist {
            Some(dir) => match std::fs::read_to_string(dir.join("index.html")) {
                Ok(html) => Some(html),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        Ok(Self { dist: dist.map(Path::to_path_buf), index_template })
    }
}

pub fn routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new().route("/", get(index)).route("/index.html", get(index));
    match &state.site.dist {
        Some(dir) => pages.fallback_service(ServeDir::new(dir).fallback(get(client_route).with_state(state.clone()))),
        None => pages.fallback(client_route),
    }
}

/// Paths without a file extension are the app's own routes (`/contacts/7`);
/// anything else that reached here is a missing file.
async fn client_route(State(state): State<AppState>, uri: Uri) -> Response {
    let last = uri.path().rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    index(State(state)).await
}

async fn index(State(state): State<AppState>) -> Response {
    let Some(template) = &state.site.index_template else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "The Earshot app is not built. Run `cargo xtask run` to build and serve it.",
        )
            .into_response();
    };
    let nonce = fresh_nonce();
    let csp = content_security_policy(Some(&nonce));
    let mut response = Html(stamp_nonce(template, &nonce)).into_response();
    let headers = response.headers_mut();
    // The policy and the nonce are ASCII (hex digits).
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("ASCII policy"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Puts `nonce` on every `<script>`: in trunk's placeholders, and on any
/// script tag that has none.
fn stamp_nonce(template: &str, nonce: &str) -> String {
    let html = template.replace(NONCE_PLACEHOLDER, nonce);
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html.as_str();
    while let Some(at) = rest.find("<script") {
        let (before, tag_start) = rest.split_at(at);
        out.push_str(before);
        let tag_end = tag_start.find('>').map_or(tag_start.len(), |i| i + 1);
        let (tag, after) = tag_start.split_at(tag_end);
        if tag.contains("nonce=") {
            out.push_str(tag);
        } else {
            out.push_str("<script nonce=\"");
            out.push_str(nonce);
            out.push('"');
            out.push_str(&tag["<script".len()..]);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn fresh_nonce() -> String {
    crate::auth::random_hex::<16>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_gets_the_nonce_once() {
        let template = r#"<head><script type="module" nonce="{{__TRUNK NONCE__}}">boot()</script><script src="/a.js"></script></head>"#;
        let html = stamp_nonce(template, "n1");
        assert_eq!(
            html,
            r#"<head><script type="module" nonce="n1">boot()</script><script nonce="n1" src="/a.js"></script></head>"#
        );
    }

    #[test]
    fn nonces_differ_per_request() {
        assert_ne!(fresh_nonce(), fresh_nonce());
        assert_eq!(fresh_nonce().len(), 32);
    }
}
