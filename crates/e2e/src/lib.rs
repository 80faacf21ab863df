//! Helpers for the end-to-end tests: the real server on a free port, and a
//! minimal WebDriver client for headless Chromium.
//!
//! `cargo xtask test` sets `EARSHOT_DIST`, `EARSHOT_CHROMIUM` and
//! `EARSHOT_CHROMEDRIVER` after building the app; without them these tests
//! fail loudly rather than skip.

pub mod accessibility;
mod app;
mod audio;
mod coaching;
mod network;
mod nodes;
pub mod screens;
pub mod baresip;
pub mod sipp;
mod webdriver;

pub use app::{dist_dir, spawn_app, spawn_company, TestApp};
pub use audio::{fake_microphone, fake_microphone_with, hear, note_onsets, onsets, spectrum, spoken_microphone, tone_dbfs, voice_file, wait_quiet, Spectrum, Voice};
pub use network::{Link, Network};
pub use nodes::{spawn_nodes, Nodes};
pub use webdriver::{wait_until, Browser, Chromedriver};
