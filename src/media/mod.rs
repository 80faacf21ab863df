//! Call audio in the browser: one RTCPeerConnection per call, with its
//! m-lines fixed at join so whisper never renegotiates.

mod chime;
mod peer;
mod watch;

pub use chime::chime;
pub use peer::{media_server, sleep, Line, Peer};
pub use watch::{went_down, CHECK_EVERY_MS};
