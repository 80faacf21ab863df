//! One peer connection: its str0m `Rtc`, which m-line carries what, and
//! its counters.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use str0m::media::{Direction, MediaData, MediaTime, Mid, Pt, Writer};
use str0m::net::Protocol;
use str0m::{Event, IceConnectionState, Output, Rtc};

use crate::routing::{receive_layout, LegRole};
use crate::sfu::{RoomId, Transmit};

/// Packets and bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    pub packets: u64,
    pub bytes: u64,
}

impl Traffic {
    pub(crate) fn add(&mut self, bytes: usize) {
        self.packets += 1;
        self.bytes += bytes as u64;
    }
}

/// What a leg sent the SFU, and what the SFU forwarded to it, by source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LegStats {
    pub received: Traffic,
    pub forwarded_to_it: BTreeMap<LegRole, Traffic>,
    /// How the peer's last packet came: UDP, or ICE-TCP when its UDP is blocked.
    pub transport: Option<Protocol>,
    /// A phone line's leg (plain RTP with a SIP trunk), not a WebRTC peer.
    pub phone: bool,
}

/// A packet to write: payload type, wallclock, RTP time, payload.
pub(crate) type Packet = (Pt, Instant, MediaTime, Arc<[u8]>);

/// A line quiet this long (or fed by another source) starts a new stretch
/// of its own timeline when audio flows again.
const RESUME_AFTER: Duration = Duration::from_millis(200);

/// A receive line's own timeline. Every source's RTP time is moved onto
/// it, so the receiver sees one steady clock whoever speaks and however
/// long the line was held back: a browser whose sending track was detached
/// (a whisper turned off) resumes with RTP times that did not move while it
/// was away, which a receiver's jitter buffer reads as a second of delay
/// and buffers (measured: a 1.4 s target delay; `cargo xtask bench switch`).
struct Line {
    /// The leg that fed it last (`None`: the server's own audio).
    source: Option<u64>,
    /// The time last written on the line, and when.
    time: MediaTime,
    at: Instant,
    /// Added to the source's RTP time, in the line's clock ticks.
    offset: i64,
}

impl Line {
    /// `time` from `source` at `at`, on the line's timeline.
    fn carry(&mut self, source: Option<u64>, time: MediaTime, at: Instant) -> MediaTime {
        let time = time.rebase(self.time.frequency());
        if self.source != source || at.saturating_duration_since(self.at) > RESUME_AFTER {
            let rate = u64::from(self.time.frequency().get());
            let elapsed = at.saturating_duration_since(self.at).as_micros() as u64 * rate / 1_000_000;
            self.offset = (self.time.numer() + elapsed) as i64 - time.numer() as i64;
        }
        let written = MediaTime::new(time.numer().saturating_add_signed(self.offset), time.frequency());
        (self.source, self.time, self.at) = (source, written, at);
        written
    }
}

pub(crate) struct Leg {
    pub room: RoomId,
    pub role: LegRole,
    pub rtc: Rtc,
    /// The line the peer sends its own audio on.
    send_mid: Option<Mid>,
    /// The peer's receive lines, by the source each carries.
    recv_mids: BTreeMap<LegRole, Mid>,
    /// Sources still waiting for a receive line, in offer order.
    unassigned: VecDeque<LegRole>,
    pub next_timeout: Option<Instant>,
    pub connected: bool,
    pub stats: LegStats,
    /// The receive lines written so far, by source.
    lines: BTreeMap<LegRole, Line>,
}

impl Leg {
    pub fn new(room: RoomId, role: LegRole, rtc: Rtc) -> Self {
        Self {
            room,
            role,
            rtc,
            send_mid: None,
            recv_mids: BTreeMap::new(),
            unassigned: receive_layout(role).iter().copied().collect(),
            next_timeout: None,
            connected: false,
            stats: LegStats::default(),
            lines: BTreeMap::new(),
        }
    }

    /// Writes a packet from `from` (leg `source`, or the server's own
    /// audio) on the receive line that carries it, as `packet_for` makes it
    /// for that line's writer, on the line's own timeline. Counts it and
    /// returns true when written.
    pub fn write_from(&mut self, from: LegRole, source: Option<u64>, packet_for: impl Fn(&Writer) -> Option<Packet>) -> bool {
        let Some(writer) = self.recv_mid(from).and_then(|mid| self.rtc.writer(mid)) else { return false };
        let Some((pt, wallclock, time, payload)) = packet_for(&writer) else { return false };
        // After a pause, or from another source, the line's clock carries
        // on from where it was by the time that passed.
        let time = match self.lines.get_mut(&from) {
            Some(line) => line.carry(source, time, wallclock),
            None => {
                self.lines.insert(from, Line { source, time, at: wallclock, offset: 0 });
                time
            }
        };
        let bytes = payload.len();
        match writer.write(pt, wallclock, time, payload) {
            Ok(()) => {
                self.stats.forwarded_to_it.entry(from).or_default().add(bytes);
                true
            }
            Err(e) => {
                tracing::debug!(to = ?self.role, "not forwarded: {e}");
                false
            }
        }
    }

