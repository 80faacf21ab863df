//! The Earshot app: Live Monitoring and call coaching, in the browser.
//!
//! One module per feature; `main.rs` only mounts [`App`].

mod app;
pub mod auth;
pub mod platform;

pub use app::App;
