//! `/api/metrics`: the SFU's counters in Prometheus text format, for admins.

use std::fmt::Write;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use earshot_sfu::{LegRole, Protocol};

use super::session::{admins_only, CurrentUser};
use super::{AppError, AppState};
use crate::media::LegReport;

pub async fn metrics(State(state): State<AppState>, CurrentUser(me): CurrentUser) -> Result<Response, AppError> {
    admins_only(&me, "metrics are for admins")?;
    let text = render(&state.media.report().await);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response())
}

/// `call="…",shard="…",leg="…"`: the leg's call, the media shard carrying
/// it, and whether it is a browser's (WebRTC) or a phone line's (SIP, RTP).
fn call(r: &LegReport) -> String {
    let leg = if r.stats.phone { "phone" } else { "webrtc" };
    format!("call=\"{}\",shard=\"{}\",leg=\"{leg}\"", r.room.0, r.shard)
}

fn role(role: LegRole) -> &'static str {
    match role {
        LegRole::Customer => "customer",
        LegRole::Agent => "agent",
        LegRole::Coach => "coach",
    }
}

pub fn render(reports: &[LegReport]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# HELP earshot_sfu_received_packets_total RTP packets a leg sent the SFU.\n# TYPE earshot_sfu_received_packets_total counter");
    for r in reports {
        let _ = writeln!(out, "earshot_sfu_received_packets_total{{{},role=\"{}\"}} {}", call(r), role(r.role), r.stats.received.packets);
    }
    let _ = writeln!(out, "# HELP earshot_sfu_received_bytes_total Payload bytes a leg sent the SFU.\n# TYPE earshot_sfu_received_bytes_total counter");
    for r in reports {
        let _ = writeln!(out, "earshot_sfu_received_bytes_total{{{},role=\"{}\"}} {}", call(r), role(r.role), r.stats.received.bytes);
    }
    let _ = writeln!(out, "# HELP earshot_sfu_forwarded_packets_total RTP packets forwarded to a leg, by source.\n# TYPE earshot_sfu_forwarded_packets_total counter");
    for r in reports {
        for (from, traffic) in &r.stats.forwarded_to_it {
            let _ = writeln!(out, "earshot_sfu_forwarded_packets_total{{{},to=\"{}\",from=\"{}\"}} {}", call(r), role(r.role), role(*from), traffic.packets);
        }
    }
    let _ = writeln!(out, "# HELP earshot_sfu_forwarded_bytes_total Payload bytes forwarded to a leg, by source.\n# TYPE earshot_sfu_forwarded_bytes_total counter");
    for r in reports {
        for (from, traffic) in &r.stats.forwarded_to_it {
            let _ = writeln!(out, "earshot_sfu_forwarded_bytes_total{{{},to=\"{}\",from=\"{}\"}} {}", call(r), role(r.role), role(*from), traffic.bytes);
        }
    }
    let _ = writeln!(out, "# HELP earshot_sfu_leg_over_tcp 1 when a leg's audio comes over ICE-TCP (its UDP is blocked).\n# TYPE earshot_sfu_leg_over_tcp gauge");
    for r in reports.iter().filter(|r| r.stats.transport.is_some()) {
        let over_tcp = u8::from(r.stats.transport == Some(Protocol::Tcp));
        let _ = writeln!(out, "earshot_sfu_leg_over_tcp{{{},role=\"{}\"}} {over_tcp}", call(r), role(r.role));
    }
    out
}
