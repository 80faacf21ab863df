//! Security headers on every response.

use axum::extract::Request;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy the app runs under (docs/csp.md says why each line is there).
/// WebAssembly needs `'wasm-unsafe-eval'`, never `'unsafe-eval'`; the page's
/// one inline boot script is allowed by a per-request nonce (see
/// `site.rs`); the audio worklet's script comes from this origin, served
/// from Cache Storage by the service worker, so no `blob:` script is needed.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(nonce) => format!("script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'"),
        None => "script-src 'self' 'wasm-unsafe-eval'".to_owned(),
    };
    [
        "default-src 'self'",
        &script,
        "worker-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    .join("; ")
}

const STATIC_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (HeaderName::from_static("permissions-policy"), "microphone=(self), camera=(), geolocation=()"),
    (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
];

pub async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in STATIC_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = content_security_policy(None);
        // The policy is built from ASCII literals only.
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_str(&csp).expect("ASCII policy"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_allows_wasm_but_never_eval() {
        let csp = content_security_policy(Some("abc"));
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc'"));
        assert!(!csp.contains("'unsafe-eval'"));
        assert!(!csp.contains("'unsafe-inline'"));
    }

    #[test]
    fn scripts_and_workers_come_from_this_origin_only() {
        let csp = content_security_policy(Some("abc"));
        let directive = |name: &str| csp.split("; ").find(|d| d.starts_with(name)).unwrap_or_default().to_owned();
        assert_eq!(directive("worker-src"), "worker-src 'self'");
        for name in ["script-src", "worker-src"] {
            assert!(!directive(name).contains("blob:") && !directive(name).contains("data:"), "{}", directive(name));
        }
    }
}
