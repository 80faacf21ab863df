//! What arrives from a SIP trunk's RTP address: datagrams into a phone
//! leg of the SFU (RTP, G.711, telephone events, whatever the bytes), with
//! an agent's frames going the other way. Checks that a key press is one
//! of the sixteen keys, and that everything the SFU sends the trunk is RTP
//! in the agreed law.

use std::time::{Duration, Instant};

use earshot_rtp::RtpPacket;
use earshot_sfu::{LegRole, LineEvent, PhoneLine, RoomId, Seat, Sfu, G711};

pub const DICTIONARY: &[&[u8]] = &[
    &[0x80, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xA0, 0x00, 0x00, 0x00, 0x2A],
    &[0x80, 0x65, 0x00, 0x02, 0x00, 0x00, 0x01, 0x40, 0x00, 0x00, 0x00, 0x2A],
    &[0x80, 0xE5],
    &[0x0B, 0x8A, 0x03, 0x20],
    &[0x04, 0x0A, 0x00, 0xA0],
    &[0xA0],
    &[0x90, 0x00],
    &[0xFF; 16],
    &[0x7F; 160],
];

const TRUNK: &str = "127.0.0.3:7078";
const SFU: &str = "127.0.0.1:5004";

pub fn run(input: &[u8]) -> String {
    let now = Instant::now();
    let mut sfu = Sfu::new(SFU.parse().expect("an address"));
    let room = RoomId(1);
    sfu.grant(room, LegRole::Customer, Seat { holder: 1, session: 0 });
    let codec = if input.first().is_some_and(|b| b & 1 == 1) { G711::ALaw } else { G711::MuLaw };
    let line = PhoneLine { remote: Some(TRUNK.parse().expect("an address")), codec, dtmf: Some(101), sends: true, receives: true, answered: true };
    sfu.join_phone(now, room, LegRole::Customer, 1, line).expect("the seat is granted");
    // The input, cut into datagrams at each 0xC7 (a byte RTP seldom starts with).
    let (mut keys, mut silent) = (0, false);
    for (i, datagram) in input.split(|&b| b == 0xC7).enumerate() {
        let at = now + Duration::from_millis(20 * i as u64);
        let owned = sfu.handle_receive(at, earshot_sfu::Protocol::Udp, TRUNK.parse().expect("an address"), SFU.parse().expect("an address"), datagram);
        assert!(owned || silent, "the trunk's datagrams are its leg's while it lasts");
        sfu.handle_timeout(at);
        while let Some(event) = sfu.poll_line_event() {
            match event {
                LineEvent::Digit { digit, .. } => {
                    assert!("0123456789*#ABCD".contains(digit.key), "{digit:?}");
                    keys += 1;
                }
                // No RTP for 30 s (a long input of garbage): the leg is gone.
                LineEvent::Silent { .. } => silent = true,
            }
        }
        sfu.inject(at, room, LegRole::Agent, str0m::media::MediaTime::from_millis(20 * i as u64), &[0xF8, 0xFF, 0xFE]);
        while let Some(sent) = sfu.poll_transmit() {
            let packet = RtpPacket::parse(&sent.contents).expect("the SFU sends the trunk RTP");
            assert_eq!(packet.payload_type, codec.payload_type());
        }
    }
    let received = sfu.stats(room).first().is_some_and(|(_, _, stats)| stats.received.packets > 0);
    format!("RTP {received}, keys {}, silent {silent}", keys.min(2))
}
