//! Earshot's phone line toward a SIP trunk or PBX. Earshot is a B2BUA:
//! each call from the trunk is a dialog here and a call in the core.
//!
//! - [`sdp`]: the audio-only session descriptions Earshot offers and
//!   answers (G.711 and telephone events over plain RTP, RFC 3264);
//! - [`trunk`]: who may call in and what they dialled, as plain rules;
//! - [`line`]: the SIP endpoint itself (rsipstack over UDP and TCP), which
//!   hands each admitted call to the server as an [`line::IncomingCall`].

pub mod line;
pub mod sdp;
pub mod trunk;
