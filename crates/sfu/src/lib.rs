//! Earshot's audio SFU core: rooms (one per call), legs (customer, agent,
//! coach) and the forwarding rule, over str0m — and phone legs: a customer
//! on a SIP trunk, plain RTP in G.711, whose audio enters the room as Opus
//! and who is sent only what the same rule forwards ([`PhoneLine`]).
//!
//! Sans-IO like str0m itself: the shell feeds datagrams and timeouts with
//! the time they happened, and drains datagrams to send. No socket, no clock.
//! A leg joins only into a [`Seat`] the shell granted (and revoking it
//! drops the leg).
//! Every packet is forwarded by one function, [`Sfu::forward`], which asks
//! [`may_forward`] — the whisper and hold rule — for every destination.

mod leg;
mod offer;
mod phone;
mod routing;
mod sfu;

pub use earshot_rtp::{Digit, G711};
pub use leg::{LegStats, Traffic};
pub use phone::{LineEvent, PhoneLine, SILENCE_ENDS};
pub use routing::{may_forward, receive_layout, CallAudio, LegRole};
pub use sfu::{Heard, JoinError, LegId, RoomId, Seat, Sfu, Transmit};
pub use str0m::change::{SdpAnswer, SdpOffer};
pub use str0m::net::Protocol;
