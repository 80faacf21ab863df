//! Accounts, password checks and sessions.
//!
//! Passwords are stored as argon2 PHC strings; a session is a random token
//! carried in an HttpOnly, SameSite=Strict cookie and expires after `ttl`.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use earshot_domain::Directory;
use earshot_protocol::{Me, UserId};
use tokio::sync::broadcast;

/// An account that can sign in.
#[derive(Clone, Debug)]
struct Account {
    me: Me,
    /// argon2 PHC string, from [`hash_password`].
    password_hash: String,
}

/// An opaque session token (hex of 32 random bytes).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub struct Auth {
    by_email: HashMap<String, Account>,
    /// Checked against for an unknown email, so that a refusal takes as
    /// long whether or not the account exists (no enumeration by timing).
    dummy_hash: String,
    by_id: HashMap<UserId, Me>,
    /// Held only for a map lookup or insert, never across an `.await`.
    sessions: Mutex<HashMap<Token, (UserId, Instant)>>,
    ttl: Duration,
    /// Sessions ended by signing out, told to the sockets they opened.
    signed_out: broadcast::Sender<Token>,
}

impl Auth {
    /// Every directory user with a password hash can sign in.
    pub fn new(directory: &Directory, password_hashes: &BTreeMap<UserId, String>, ttl: Duration) -> Self {
        let mut by_email = HashMap::new();
        let mut by_id = HashMap::new();
        for user in directory.users() {
            let me = Me { id: user.id, name: user.name.clone(), role: user.role, access: user.access };
            by_id.insert(user.id, me.clone());
            if let Some(hash) = password_hashes.get(&user.id) {
                by_email.insert(user.email.to_lowercase(), Account { me, password_hash: hash.clone() });
            }
        }
        let dummy_hash = hash_password(&random_hex::<16>());
        let (signed_out, _) = broadcast::channel(64);
        Self { by_email, dummy_hash, by_id, sessions: Mutex::new(HashMap::new()), ttl, signed_out }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Checks a password in `memory`. CPU- and memory-heavy by design
    /// (argon2, ~19 MiB): call it through `PasswordChecks`, which bounds how
    /// many run at once. An unknown email costs the same work as a known one.
    pub fn verify(&self, email: &str, password: &str, memory: &mut HashMemory) -> Option<Me> {
        let account = self.by_email.get(&email.trim().to_lowercase());
        let stored = account.map_or(&self.dummy_hash, |a| &a.password_hash);
        // Stored hashes come from `hash_password`; a corrupt one denies.
        matches(stored, password.as_bytes(), memory).then_some(account?.me.clone())
    }

    pub fn open_session(&self, user: UserId, now: Instant) -> Token {
        let token = Token(random_hex::<32>());
        self.lock().insert(token.clone(), (user, now + self.ttl));
        token
    }

    /// The user behind a live session; expired sessions are dropped.
    pub fn session_user(&self, token: &Token, now: Instant) -> Option<Me> {
        let mut sessions = self.lock();
        match sessions.get(token) {
            Some(&(user, expires)) if expires > now => self.by_id.get(&user).cloned(),
            Some(_) => {
                sessions.remove(token);
                None
            }
            None => None,
        }
    }

    /// When a live session ends, if it has not.
    pub fn session_expiry(&self, token: &Token, now: Instant) -> Option<Instant> {
        self.lock().get(token).map(|&(_, expires)| expires).filter(|&expires| expires > now)
    }

    /// Signs a session out; its sockets hear of it. Returns whose it was.
    pub fn close_session(&self, token: &Token) -> Option<UserId> {
        let (user, _) = self.lock().remove(token)?;
        let _ = self.signed_out.send(token.clone()); // no open socket is fine
        Some(user)
    }

    /// Sessions signed out from now on.
    pub fn signed_out(&self) -> broadcast::Receiver<Token> {
        self.signed_out.subscribe()
    }

    /// Whether `user` has any live session left.
    pub fn has_session(&self, user: UserId, now: Instant) -> bool {
        self.lock().values().any(|&(owner, expires)| owner == user && expires > now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Token, (UserId, Instant)>> {
        // A panic while holding this lock cannot leave the map half-written
        // (single insert/remove), so a poisoned lock is still usable.
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// argon2's working memory, kept by a checking thread and reused: freed
/// and allocated again for every check, the heap grew by the full ~19 MiB
/// per sign-in (measured in `signin_memory_bounded`).
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

/// Whether `password` hashes to the PHC string `stored` (constant-time
/// comparison), working in `memory`.
fn matches(stored: &str, password: &[u8], memory: &mut HashMemory) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else { return false };
    let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(hash.algorithm), Params::try_from(&hash)) else { return false };
    let Ok(version) = hash.version.map_or(Ok(Version::default()), Version::try_from) else { return false };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else { return false };
    memory.0.resize(params.block_count(), Block::default());
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params);
    if argon2.hash_password_into_with_memory(password, salt, &mut out, &mut memory.0[..]).is_err() {
        return false;
    }
    // `Output`'s equality is constant-time.
    Output::new(&out).is_ok_and(|out| out == expected)
}

/// Hashes a password into an argon2 PHC string with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::encode_b64(random_hex::<16>().as_bytes()).expect("32 hex bytes are a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

pub fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    // Without the OS random source no token or nonce can be issued safely.
    getrandom::fill(&mut bytes).expect("OS random source");
    hex(&bytes)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_domain::User;
    use earshot_protocol::{MonitoringAccess, Role};

    fn auth() -> Auth {
        let sam = User {
            id: UserId(1),
            name: "Sam".into(),
            email: "sam@example.com".into(),
            role: Role::Supervisor,
            access: MonitoringAccess::LiveMonitoring,
            numbers: vec![],
        };
        let directory = Directory::new([sam], [], []);
        Auth::new(&directory, &BTreeMap::from([(UserId(1), hash_password("pw"))]), Duration::from_secs(60))
    }

    #[test]
    fn right_password_signs_in_case_insensitively() {
        assert_eq!(auth().verify(" Sam@Example.com", "pw", &mut HashMemory::default()).map(|me| me.id), Some(UserId(1)));
    }

    #[test]
    fn wrong_password_or_unknown_email_is_refused() {
        let auth = auth();
        let memory = &mut HashMemory::default();
        assert!(auth.verify("sam@example.com", "PW", memory).is_none());
        assert!(auth.verify("nobody@example.com", "pw", memory).is_none());
        assert!(auth.verify("sam@example.com", "pw", memory).is_some(), "the same memory serves every check");
    }

    #[test]
    fn sessions_expire_and_close() {
        let auth = auth();
        let t0 = Instant::now();
        let token = auth.open_session(UserId(1), t0);
        assert!(auth.session_user(&token, t0).is_some());
        assert!(auth.session_user(&token, t0 + Duration::from_secs(61)).is_none());
        let token = auth.open_session(UserId(1), t0);
        auth.close_session(&token);
        assert!(auth.session_user(&token, t0).is_none());
    }
}
