//! A customer on a phone line: plain RTP in G.711 from a SIP trunk, one
//! more leg of the room. Proved by listening: the spectrum of what the
//! trunk receives, and by the SFU's counters.

#[allow(dead_code)] // each test file uses its own part of the world
mod common;

use std::time::Duration;

use common::{World, ROOM, SESSION};
use earshot_sfu::LegRole::{Agent, Coach, Customer};
use earshot_sfu::{Digit, LineEvent, G711, SILENCE_ENDS};

const AGENT_HZ: f64 = 1_000.0;
const COACH_HZ: f64 = 1_800.0;
const CUSTOMER_HZ: f64 = 440.0;

/// The share of `samples`' power at `hz` (Goertzel), 0 to 1.
fn share_at(samples: &[i16], hz: f64) -> f64 {
    let coefficient = 2.0 * (2.0 * std::f64::consts::PI * hz / 8_000.0).cos();
    let (mut previous, mut before) = (0.0, 0.0);
    for &s in samples {
        let current = f64::from(s) + coefficient * previous - before;
        before = previous;
        previous = current;
    }
    let power = previous * previous + before * before - coefficient * previous * before;
    let total: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
    if total == 0.0 { 0.0 } else { 2.0 * power / (total * samples.len() as f64) }
}

fn coached_phone_call(codec: G711) -> World {
    let mut world = World::new();
    world.join_phone(codec, CUSTOMER_HZ);
    world.join(Agent);
    world.join(Coach);
    world.speak_tone(Agent, AGENT_HZ);
    world.speak_tone(Coach, COACH_HZ);
    world.sfu.set_whisper(ROOM, SESSION, true);
    world
}

fn phone_leg_traffic(world: &World) -> earshot_sfu::LegStats {
    let stats = world.sfu.stats(ROOM);
    let phones: Vec<_> = stats.iter().filter(|(role, _, s)| *role == Customer && s.phone).collect();
    phones.first().expect("the phone leg").2.clone()
}

#[test]
fn the_phone_customer_hears_the_agent_and_never_the_whispering_coach() {
    for codec in [G711::MuLaw, G711::ALaw] {
        let mut world = coached_phone_call(codec);
        let before = world.trunk.as_ref().unwrap().packets;
        world.run(Duration::from_secs(3), &[Agent, Coach]);

        let trunk = world.trunk.as_ref().unwrap();
        let sent = trunk.packets - before;
        assert!((148..=152).contains(&sent), "{codec:?}: a packet every 20 ms, the agent's or noise, never both: {sent} in 3 s");
        let heard = &trunk.heard[trunk.heard.len() / 3..]; // past the first frames
        assert!(heard.len() > 8_000, "{codec:?}: a second and more: {}", heard.len());
        let (agent, coach) = (share_at(heard, AGENT_HZ), share_at(heard, COACH_HZ));
        assert!(agent > 0.5, "{codec:?}: the agent's tone is most of what the line hears: {agent:.3}");
        assert!(coach < 0.001, "{codec:?}: the coach's tone is at the floor: {coach:.5}");

        let phone = phone_leg_traffic(&world);
        assert!(!phone.forwarded_to_it.contains_key(&Coach), "no coach packet toward the phone line: {phone:?}");
        assert!(phone.received.packets > 100, "{phone:?}");
        let agent_stats = world.sfu.stats(ROOM).into_iter().find(|(role, _, _)| *role == Agent).unwrap().2;
        assert!(agent_stats.forwarded_to_it[&Customer].packets > 100, "the agent hears the customer: {agent_stats:?}");
        assert!(agent_stats.forwarded_to_it[&Coach].packets > 100, "and the whisper");
    }
}

#[test]
fn on_hold_the_line_gets_comfort_noise_so_the_trunk_never_times_out() {
    let mut world = coached_phone_call(G711::MuLaw);
    world.run(Duration::from_secs(1), &[Agent, Coach]);
    world.sfu.set_hold(ROOM, true);
    let before = world.trunk.as_ref().unwrap().heard.len();
    world.run(Duration::from_secs(2), &[Agent, Coach]);
    let trunk = world.trunk.as_ref().unwrap();
    let held = &trunk.heard[before + 1_600..];
    assert!(held.len() >= 12_000, "a packet every 20 ms goes on: {} samples in 1.8 s", held.len());
    let peak = held.iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!(peak < 64, "noise at about −64 dBFS, not the agent: peak {peak}");
    assert!(share_at(held, AGENT_HZ) < 0.01 && share_at(held, COACH_HZ) < 0.01);
}

