//! The HTTP shell: routes, headers, static files. Handlers extract and
//! delegate; no domain rule lives here.

mod admin;
mod audio;
mod audit;
mod caller;
pub mod client;
mod csv;
mod error;
mod links;
mod live;
mod metrics;
mod origin;
mod records;
mod security;
pub mod serve;
mod session;
mod settings;
mod site;
mod socket;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

pub use admin::welcome_path;
pub use error::AppError;
pub use origin::AllowedOrigins;

use earshot_protocol::AudioManifest;
use earshot_store::{Company, Store};

use crate::auth::Auth;
use crate::password_checks::PasswordChecks;
use crate::throttle::{Flood, RateLimit, SignInThrottle, Throttle};
use crate::live::LiveHandle;
use crate::media::MediaHandle;
use crate::Config;

/// Everything a handler may reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Auth>,
    /// Sign-in's password checks, bounded.
    pub passwords: Arc<PasswordChecks>,
    /// Failed sign-ins back off. Locked only to read or note one attempt.
    pub sign_in_throttle: Arc<std::sync::Mutex<SignInThrottle>>,
    /// Callers' dials back off per client address. Locked likewise.
    pub dials: Arc<std::sync::Mutex<Throttle<std::net::IpAddr>>>,
    /// What each user may do only at a steady rate. Locked likewise.
    pub floods: Arc<std::sync::Mutex<RateLimit<(earshot_protocol::UserId, Flood)>>>,
    /// Records for pages: ended calls, contacts' history, the audit log.
    pub store: Store,
    pub live: LiveHandle,
    pub media: MediaHandle,
    pub origins: Arc<AllowedOrigins>,
    pub site: Arc<site::Site>,
    /// The coach's audio processing to install, when the app is built.
    pub audio: Option<Arc<AudioManifest>>,
    /// How often live sockets are pinged (see `Config::heartbeat`).
    pub heartbeat: std::time::Duration,
    /// Becomes true when the server stops: sockets close with 1001.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// The speech model phrases are checked against and spotted with.
    pub speech: Option<Arc<earshot_phrases::Model>>,
    /// What makes a call need a coach until an admin saves the company's own.
    pub default_attention: Arc<earshot_protocol::AttentionSettings>,
    /// One admin's save at a time: kept and applied in the same order.
    pub saving_settings: Arc<tokio::sync::Mutex<()>>,
    /// The SIP line, when it runs: where it listens and its rules to change.
    pub phone_line: Option<(SocketAddr, earshot_sip::line::LineRules)>,
    /// The line's rules the flags gave, until an admin saves the company's own.
    pub default_phone_line: Arc<earshot_protocol::PhoneLineSettings>,
}

impl AppState {
    pub fn new(
        config: &Config,
        company: Company,
        store: Store,
        local: SocketAddr,
        live: LiveHandle,
        media: MediaHandle,
        stopping: tokio::sync::watch::Receiver<bool>,
    ) -> std::io::Result<Self> {
        let auth = Arc::new(Auth::new(&company, store.clone(), config.session_ttl, config.demo));
        Ok(Self {
            media,
            store,
            passwords: Arc::new(PasswordChecks::start(Arc::clone(&auth))?),
            sign_in_throttle: Arc::new(std::sync::Mutex::new(SignInThrottle::new(config.sign_in_backoff))),
            dials: Arc::new(std::sync::Mutex::new(Throttle::new(config.dial_backoff))),
            floods: Arc::new(std::sync::Mutex::new(RateLimit::new(config.insider_rate))),
            auth,
            live,
            origins: Arc::new(AllowedOrigins::for_server(local, &config.extra_origins)),
            site: Arc::new(site::Site::load(config.dist_dir.as_deref())?),
            audio: audio::load(config.dist_dir.as_deref())?.map(Arc::new),
            heartbeat: config.heartbeat,
            stopping,
            speech: None,
            default_attention: Arc::new(config.attention.clone()),
            saving_settings: Arc::default(),
            phone_line: None,
            default_phone_line: Arc::new(match &config.sip {
                Some(line) => earshot_protocol::PhoneLineSettings {
                    trunks: line.trunks.written(),
                    max_calls: u32::try_from(line.max_calls).unwrap_or(u32::MAX),
                    account: line.trunks.account.as_ref().map(|a| a.username.clone()),
                    password: line.trunks.account.as_ref().map(|a| a.password.clone()),
                    outbound: line.outbound.map(|at| at.to_string()),
                },
                None => earshot_protocol::PhoneLineSettings { trunks: Vec::new(), max_calls: earshot_sip::line::LineConfig::MAX_CALLS as u32, account: None, password: None, outbound: None },
            }),
        })
    }

    /// The SIP line runs at `listening`, with `rules` to change.
    pub fn with_phone_line(mut self, line: Option<(SocketAddr, earshot_sip::line::LineRules)>) -> Self {
        self.phone_line = line;
        self
    }

    /// Phrases are checked against and spotted with `speech`.
    pub fn with_speech(mut self, speech: Option<Arc<earshot_phrases::Model>>) -> Self {
        self.speech = speech;
        self
    }
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/session", get(session::who_am_i).post(session::sign_in).delete(session::sign_out))
        .route("/session/password", put(session::change_password))
        .route("/live", get(live::upgrade))
        .route("/caller", get(caller::upgrade))
        .route("/metrics", get(metrics::metrics))
        .route("/audit", get(audit::log))
        .route("/audit.csv", get(audit::csv))
        .route("/admin/users", get(admin::users).post(admin::add_user))
        .route("/admin/users/{id}", put(admin::edit_user))
        .route("/admin/users/{id}/active", put(admin::set_active))
        .route("/admin/users/{id}/password-link", post(admin::password_link))
        .route("/admin/numbers", post(admin::add_number))
        .route("/admin/numbers/{id}", put(admin::edit_number).delete(admin::remove_number))
        .route("/admin/contacts", get(admin::contacts).post(admin::add_contact))
        .route("/admin/contacts.csv", get(admin::contacts_csv))
        .route("/admin/contacts/{id}", put(admin::edit_contact).delete(admin::remove_contact))
        .route("/admin/contacts/import/preview", post(admin::preview_import).layer(DefaultBodyLimit::max(admin::MAX_IMPORT_BYTES)))
        .route("/admin/contacts/import", post(admin::import_contacts).layer(DefaultBodyLimit::max(admin::MAX_IMPORT_BYTES)))
        .route("/admin/phone-line", get(admin::phone_line).put(admin::save_phone_line))
        .route("/admin/log", get(admin::log))
        .route("/admin/log.csv", get(admin::log_csv))
        .route("/links/check", post(links::check))
        .route("/links/redeem", post(links::redeem))
        .route("/settings/attention", get(settings::attention).put(settings::save_attention))
        .route("/calls/{id}", get(records::call))
        .route("/contacts/{id}", get(records::contact))
        .route("/numbers", get(records::numbers))
        .route("/audio/manifest", get(audio::manifest_route))
        .route("/agents/available", get(records::available_agents))
        .fallback(error::api_not_found);
    Router::new()
        .nest("/api", api)
        .merge(site::routes(&state))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