    pub fn recv_mid(&self, source: LegRole) -> Option<Mid> {
        self.recv_mids.get(&source).copied()
    }

    /// Drains the `Rtc` until it asks for a timeout: datagrams go to
    /// `transmits`, the peer's own audio to `media`.
    pub fn poll(&mut self, transmits: &mut VecDeque<Transmit>, media: &mut Vec<MediaData>) {
        while self.rtc.is_alive() {
            let output = match self.rtc.poll_output() {
                Ok(output) => output,
                Err(e) => {
                    tracing::info!(role = ?self.role, "peer failed: {e}");
                    self.rtc.disconnect();
                    return;
                }
            };
            match output {
                Output::Timeout(at) => {
                    self.next_timeout = Some(at);
                    return;
                }
                Output::Transmit(t) => transmits.push_back(Transmit {
                    proto: t.proto,
                    source: t.source,
                    destination: t.destination,
                    contents: t.contents.into(), // str0m's buffer, moved, not copied
                }),
                Output::Event(event) => self.on_event(event, media),
            }
        }
    }

    fn on_event(&mut self, event: Event, media: &mut Vec<MediaData>) {
        match event {
            Event::Connected => self.connected = true,
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => self.rtc.disconnect(),
            Event::MediaAdded(added) => match added.direction {
                // The peer sends on it: its own audio.
                Direction::RecvOnly | Direction::SendRecv if self.send_mid.is_none() => self.send_mid = Some(added.mid),
                // The peer listens on it: the next source of its layout.
                Direction::SendOnly => {
                    if let Some(source) = self.unassigned.pop_front() {
                        self.recv_mids.insert(source, added.mid);
                    }
                }
                _ => {}
            },
            Event::MediaData(data) => {
                self.stats.received.add(data.data.len());
                // Audio on any other line (a hostile peer) goes nowhere.
                if Some(data.mid) == self.send_mid {
                    media.push(data);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use str0m::media::Frequency;

    const RATE: Frequency = Frequency::FORTY_EIGHT_KHZ;
    const MS: u64 = 48;

    fn at(t0: Instant, ms: u64) -> Instant {
        t0 + Duration::from_millis(ms)
    }

    #[test]
    fn a_steady_stream_keeps_its_own_times() {
        let t0 = Instant::now();
        let mut line = Line { source: Some(1), time: MediaTime::new(1_000, RATE), at: t0, offset: 0 };
        for frame in 1..50 {
            let time = MediaTime::new(1_000 + frame * 20 * MS, RATE);
            assert_eq!(line.carry(Some(1), time, at(t0, frame * 20)), time);
        }
    }

    #[test]
    fn after_a_pause_the_line_moves_on_by_the_time_that_passed() {
        // A sender whose track was detached for 2 s resumes with RTP times
        // that did not move meanwhile.
        let t0 = Instant::now();
        let mut line = Line { source: Some(1), time: MediaTime::new(5_000, RATE), at: t0, offset: 0 };
        let resumed = line.carry(Some(1), MediaTime::new(5_000 + 20 * MS, RATE), at(t0, 2_000));
        assert_eq!(resumed.numer(), 5_000 + 2_000 * MS, "two seconds on, as the receiver's clock is");
        let next = line.carry(Some(1), MediaTime::new(5_000 + 40 * MS, RATE), at(t0, 2_020));
        assert_eq!(next.numer(), resumed.numer() + 20 * MS, "then steady again");
    }

    #[test]
    fn another_source_on_the_line_carries_its_clock_on() {
        // The ringback, then the new agent's softphone with a clock of its own.
        let t0 = Instant::now();
        let mut line = Line { source: None, time: MediaTime::new(9_000, RATE), at: t0, offset: 0 };
        let first = line.carry(Some(7), MediaTime::new(123_456_789, RATE), at(t0, 20));
        assert_eq!(first.numer(), 9_000 + 20 * MS);
    }
}
