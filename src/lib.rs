//! The Earshot app: Live Monitoring and call coaching, in the browser.
//!
//! One module per feature; `main.rs` only mounts [`App`].

pub mod agent;
mod api;
mod app;
pub mod audio;
pub mod audit;
pub mod caller;
pub mod auth;
pub mod coaching;
pub mod contacts;
pub mod conversation;
pub mod live;
pub mod media;
mod forms;
mod modal;
pub mod monitoring;
pub mod numbers;
pub mod people;
pub mod platform;
pub mod routes;
pub mod settings;

pub use app::App;
