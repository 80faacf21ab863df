//! Accounts, password checks and sessions.
//!
//! Passwords are stored as argon2 PHC strings; a session is a random token
//! carried in an HttpOnly, SameSite=Strict cookie and expires after `ttl`.
//! Sessions live in the store (as the token's SHA-256), so a restart keeps
//! everyone signed in, and every request asks the store whether its
//! session still is.

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};
use std::time::Duration;

use argon2::password_hash::{Output, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use earshot_domain::seed::DEMO_PASSWORD;
use earshot_domain::User;
use earshot_protocol::{Me, Millis, UserId};
use earshot_store::{Company, LinkFor, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, mpsc};

/// A person's account: who they are, and how they sign in if they can.
#[derive(Clone, Debug)]
struct Account {
    me: Me,
    email: String,
    /// argon2 PHC string, from [`hash_password`]; none until they set one.
    password_hash: Option<String>,
    /// Deactivated, they neither sign in nor have a session.
    active: bool,
}

/// Every account, by id and by email (lower case); changed as admins
/// change people, and as people change their passwords.
#[derive(Default)]
struct Accounts {
    by_id: HashMap<UserId, Account>,
    by_email: HashMap<String, UserId>,
}

impl Accounts {
    fn by_email(&self, email: &str) -> Option<&Account> {
        self.by_email.get(email).and_then(|id| self.by_id.get(id))
    }

    /// `user` as the directory has them now; their password kept.
    fn put(&mut self, user: &User) {
        let password_hash = self.by_id.get(&user.id).and_then(|a| a.password_hash.clone());
        if let Some(old) = self.by_id.get(&user.id) {
            self.by_email.remove(&old.email);
        }
        let me = Me { id: user.id, name: user.name.clone(), role: user.role, access: user.access };
        let email = user.email.to_lowercase();
        self.by_email.insert(email.clone(), user.id);
        self.by_id.insert(user.id, Account { me, email, password_hash, active: user.active });
    }
}

/// Why a user's sockets close.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ended {
    /// This session signed out.
    Session(SessionKey),
    /// Every session of the user but `keep` ended: deactivated (`keep:
    /// None`), or their password changed in session `keep`.
    Sessions { user: UserId, keep: Option<SessionKey> },
    /// The user's role or access changed: their pages must ask again who
    /// they are.
    Changed(UserId),
}

/// A session as its sockets and the other nodes know it: its token's
/// SHA-256, as the store keeps it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionKey(String);

/// What changed on this server about who may sign in or stay signed in:
/// told to the other nodes, which change the same (see `node::accounts`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AccountNews {
    /// A person as an admin saved them.
    User(User),
    /// Their password changed (in the store: its hash is read there).
    Password(UserId),
    Ended(Ended),
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

    pub fn key(&self) -> SessionKey {
        SessionKey(self.hash())
    }
}

pub struct Auth {
    accounts: RwLock<Accounts>,
    /// Checked against for an unknown email, so that a refusal takes as
    /// long whether or not the account exists (no enumeration by timing).
    dummy_hash: String,
    store: Store,
    ttl: Duration,
    /// Whether the demo's published password is accepted (`--demo`).
    demo: bool,
    /// Sessions ended, told to the sockets they opened.
    ended: broadcast::Sender<Ended>,
    /// On several nodes: what changes here, for the others.
    news: OnceLock<mpsc::UnboundedSender<AccountNews>>,
}

