//! Who a request comes from: the peer's address or, when the peer is a
//! proxy the server was told to trust (`--trusted-proxy`), the client it
//! forwards for (`X-Forwarded-For`). Throttles and caps count by it; a
//! header from anyone else is ignored, so nobody can pose as another.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use earshot_protocol::ErrorCode;
use ipnet::IpNet;

use super::AppError;

/// The client's address, put on every request by the accept loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        // Only a router served without the accept loop has none.
        parts.extensions.get::<ClientAddr>().copied().ok_or_else(|| {
            AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the server did not note where this request came from")
        })
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        Self(networks.into_iter().collect())
    }

    pub fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|network| network.contains(&address))
    }

    /// The client a request with `headers` came from through `peer`: the
    /// nearest address in `X-Forwarded-For` that is not a trusted proxy
    /// (each proxy appends the address it heard from). The peer itself when
    /// it is not trusted; the last address believed when the header stops
    /// making sense.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        let mut client = peer;
        for hop in forwarded.into_iter().rev() {
            let Some(address) = parse_hop(hop) else { return client };
            client = address;
            if !self.trusts(address) {
                break;
            }
        }
        client
    }
}

/// `203.0.113.5`, `2001:db8::1` or `[2001:db8::1]`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(hop).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_says_who_the_client_is() {
        let proxies = TrustedProxies::new(["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()]);
        let headers = forwarded(&["203.0.113.5"]);
        assert_eq!(proxies.client(ip("198.51.100.7"), &headers), ip("198.51.100.7"), "anyone else's header is ignored");
        assert_eq!(proxies.client(ip("127.0.0.1"), &headers), ip("203.0.113.5"));
        assert_eq!(proxies.client(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"), "no header: the proxy itself");
        assert_eq!(TrustedProxies::default().client(ip("127.0.0.1"), &headers), ip("127.0.0.1"), "no proxy trusted");
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client_whatever_came_before() {
        let proxies = TrustedProxies::new(["10.0.0.0/8".parse().unwrap()]);
        // The client claims to be 192.0.2.1; the edge proxy heard 203.0.113.5, the inner one 10.1.1.1.
        let headers = forwarded(&["192.0.2.1, 203.0.113.5", "10.1.1.1"]);
        assert_eq!(proxies.client(ip("10.2.2.2"), &headers), ip("203.0.113.5"));
        assert_eq!(proxies.client(ip("10.2.2.2"), &forwarded(&["[2001:db8::1]"])), ip("2001:db8::1"));
        assert_eq!(proxies.client(ip("10.2.2.2"), &forwarded(&["203.0.113.5, garbage"])), ip("10.2.2.2"), "an unreadable hop ends the trust");
    }
}
