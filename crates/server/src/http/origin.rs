//! Which page origins may open a WebSocket or post to the API.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use earshot_protocol::ErrorCode;

use super::AppError;

#[derive(Debug)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// The server's own origin (also spelled `localhost` when bound to
    /// loopback) plus any configured extras.
    pub fn for_server(local: SocketAddr, extra: &[String]) -> Self {
        let mut origins = vec![format!("http://{local}")];
        if local.ip().is_loopback() {
            origins.push(format!("http://localhost:{}", local.port()));
        }
        origins.extend(extra.iter().map(|o| o.trim_end_matches('/').to_owned()));
        Self(origins)
    }

    /// Deny by default: a request without an `Origin` header is refused too,
    /// since browsers always send one on WebSocket upgrades and POSTs.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), AppError> {
        let origin = headers.get(axum::http::header::ORIGIN).and_then(|v| v.to_str().ok());
        match origin {
            Some(origin) if self.0.iter().any(|allowed| allowed == origin) => Ok(()),
            Some(origin) => Err(AppError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::ForeignOrigin,
                format!("requests from {origin} are not allowed"),
            )),
            None => Err(AppError::new(
                StatusCode::FORBIDDEN,
                ErrorCode::ForeignOrigin,
                "requests without an Origin header are not allowed",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn own_origin_and_localhost_alias_are_allowed() {
        let origins = AllowedOrigins::for_server("127.0.0.1:8080".parse().unwrap(), &[]);
        assert!(origins.check(&with_origin("http://127.0.0.1:8080")).is_ok());
        assert!(origins.check(&with_origin("http://localhost:8080")).is_ok());
    }

    #[test]
    fn foreign_or_missing_origin_is_refused() {
        let origins = AllowedOrigins::for_server("127.0.0.1:8080".parse().unwrap(), &[]);
        assert!(origins.check(&with_origin("http://evil.example")).is_err());
        assert!(origins.check(&with_origin("http://127.0.0.1:8081")).is_err());
        assert!(origins.check(&HeaderMap::new()).is_err());
    }

    #[test]
    fn extra_origins_are_allowed_without_trailing_slash() {
        let extra = vec!["http://127.0.0.1:8081/".to_owned()];
        let origins = AllowedOrigins::for_server("127.0.0.1:8080".parse().unwrap(), &extra);
        assert!(origins.check(&with_origin("http://127.0.0.1:8081")).is_ok());
    }
}
