//! An SDP offer as a client sends it (to start coaching, join a softphone
//! or dial), through the SFU's `join_sdp` exactly as the media task calls
//! it. Checks that an answer reads back as SDP and that a refusal tells the
//! client only fixed words (never a parser's, which can carry addresses).

use std::time::{Duration, Instant};

use earshot_sfu::{LegRole, RoomId, SdpAnswer, Seat, Sfu};

use super::kind_of;

pub const DICTIONARY: &[&[u8]] = &[
    b"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n",
    b"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
    b"m=audio 0 UDP/TLS/RTP/SAVPF 111\r\n",
    b"m=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
    b"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
    b"c=IN IP4 0.0.0.0\r\n",
    b"a=rtpmap:111 opus/48000/2\r\n",
    b"a=fmtp:111 minptime=10;useinbandfec=1\r\n",
    b"a=fingerprint:sha-256 5A:1F:4C:73:27:06:1B:0B:1F:7C:6F:39:AF:0E:C5:B4:9D:2C:A1:55:70:04:7E:20:C8:49:15:5D:8E:F0:0C:6E\r\n",
    b"a=setup:actpass\r\n",
    b"a=setup:active\r\n",
    b"a=mid:",
    b"a=group:BUNDLE 0 1 2\r\n",
    b"a=ice-ufrag:abcd\r\n",
    b"a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n",
    b"a=sendrecv\r\n",
    b"a=sendonly\r\n",
    b"a=recvonly\r\n",
    b"a=inactive\r\n",
    b"a=rtcp-mux\r\n",
    b"a=ssrc:1 cname:x\r\n",
    b"a=msid:- t\r\n",
    b"a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n",
    b"a=candidate:1 1 udp 2130706431 127.0.0.1 6000 typ host\r\n",
    b"a=candidate:1 1 tcp 2130706431 127.0.0.1 6000 typ host tcptype passive\r\n",
    b"\r\n",
];

/// Everything a client may be told of a refused offer.
const FOR_CLIENTS: [&str; 5] = [
    "the SDP offer could not be read",
    "the SDP offer was refused: it offers no audio",
    "the SDP offer was refused: it offers no Opus audio",
    "the SDP offer was refused: its DTLS fingerprint is missing or not a whole SHA-256",
    "the SDP offer was refused: it offers no usable audio",
];

pub fn run(input: &[u8]) -> String {
    let Ok(offer) = std::str::from_utf8(input) else { return "not UTF-8 (JSON strings are)".into() };
    let role = LegRole::ALL[input.len() % 3];
    let now = Instant::now();
    let mut sfu = Sfu::new("127.0.0.1:5004".parse().expect("an address"));
    sfu.grant(RoomId(1), role, Seat { holder: 1, session: 1 });
    match sfu.join_sdp(now, RoomId(1), role, 1, offer) {
        Ok((_, answer)) => {
            let lines = SdpAnswer::from_sdp_string(&answer).expect("the SFU's answer is SDP").to_sdp_string().matches("\nm=").count();
            sfu.handle_timeout(now + Duration::from_millis(100));
            while sfu.poll_transmit().is_some() {}
            format!("joined as {role:?} with {lines} lines")
        }
        Err(e) => {
            let told = e.for_client();
            assert!(FOR_CLIENTS.contains(&told.as_str()), "a client was told {told:?}");
            kind_of(&e.to_string())
        }
    }
}
