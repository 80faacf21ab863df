//! The limit: the same call mix through bare str0m `Rtc`s in memory, on
//! virtual time — no sockets, no Earshot code. Server-side `Rtc`s
//! (ICE-lite, as an SFU's) forward each speaker's audio to the others'
//! receive lines; only the time spent in them counts as the server's.
//!
//! Flat out, the thread never waits. Paced, it sleeps until each call's
//! turn comes in real time, as a server waits for packets: the same work,
//! started after the thread slept — which on this machine costs str0m
//! more per packet.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

const FRAME: Duration = Duration::from_millis(20);
const SERVER: &str = "10.0.0.1:5000";

pub struct Limit {
    pub calls: usize,
    /// Resident memory per `Rtc`, connected (client and server alike).
    pub kib_per_rtc: f64,
    pub forwarded: u64,
    server_time: Duration,
}

impl Limit {
    pub fn us_per_forwarded(&self) -> f64 {
        self.server_time.as_secs_f64() * 1e6 / self.forwarded as f64
    }

    /// Streams of 50 packets/s one core could forward.
    pub fn streams_per_core(&self) -> f64 {
        1e6 / self.us_per_forwarded() / 50.0
    }
}

/// Who hears whom: the customer hears the agent; the agent the customer
/// (and the coach, who stays silent); the coach both.
const HEARS: [&[usize]; 3] = [&[1], &[0, 2], &[0, 1]];
const SPEAKS: [bool; 3] = [true, true, false];

struct Party {
    client: Rtc,
    client_addr: SocketAddr,
    send_mid: Mid,
    server: Rtc,
    /// The server leg's receive lines, in the order of `HEARS`.
    server_lines: Vec<Mid>,
    server_send: Option<Mid>,
}

/// Runs `calls` coached calls for `duration` of audio, flat out or paced.
pub fn measure(calls: usize, duration: Duration, paced: bool) -> Limit {
    let mut now = Instant::now();
    let rss_before = crate::proc_stat::rss_kib();
    let server_addr: SocketAddr = SERVER.parse().unwrap();
    let mut parties = Vec::new();
    for call in 0..calls {
        for (role, hears) in HEARS.iter().enumerate() {
            let client_addr: SocketAddr = format!("10.0.{}.{}:{}", call / 200, call % 200 + 2, 6000 + role).parse().unwrap();
            let mut client = Rtc::builder().clear_codecs().enable_opus(true, false).build(now);
            client.add_local_candidate(Candidate::host(client_addr, "udp").unwrap());
            let mut change = client.sdp_api();
            let send_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
            for _ in 0..hears.len() {
                change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
            }
            let (offer, pending) = change.apply().unwrap();
            let mut server = Rtc::builder().set_ice_lite(true).clear_codecs().enable_opus(true, false).build(now);
            server.add_local_candidate(Candidate::host(server_addr, "udp").unwrap());
            let answer = server.sdp_api().accept_offer(offer).unwrap();
            client.sdp_api().accept_answer(pending, answer).unwrap();
            parties.push(Party { client, client_addr, send_mid, server, server_lines: Vec::new(), server_send: None });
        }
    }
    // Each client's place in its call (parties are three per call, in order).
    let by_addr: HashMap<SocketAddr, usize> = parties.iter().enumerate().map(|(i, p)| (p.client_addr, i % 3)).collect();
    let mut net = Net { by_addr, server_addr, server_time: Duration::ZERO, forwarded: 0, frames: 0, pace: None };

    // Connect (ICE, DTLS) on virtual time, then speak; only speech is timed.
    for _ in 0..100 {
        now += FRAME;
        net.tick(&mut parties, now, false);
    }
    let kib_per_rtc = crate::proc_stat::rss_kib().saturating_sub(rss_before) as f64 / (parties.len() * 2) as f64;
    net.server_time = Duration::ZERO;
    net.forwarded = 0;
    let end = now + duration;
    net.pace = paced.then(|| (now, Instant::now()));
    while now < end {
        now += FRAME;
        net.tick(&mut parties, now, true);
    }
    Limit { calls, kib_per_rtc, forwarded: net.forwarded, server_time: net.server_time }
}

