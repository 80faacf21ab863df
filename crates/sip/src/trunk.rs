//! Who may call in over SIP, and what a request dialled: rules with no
//! I/O, so that every refusal is decided (and tested) here.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use ipnet::IpNet;

/// The trunks (or PBXs) calls may come from: by address, or from anywhere
/// that answers a digest challenge (RFC 3261 §22) with the account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trunks {
    /// The addresses allowed to send INVITEs without a challenge.
    pub allowed: Vec<IpNet>,
    /// The account a trunk from elsewhere must prove it holds; `None`:
    /// only the addresses above, nobody else.
    pub account: Option<Account>,
}

/// A digest account a trunk signs its INVITEs with.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Account({:?}, password hidden)", self.username)
    }
}

/// The realm Earshot's challenges name.
pub const REALM: &str = "earshot";

/// How long a challenge's nonce may be answered.
pub const NONCE_TTL: Duration = Duration::from_secs(300);

/// Nonces issued, each until it expires. A nonce is 128 bits of SipHash
/// keyed at random per process over a counter: no one can guess the next.
#[derive(Debug, Default)]
pub struct Challenges {
    issued: HashMap<String, Instant>,
    keys: RandomState,
    count: u64,
}

impl Challenges {
    /// A new nonce, good for [`NONCE_TTL`] from `now`.
    pub fn issue(&mut self, now: Instant) -> String {
        self.issued.retain(|_, until| *until > now);
        self.count += 1;
        let nonce = format!("{:016x}{:016x}", self.keys.hash_one((self.count, 0u8)), self.keys.hash_one((self.count, 1u8)));
        self.issued.insert(nonce.clone(), now + NONCE_TTL);
        nonce
    }

    /// Whether `nonce` is one of ours, unexpired at `now`.
    pub fn knows(&self, nonce: &str, now: Instant) -> bool {
        self.issued.get(nonce).is_some_and(|until| *until > now)
    }
}

impl Trunks {
    pub fn allows(&self, source: IpAddr) -> bool {
        self.allowed.iter().any(|network| network.contains(&source))
    }

    /// The trunks an admin typed: each an address (`192.0.2.10`) or a
    /// network (`192.0.2.0/24`), blank lines skipped, each once; or why
    /// not, naming the entry.
    pub fn parse(entries: &[String]) -> Result<Trunks, String> {
        let mut allowed: Vec<IpNet> = Vec::new();
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let network = entry
                .parse::<IpNet>()
                .map(|n| n.trunc())
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("“{entry}” is not an address or a network (such as 192.0.2.10 or 192.0.2.0/24)"))?;
            if !allowed.contains(&network) {
                allowed.push(network);
            }
        }
        Ok(Trunks { allowed, account: None })
    }

    /// The trunks as an admin saved them: the addresses, and the account
    /// when it has both a name and a password.
    pub fn saved(addresses: &[String], account: Option<String>, password: Option<String>) -> Result<Trunks, String> {
        Ok(Trunks::parse(addresses)?.signed(account, password))
    }

    /// These addresses, and the account when it has both a name and a password.
    pub fn signed(self, account: Option<String>, password: Option<String>) -> Trunks {
        let account = account.zip(password).map(|(username, password)| Account { username, password });
        Trunks { account, ..self }
    }

    /// Each trunk as it is kept: a network, `192.0.2.10/32` for one address.
    pub fn written(&self) -> Vec<String> {
        self.allowed.iter().map(IpNet::to_string).collect()
    }
}

/// The trunk's address for calls out as an admin typed it: `IP:PORT`, or
/// an address alone for port 5060; or why not.
pub fn outbound(typed: &str) -> Result<SocketAddr, String> {
    let typed = typed.trim();
    typed
        .parse::<SocketAddr>()
        .or_else(|_| typed.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 5060)))
        .map_err(|_| format!("“{typed}” is not an address and port (such as 192.0.2.10:5060)"))
}

