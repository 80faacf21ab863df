//! A UDP datagram or TCP frame from anyone on the network, into an SFU with a call's
//! three legs waiting for their peers: what an attacker without the ICE
//! credentials reaches (STUN, DTLS and RTP demultiplexing in str0m and the
//! SFU's own routing of unknown sources).

use std::cell::RefCell;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use earshot_sfu::{LegRole, Protocol, RoomId, Seat, Sfu};
use str0m::media::{Direction, MediaKind};
use str0m::Rtc;

pub const DICTIONARY: &[&[u8]] = &[
    // STUN binding request header: type, length, magic cookie.
    b"\x00\x01\x00\x00\x21\x12\xa4\x42",
    // STUN attributes: USERNAME, MESSAGE-INTEGRITY, FINGERPRINT, PRIORITY, USE-CANDIDATE.
    b"\x00\x06\x00\x09",
    b"\x00\x08\x00\x14",
    b"\x80\x28\x00\x04",
    b"\x00\x24\x00\x04",
    b"\x00\x25\x00\x00",
    // DTLS 1.2 handshake record, ClientHello.
    b"\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00",
    b"\x01\x00\x00",
    // RTP v2 Opus (PT 111), RTCP SR.
    b"\x80\x6f",
    b"\x80\xc8\x00\x06",
];

const SFU: &str = "127.0.0.1:5004";
/// Inputs against one SFU before a fresh one (its legs give up on ICE).
const RUNS_PER_SFU: u32 = 5_000;

struct World {
    sfu: Sfu,
    now: Instant,
    runs: u32,
}

thread_local! {
    static WORLD: RefCell<Option<World>> = const { RefCell::new(None) };
}

pub fn run(input: &[u8]) -> String {
    let Some((&from, datagram)) = input.split_first() else { return "empty".into() };
    WORLD.with(|world| {
        let mut world = world.borrow_mut();
        if world.as_ref().is_none_or(|w| w.runs >= RUNS_PER_SFU) {
            *world = Some(a_call());
        }
        let world = world.as_mut().expect("just made");
        world.runs += 1;
        world.now += Duration::from_millis(1);
        let source: SocketAddr = format!("127.0.0.1:{}", 6000 + u16::from(from % 4)).parse().expect("an address");
        let proto = if from & 0x80 == 0 { Protocol::Udp } else { Protocol::Tcp };
        let taken = world.sfu.handle_receive(world.now, proto, source, SFU.parse().expect("an address"), datagram);
        world.sfu.handle_timeout(world.now);
        while world.sfu.poll_transmit().is_some() {}
        let class = match datagram.first() {
            Some(0..=3) => "STUN",
            Some(20..=63) => "DTLS",
            Some(128..=191) => "RTP",
            Some(_) => "other",
            None => "empty",
        };
        format!("{class}: {}", if taken { "taken" } else { "dropped" })
    })
}

/// A call's three legs, joined with offers as a browser makes them.
fn a_call() -> World {
    str0m::crypto::from_feature_flags().install_process_default();
    let now = Instant::now();
    let mut sfu = Sfu::new(SFU.parse().expect("an address")).with_tcp(SFU.parse().expect("an address"));
    for role in LegRole::ALL {
        let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(now);
        let mut change = rtc.sdp_api();
        change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        for _ in 0..earshot_sfu::receive_layout(role).len() {
            change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
        }
        let (offer, _) = change.apply().expect("an offer");
        sfu.grant(RoomId(1), role, Seat { holder: 1, session: 1 });
        sfu.join(now, RoomId(1), role, 1, offer).expect("the SFU takes a browser's offer");
    }
    World { sfu, now, runs: 0 }
}
