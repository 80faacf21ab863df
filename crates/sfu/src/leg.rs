//! One peer connection: its str0m `Rtc`, which m-line carries what, and
//! its counters.

use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

use str0m::media::{Direction, MediaData, Mid};
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
                    contents: t.contents.to_vec(),
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
