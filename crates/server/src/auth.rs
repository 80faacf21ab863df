//! Accounts, password checks and sessions.
//!
//! Passwords are stored as argon2 PHC strings; a session is a random token
//! carried in an HttpOnly, SameSite=Strict cookie and expires after `ttl`.
//! Sessions live in the store (as the token's SHA-256), so a restart keeps
//! everyone signed in, and every request asks the store whether its
//! session still is.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use earshot_domain::seed::DEMO_PASSWORD;
use earshot_protocol::{Me, Millis, UserId};
use earshot_store::{Company, Store};
use sha2::{Digest, Sha256};
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

    /// What the store keeps instead of the token.
    fn hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

pub struct Auth {
    /// Changed while the server runs (a new password).
    by_email: RwLock<HashMap<String, Account>>,
    /// Checked against for an unknown email, so that a refusal takes as
    /// long whether or not the account exists (no enumeration by timing).
    dummy_hash: String,
    by_id: HashMap<UserId, Me>,
    store: Store,
    ttl: Duration,
    /// Whether the demo's published password is accepted (`--demo`).
    demo: bool,
    /// Sessions ended by signing out, told to the sockets they opened.
    signed_out: broadcast::Sender<Token>,
}

impl Auth {
    /// Every user of the company with a password hash can sign in; with
    /// the demo's password only in the demo.
    pub fn new(company: &Company, store: Store, ttl: Duration, demo: bool) -> Self {
        let mut by_email = HashMap::new();
        let mut by_id = HashMap::new();
        for user in company.directory.users() {
            let me = Me { id: user.id, name: user.name.clone(), role: user.role, access: user.access };
            by_id.insert(user.id, me.clone());
            if let Some(hash) = company.password_hashes.get(&user.id) {
                by_email.insert(user.email.to_lowercase(), Account { me, password_hash: hash.clone() });
            }
        }
        let dummy_hash = hash_password(&random_hex::<16>());
        let (signed_out, _) = broadcast::channel(64);
        Self { by_email: RwLock::new(by_email), dummy_hash, by_id, store, ttl, demo, signed_out }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Checks a password in `memory`. CPU- and memory-heavy by design
    /// (argon2, ~19 MiB): call it through `PasswordChecks`, which bounds how
    /// many run at once. An unknown email costs the same work as a known one.
    pub fn verify(&self, email: &str, password: &str, memory: &mut HashMemory) -> Option<Me> {
        // Read out, so that a password changing meanwhile waits for no hash.
        let account = self.accounts().get(&email.trim().to_lowercase()).map(|a| (a.me.clone(), a.password_hash.clone()));
        let stored = account.as_ref().map_or(&self.dummy_hash, |(_, hash)| hash);
        // Stored hashes come from `hash_password`; a corrupt one denies.
        // The demo's password is checked too, so refusing it takes as long.
        let accepted = matches(stored, password.as_bytes(), memory) && (self.demo || password != DEMO_PASSWORD);
        accepted.then_some(account?.0)
    }

    /// The email `user` signs in with, if they can sign in.
    pub fn email_of(&self, user: UserId) -> Option<String> {
        self.accounts().iter().find(|(_, a)| a.me.id == user).map(|(email, _)| email.clone())
    }

    /// `user` signs in with the password `hash` is of from now on (kept in
    /// the store first).
    pub async fn set_password(&self, user: UserId, hash: String) -> Result<(), earshot_store::Error> {
        self.store.set_password_hash(user, &hash).await?;
        let mut accounts = self.by_email.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(account) = accounts.values_mut().find(|a| a.me.id == user) {
            account.password_hash = hash;
        }
        Ok(())
    }

    fn accounts(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Account>> {
        // A panic elsewhere leaves the map whole: each change is one assignment.
        self.by_email.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new session for `user`, kept in the store before it is handed out.
    pub async fn open_session(&self, user: UserId, now: Millis) -> Result<Token, earshot_store::Error> {
        let token = Token(random_hex::<32>());
        let expires = Millis(now.0 + self.ttl.as_millis() as u64);
        self.store.open_session(&token.hash(), user, expires).await?;
        Ok(token)
    }

    /// The user behind a session live at `now`, and when it expires.
    pub async fn session(&self, token: &Token, now: Millis) -> Result<Option<(Me, Millis)>, earshot_store::Error> {
        let found = self.store.session(&token.hash(), now).await?;
        Ok(found.and_then(|(user, expires)| Some((self.by_id.get(&user)?.clone(), expires))))
    }

    /// Signs a session out; its sockets hear of it. Returns whose it was.
    pub async fn close_session(&self, token: &Token) -> Result<Option<UserId>, earshot_store::Error> {
        let user = self.store.close_session(&token.hash()).await?;
        if user.is_some() {
            let _ = self.signed_out.send(token.clone()); // no open socket is fine
        }
        Ok(user)
    }

    /// Sessions signed out from now on.
    pub fn signed_out(&self) -> broadcast::Receiver<Token> {
        self.signed_out.subscribe()
    }

    /// Whether `user` has any live session left.
    pub async fn has_session(&self, user: UserId, now: Millis) -> Result<bool, earshot_store::Error> {
        self.store.has_session(user, now).await
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

/// The fewest characters a new password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why `password` may not be anyone's new password, if it may not: too
/// short, the demo's, or easy to guess (zxcvbn, Dropbox's estimator, knows
/// 30,000 common passwords, names, words and keyboard patterns).
pub fn weak_password(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("a password needs at least {MIN_PASSWORD_CHARS} characters"));
    }
    if password == DEMO_PASSWORD {
        return Some("that is the demo's published password".into());
    }
    let estimate = zxcvbn::zxcvbn(password, &[]);
    if estimate.score() < zxcvbn::Score::Three {
        let hint = estimate.feedback().and_then(|f| f.warning()).map_or(String::new(), |w| format!(" ({w})"));
        return Some(format!("that password is too easy to guess{hint}: try a few unrelated words"));
    }
    None
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

    #[test]
    fn a_new_password_is_long_uncommon_and_not_the_demos() {
        assert_eq!(weak_password("short").as_deref(), Some("a password needs at least 12 characters"));
        assert!(weak_password("password1234").is_some_and(|why| why.starts_with("that password is too easy to guess")), "a common one");
        assert!(weak_password("qwertyuiopasdf").is_some(), "a keyboard row");
        assert_eq!(weak_password("ledger-violet-harbour-9"), None);
    }

    #[test]
    fn the_store_keeps_a_hash_of_the_token_not_the_token() {
        let token = Token(random_hex::<32>());
        assert_eq!(token.hash().len(), 64);
        assert_ne!(token.hash(), token.as_str());
        assert_eq!(token.hash(), Token(token.as_str().to_owned()).hash(), "the same token, the same row");
    }

    #[test]
    fn a_password_matches_its_own_hash_only() {
        let memory = &mut HashMemory::default();
        let stored = hash_password("pw");
        assert!(matches(&stored, b"pw", memory));
        assert!(!matches(&stored, b"PW", memory));
        assert!(matches(&stored, b"pw", memory), "the same memory serves every check");
        assert!(!matches("not a hash", b"pw", memory), "a corrupt hash denies");
    }
}
