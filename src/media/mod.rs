//! Call audio in the browser: one RTCPeerConnection per call, with its
//! m-lines fixed at join so whisper never renegotiates.

mod chime;
mod devices;
mod microphone;
mod peer;
mod watch;

pub use chime::chime;
pub use devices::{devices, Device};
pub use microphone::open_microphone;
pub use peer::{js_error, media_server, sleep, Line, Peer};
pub use watch::{went_down, CHECK_EVERY_MS};
