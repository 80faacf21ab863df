//! Earshot's phone line toward a SIP trunk or PBX.
//!
//! - [`sdp`]: the audio-only session descriptions Earshot offers and
//!   answers (G.711 and telephone events over plain RTP, RFC 3264).

pub mod sdp;
