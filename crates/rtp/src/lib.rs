//! Plain RTP for phone lines: what a SIP trunk sends and expects, with no
//! socket and no clock.
//!
//! - [`packet`]: RTP packets (RFC 3550), read and written;
//! - [`g711`]: G.711 μ-law and A-law, the codecs every trunk speaks;
//! - [`dtmf`]: telephone events (RFC 4733), each key press told once.

pub mod dtmf;
pub mod g711;
pub mod packet;

pub use dtmf::{Digit, DtmfReceiver};
pub use g711::G711;
pub use packet::{RtpError, RtpPacket};