#[test]
fn a_key_pressed_on_the_phone_is_told_once() {
    let mut world = coached_phone_call(G711::ALaw);
    world.run(Duration::from_millis(200), &[]);
    for (duration, end) in [(160, false), (320, false), (480, true), (480, true), (480, true)] {
        let [high, low] = u16::to_be_bytes(duration);
        let payload = [11, if end { 0x8A } else { 0x0A }, high, low];
        let packet = earshot_rtp::RtpPacket { marker: duration == 160, payload_type: 101, sequence: duration, timestamp: 96_000, ssrc: 42, payload: &payload };
        assert!(world.trunk_sends(&packet.to_bytes()));
    }
    assert_eq!(world.sfu.poll_line_event(), Some(LineEvent::Digit { room: ROOM, role: Customer, digit: Digit { key: '#', duration: 480 } }));
    assert_eq!(world.sfu.poll_line_event(), None, "the repeated ends are one press");
}

#[test]
fn a_line_the_trunk_stops_sending_on_ends_after_the_silence_and_only_then() {
    // Before the answer a phone need not send: nothing ends.
    let mut world = coached_phone_call(G711::MuLaw);
    let (leg, line) = world.trunk.as_ref().map(|t| (t.leg, t.line)).unwrap();
    world.sfu.set_line(world.now, leg, earshot_sfu::PhoneLine { answered: false, ..line });
    world.trunk.as_mut().unwrap().tone = None;
    world.run(SILENCE_ENDS + Duration::from_secs(1), &[Agent]);
    assert_eq!(world.sfu.poll_line_event(), None, "a silent line still ringing stays");
    world.sfu.set_line(world.now, leg, line);
    world.run(SILENCE_ENDS - Duration::from_millis(100), &[Agent]);
    assert_eq!(world.sfu.poll_line_event(), None, "the answer starts the clock");
    world.run(Duration::from_millis(200), &[Agent]);
    assert_eq!(world.sfu.poll_line_event(), Some(LineEvent::Silent { room: ROOM, role: Customer }));

    let mut world = coached_phone_call(G711::MuLaw);
    world.run(Duration::from_secs(1), &[Agent]);
    world.trunk.as_mut().unwrap().tone = None;
    world.run(SILENCE_ENDS - Duration::from_millis(100), &[Agent]);
    assert_eq!(world.sfu.poll_line_event(), None, "not yet");
    world.run(Duration::from_millis(200), &[Agent]);
    assert_eq!(world.sfu.poll_line_event(), Some(LineEvent::Silent { room: ROOM, role: Customer }));
    assert!(!world.sfu.stats(ROOM).iter().any(|(role, _, _)| *role == Customer), "the leg is gone");
    let packets = world.trunk.as_ref().unwrap().packets;
    world.run(Duration::from_millis(500), &[Agent]);
    assert_eq!(world.trunk.as_ref().unwrap().packets, packets, "nothing more is sent to it");
}

#[test]
fn only_the_seats_holder_joins_and_a_stranger_address_reaches_nothing() {
    let mut world = coached_phone_call(G711::MuLaw);
    let line = world.trunk.as_ref().unwrap().line;
    assert!(matches!(world.sfu.join_phone(world.now, ROOM, Customer, 999, line), Err(earshot_sfu::JoinError::NoSeat)));
    world.run(Duration::from_millis(500), &[]);
    let received = phone_leg_traffic(&world).received.packets;
    let stranger = world.sfu.handle_receive(world.now, earshot_sfu::Protocol::Udp, "127.0.0.9:7078".parse().unwrap(), "127.0.0.1:5000".parse().unwrap(), &[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF]);
    assert!(!stranger, "RTP from another address is nobody's");
    assert!(world.trunk_sends(b"not RTP"), "the trunk's own garbage is its leg's, and goes nowhere");
    assert_eq!(phone_leg_traffic(&world).received.packets, received);
    world.sfu.close_room(ROOM);
    assert!(world.sfu.stats(ROOM).is_empty());
}

#[test]
fn a_far_end_hold_stops_what_the_line_is_sent_and_a_resume_brings_it_back() {
    let mut world = coached_phone_call(G711::MuLaw);
    world.run(Duration::from_secs(1), &[Agent]);
    let (leg, line) = world.trunk.as_ref().map(|t| (t.leg, t.line)).unwrap();
    // A re-INVITE offering sendonly, answered recvonly: we only listen.
    world.sfu.set_line(world.now, leg, earshot_sfu::PhoneLine { sends: false, ..line });
    let packets = world.trunk.as_ref().unwrap().packets;
    world.run(Duration::from_secs(1), &[Agent]);
    assert_eq!(world.trunk.as_ref().unwrap().packets, packets, "nothing is sent to a line that holds us");
    world.sfu.set_line(world.now, leg, line);
    world.run(Duration::from_secs(1), &[Agent]);
    let trunk = world.trunk.as_ref().unwrap();
    assert!(trunk.packets - packets >= 45, "sent again: {}", trunk.packets - packets);
    assert!(share_at(&trunk.heard[trunk.heard.len() - 4_000..], AGENT_HZ) > 0.5, "the agent again");
    world.leave(Agent);
    world.run(Duration::from_millis(500), &[]);
    let trunk = world.trunk.as_ref().unwrap();
    assert!(trunk.heard[trunk.heard.len() - 2_000..].iter().all(|s| s.unsigned_abs() < 64), "the agent gone: noise only");
}