impl Auth {
    /// Every user of the company with a password hash can sign in; with
    /// the demo's password only in the demo.
    pub fn new(company: &Company, store: Store, ttl: Duration, demo: bool) -> Self {
        let mut accounts = Accounts::default();
        for user in company.directory.users() {
            accounts.put(user);
            if let Some(account) = accounts.by_id.get_mut(&user.id) {
                account.password_hash = company.password_hashes.get(&user.id).cloned();
            }
        }
        let dummy_hash = hash_password(&random_hex::<16>());
        let (ended, _) = broadcast::channel(64);
        Self { accounts: RwLock::new(accounts), dummy_hash, store, ttl, demo, ended, news: OnceLock::new() }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Checks a password in `memory`. CPU- and memory-heavy by design
    /// (argon2, ~19 MiB): call it through `PasswordChecks`, which bounds how
    /// many run at once. An unknown email costs the same work as a known one.
    pub fn verify(&self, email: &str, password: &str, memory: &mut HashMemory) -> Option<Me> {
        // Read out, so that a password changing meanwhile waits for no hash.
        let account = self.accounts().by_email(&email.trim().to_lowercase()).filter(|a| a.active).and_then(|a| Some((a.me.clone(), a.password_hash.clone()?)));
        let stored = account.as_ref().map_or(&self.dummy_hash, |(_, hash)| hash);
        // Stored hashes come from `hash_password`; a corrupt one denies.
        // The demo's password is checked too, so refusing it takes as long.
        let accepted = matches(stored, password.as_bytes(), memory) && (self.demo || password != DEMO_PASSWORD);
        accepted.then_some(account?.0)
    }

    /// The email `user` signs in with, if they can sign in.
    pub fn email_of(&self, user: UserId) -> Option<String> {
        self.accounts().by_id.get(&user).filter(|a| a.active && a.password_hash.is_some()).map(|a| a.email.clone())
    }

    /// Whether `user` has set a password.
    pub fn has_password(&self, user: UserId) -> bool {
        self.accounts().by_id.get(&user).is_some_and(|a| a.password_hash.is_some())
    }

    /// `user` signs in with the password `hash` is of from now on (kept in
    /// the store first).
    pub async fn set_password(&self, user: UserId, hash: String) -> Result<(), earshot_store::Error> {
        self.store.set_password_hash(user, &hash).await?;
        self.password_is(user, Some(hash));
        self.tell(AccountNews::Password(user));
        Ok(())
    }

    fn password_is(&self, user: UserId, hash: Option<String>) {
        if let Some(account) = self.accounts_mut().by_id.get_mut(&user) {
            account.password_hash = hash;
        }
    }

    /// A person as an admin saved them, live at once: a new one signs in
    /// once they set a password, a changed one's pages ask again who they
    /// are, a deactivated one signs in no more (their sessions are ended by
    /// whoever deactivated them, at once or after their call).
    pub fn put_user(&self, user: &User) {
        self.saved(user);
        self.tell(AccountNews::User(user.clone()));
    }

    fn saved(&self, user: &User) {
        let before = self.accounts().by_id.get(&user.id).map(|a| a.me.clone());
        self.accounts_mut().put(user);
        let changed = before.is_some_and(|me| (me.role, me.access, &me.name) != (user.role, user.access, &user.name));
        if changed && user.active {
            let _ = self.ended.send(Ended::Changed(user.id)); // no open socket is fine
        }
    }

    /// Ends every session of `user` but `keep`; their sockets hear of it.
    pub async fn end_sessions(&self, user: UserId, keep: Option<&Token>) -> Result<(), earshot_store::Error> {
        self.store.close_sessions_of(user, keep.map(Token::hash).as_deref()).await?;
        self.end(Ended::Sessions { user, keep: keep.map(Token::key) });
        Ok(())
    }

    fn end(&self, ended: Ended) {
        let _ = self.ended.send(ended.clone()); // no open socket is fine
        self.tell(AccountNews::Ended(ended));
    }

    /// From now on, every change here is told on the channel returned.
    pub fn tell_others(&self) -> mpsc::UnboundedReceiver<AccountNews> {
        let (tell, told) = mpsc::unbounded_channel();
        assert!(self.news.set(tell).is_ok(), "told once");
        told
    }

    fn tell(&self, news: AccountNews) {
        if let Some(others) = self.news.get() {
            let _ = others.send(news); // a node stopping is fine
        }
    }

    /// What another node changed, changed here too (and told nobody).
    pub async fn heard(&self, news: AccountNews) -> Result<(), earshot_store::Error> {
        match news {
            AccountNews::User(user) => self.saved(&user),
            AccountNews::Password(user) => self.password_is(user, self.store.password_hash(user).await?),
            AccountNews::Ended(ended) => drop(self.ended.send(ended)),
        }
        Ok(())
    }

    fn accounts(&self) -> std::sync::RwLockReadGuard<'_, Accounts> {
        // A panic elsewhere leaves the maps whole: each change is a few assignments.
        self.accounts.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn accounts_mut(&self) -> std::sync::RwLockWriteGuard<'_, Accounts> {
        self.accounts.write().unwrap_or_else(|poisoned| poisoned.into_inner())
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
        let me = |user| self.accounts().by_id.get(&user).filter(|a| a.active).map(|a| a.me.clone());
        Ok(found.and_then(|(user, expires)| Some((me(user)?, expires))))
    }

    /// Signs a session out; its sockets hear of it. Returns whose it was.
    pub async fn close_session(&self, token: &Token) -> Result<Option<UserId>, earshot_store::Error> {
        let user = self.store.close_session(&token.hash()).await?;
        if user.is_some() {
            self.end(Ended::Session(token.key()));
        }
        Ok(user)
    }

    /// Sessions ended from now on.
    pub fn ended(&self) -> broadcast::Receiver<Ended> {
        self.ended.subscribe()
    }

    /// Who `user` is, if they are active.
    pub fn me(&self, user: UserId) -> Option<Me> {
        self.accounts().by_id.get(&user).filter(|a| a.active).map(|a| a.me.clone())
    }

    /// A new one-time link for `user` (the setup link when `None`), live
    /// for `ttl`: its token, and when it expires. Their earlier links stop
    /// working.
    pub async fn issue_link(&self, user: LinkFor, ttl: Duration, now: Millis) -> Result<(Token, Millis), earshot_store::Error> {
        let token = Token(random_hex::<32>());
        let expires = Millis(now.0 + ttl.as_millis() as u64);
        self.store.put_password_link(&token.hash(), user, expires).await?;
        Ok((token, expires))
    }

    /// Whom a link is for, if it is live.
    pub async fn link(&self, token: &Token, now: Millis) -> Result<Option<LinkFor>, earshot_store::Error> {
        self.store.password_link(&token.hash(), now).await
    }

    /// Uses a link up: whom it was for, if it was live and nobody used it first.
    pub async fn use_link(&self, token: &Token, now: Millis) -> Result<Option<LinkFor>, earshot_store::Error> {
        self.store.use_password_link(&token.hash(), now).await
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

/// How long a person's link to set their password works.
pub const PERSON_LINK_TTL: Duration = Duration::from_secs(72 * 3600);

/// How long the setup link of a company with no admin works.
pub const SETUP_LINK_TTL: Duration = Duration::from_secs(3600);

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
