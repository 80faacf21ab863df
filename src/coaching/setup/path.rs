//! The setup's last step: a connection to the media server, the same way
//! a coaching session connects (ICE, then DTLS), carrying nothing. It tells
//! how long connecting took and the round trip — or, when the network
//! blocks it, exactly what to ask the IT team to open.

use earshot_protocol::Request;

use super::model::it_advice;
use crate::coaching::media::CONNECT_WITHIN_MS;
use crate::live::Live;
use crate::media::{media_server, sleep, Line, Peer};

/// What the check measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PathReport {
    /// From the offer to DTLS up.
    pub connect_ms: u32,
    /// The ICE round trip, when Chrome measured one in time.
    pub round_trip_ms: Option<f64>,
}

impl PathReport {
    pub fn describe(&self) -> String {
        match self.round_trip_ms {
            Some(rtt) => format!("Connected to the media server in {} ms; round trip {rtt:.0} ms.", self.connect_ms),
            None => format!("Connected to the media server in {} ms.", self.connect_ms),
        }
    }
}

/// How long to wait for Chrome's first round-trip measurement.
const ROUND_TRIP_WITHIN_MS: i32 = 2_000;
const POLL_MS: i32 = 50;

pub async fn check(live: Live) -> Result<PathReport, String> {
    let started = now();
    let result = connect(live, started).await;
    // Whatever happened, the check's connection closes on the server too.
    leptos::task::spawn_local(async move { drop(live.request(Request::EndAudioCheck).await) });
    result
}

async fn connect(live: Live, started: f64) -> Result<PathReport, String> {
    let (peer, sdp) = Peer::connect(&[], Line::Reserved, |offer| live.request(Request::CheckAudioPath { offer })).await?;
    let server = media_server(&sdp).unwrap_or_else(|| "the Earshot media server".to_owned());
    let mut waited = 0;
    while !peer.is_connected() {
        if waited >= CONNECT_WITHIN_MS {
            return Err(format!("No connection to the media server within {} s: this network does not let the call's audio through. {}", CONNECT_WITHIN_MS / 1000, it_advice(&server)));
        }
        sleep(POLL_MS).await;
        waited += POLL_MS;
    }
    let connect_ms = (now() - started).round() as u32;
    let mut round_trip_ms = None;
    let mut waited = 0;
    while round_trip_ms.is_none() && waited < ROUND_TRIP_WITHIN_MS {
        round_trip_ms = peer.round_trip_ms().await;
        sleep(POLL_MS).await;
        waited += POLL_MS;
    }
    Ok(PathReport { connect_ms, round_trip_ms })
}

fn now() -> f64 {
    js_sys::Date::now()
}