/// The E.164 number a Request-URI's user part dialled: `+442071838750`,
/// `442071838750` or `00442071838750`, with visual separators; `None`
/// when it is no number (a name, a short code).
pub fn dialled(user: &str) -> Option<String> {
    let digits: String = user.chars().filter(|c| !matches!(c, '-' | '.' | '(' | ')' | ' ')).collect();
    let digits = digits.strip_prefix('+').or_else(|| digits.strip_prefix("00")).unwrap_or(&digits);
    let plausible = (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
    plausible.then(|| format!("+{digits}"))
}

/// The customer's number as the From header's user part gives it, or
/// `None` for a withheld or non-numeric caller (`anonymous`).
pub fn caller(user: Option<&str>) -> Option<String> {
    user.and_then(dialled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_addresses_may_call() {
        let trunks = Trunks { allowed: vec!["192.0.2.0/24".parse().unwrap(), "127.0.0.1/32".parse().unwrap()], account: None };
        assert!(trunks.allows("192.0.2.77".parse().unwrap()) && trunks.allows("127.0.0.1".parse().unwrap()));
        assert!(!trunks.allows("198.51.100.1".parse().unwrap()));
        assert!(!Trunks::default().allows("127.0.0.1".parse().unwrap()), "none configured: nobody");
    }

    #[test]
    fn trunks_are_read_as_typed_and_kept_as_networks_once() {
        let typed: Vec<String> = ["192.0.2.10", " 198.51.100.7/24 ", "", "192.0.2.10/32", "2001:db8::1"].map(String::from).to_vec();
        assert_eq!(Trunks::parse(&typed).unwrap().written(), ["192.0.2.10/32", "198.51.100.0/24", "2001:db8::1/128"]);
        let refused = Trunks::parse(&["carrier.example".to_owned()]).unwrap_err();
        assert_eq!(refused, "“carrier.example” is not an address or a network (such as 192.0.2.10 or 192.0.2.0/24)");
        assert!(Trunks::parse(&["10.0.0/8".to_owned()]).is_err());
    }

    #[test]
    fn a_challenge_is_answerable_until_it_expires_and_no_two_are_alike() {
        let mut challenges = Challenges::default();
        let now = Instant::now();
        let (first, second) = (challenges.issue(now), challenges.issue(now));
        assert!(first != second && first.len() == 32);
        assert!(challenges.knows(&first, now + NONCE_TTL - Duration::from_secs(1)));
        assert!(!challenges.knows(&first, now + NONCE_TTL), "expired");
        assert!(!challenges.knows("0123456789abcdef0123456789abcdef", now), "not ours");
        assert_eq!(format!("{:?}", Account { username: "trunk".into(), password: "hunter2hunter2".into() }), "Account(\"trunk\", password hidden)");
    }

    #[test]
    fn calls_out_go_to_an_address_and_port() {
        assert_eq!(outbound(" 192.0.2.10:5070 "), Ok("192.0.2.10:5070".parse().unwrap()));
        assert_eq!(outbound("192.0.2.10"), Ok("192.0.2.10:5060".parse().unwrap()), "SIP's port unless told");
        assert_eq!(outbound("[2001:db8::1]:5080"), Ok("[2001:db8::1]:5080".parse().unwrap()));
        assert_eq!(outbound("carrier.example:5060").unwrap_err(), "“carrier.example:5060” is not an address and port (such as 192.0.2.10:5060)");
    }

    #[test]
    fn what_was_dialled_is_read_as_e164() {
        assert_eq!(dialled("+442071838750").as_deref(), Some("+442071838750"));
        assert_eq!(dialled("442071838750").as_deref(), Some("+442071838750"));
        assert_eq!(dialled("0044-20-7183-8750").as_deref(), Some("+442071838750"));
        for nothing in ["sales", "911", "", "+", "02071838750", "+4420718387501234"] {
            assert_eq!(dialled(nothing), None, "{nothing:?}");
        }
        assert_eq!(caller(Some("anonymous")), None);
        assert_eq!(caller(None), None);
    }
}