struct Net {
    /// Paced: a virtual instant and the real one it was.
    pace: Option<(Instant, Instant)>,
    by_addr: HashMap<SocketAddr, usize>,
    server_addr: SocketAddr,
    server_time: Duration,
    forwarded: u64,
    frames: u64,
}

impl Net {
    /// One 20 ms frame. Each call's turn comes at its own instant within
    /// the frame, as real calls' packets arrive spread over it.
    fn tick(&mut self, parties: &mut [Party], frame_start: Instant, speak: bool) {
        if speak {
            self.frames += 1;
        }
        let calls = parties.len() / 3;
        for call in 0..calls {
            let now = frame_start + FRAME * call as u32 / calls as u32;
            if let Some((virtual_start, real_start)) = self.pace {
                std::thread::sleep((real_start + (now - virtual_start)).saturating_duration_since(Instant::now()));
            }
            let parties = &mut parties[call * 3..call * 3 + 3];
            for (role, party) in parties.iter_mut().enumerate() {
                if speak && SPEAKS[role] {
                    let pt = party.client.codec_config().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()).unwrap();
                    if let Some(writer) = party.client.writer(party.send_mid) {
                        let _ = writer.write(pt, now, MediaTime::from_millis(self.frames * 20), vec![role as u8; 80]);
                    }
                }
                let _ = party.client.handle_input(Input::Timeout(now));
                let started = Instant::now();
                let _ = party.server.handle_input(Input::Timeout(now));
                self.server_time += started.elapsed();
            }
            self.deliver(parties, now);
        }
    }

    /// Delivers within one call until quiet: clients → servers → forwards → clients.
    fn deliver(&mut self, parties: &mut [Party], now: Instant) {
        loop {
            let mut moved = false;
            for i in 0..parties.len() {
                while let Ok(output) = parties[i].client.poll_output() {
                    let Output::Transmit(t) = output else {
                        if matches!(output, Output::Timeout(_)) {
                            break;
                        }
                        continue;
                    };
                    moved = true;
                    let receive = Receive::new(Protocol::Udp, t.source, self.server_addr, &t.contents).unwrap();
                    let started = Instant::now();
                    let _ = parties[i].server.handle_input(Input::Receive(now, receive));
                    self.server_time += started.elapsed();
                }
                moved |= self.drain_server(parties, i, now);
            }
            if !moved {
                return;
            }
        }
    }

    /// Polls server leg `i`: its datagrams to its client, its speaker's
    /// audio forwarded to the legs that hear it.
    fn drain_server(&mut self, parties: &mut [Party], i: usize, now: Instant) -> bool {
        let mut moved = false;
        loop {
            let started = Instant::now();
            let output = parties[i].server.poll_output();
            self.server_time += started.elapsed();
            match output {
                Ok(Output::Timeout(_)) | Err(_) => return moved,
                Ok(Output::Transmit(t)) => {
                    moved = true;
                    let to = self.by_addr[&t.destination];
                    let receive = Receive::new(Protocol::Udp, self.server_addr, t.destination, &t.contents).unwrap();
                    let _ = parties[to].client.handle_input(Input::Receive(now, receive));
                }
                Ok(Output::Event(Event::MediaAdded(added))) => match added.direction {
                    Direction::SendOnly => parties[i].server_lines.push(added.mid),
                    _ => parties[i].server_send = Some(added.mid),
                },
                Ok(Output::Event(Event::MediaData(data))) => {
                    for (listener, hears) in HEARS.iter().enumerate() {
                        let Some(line) = hears.iter().position(|&speaker| speaker == i) else { continue };
                        let to = &mut parties[listener];
                        let Some(&mid) = to.server_lines.get(line) else { continue };
                        let started = Instant::now();
                        if let Some(writer) = to.server.writer(mid) {
                            if let Some(pt) = writer.match_params(data.params) {
                                if writer.write(pt, data.network_time, data.time, data.data.clone()).is_ok() {
                                    self.forwarded += 1;
                                }
                            }
                        }
                        self.server_time += started.elapsed();
                        moved |= self.drain_server(parties, listener, now);
                    }
                }
                Ok(Output::Event(_)) => {}
            }
        }
    }
}
