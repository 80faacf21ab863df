//! Audio-only SDP (RFC 4566) and its offer/answer (RFC 3264), no more than
//! a phone line needs: one audio stream of G.711 over plain RTP, telephone
//! events beside it, and which way it flows. Any other stream an offer
//! holds is refused in the answer (port 0), as §6 says.

use std::net::{IpAddr, SocketAddr};

use earshot_rtp::G711;

/// Which way a stream flows, as its offerer or answerer sees it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    SendRecv,
    SendOnly,
    RecvOnly,
    Inactive,
}

impl Direction {
    fn attribute(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    fn from_attribute(name: &str) -> Option<Direction> {
        [Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive].into_iter().find(|d| d.attribute() == name)
    }

    /// The direction an answer gives to an offer's (RFC 3264 §6.1): a
    /// `sendonly` offer (the far end holding us) is answered `recvonly`.
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendRecv => Direction::SendRecv,
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            Direction::Inactive => Direction::Inactive,
        }
    }

    /// Whether we send to the far end, this being our side's direction.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the far end sends to us, this being our side's direction.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// Why a description cannot carry a call (a SIP `488 Not Acceptable Here`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdpError {
    /// Not SDP: the line (from 1) and what is wrong with it.
    Unreadable { line: usize, why: &'static str },
    /// No audio stream over plain RTP.
    NoAudio,
    /// An audio stream, but neither PCMU nor PCMA in it.
    NoCodec,
}

impl std::fmt::Display for SdpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SdpError::Unreadable { line, why } => write!(f, "unreadable SDP at line {line}: {why}"),
            SdpError::NoAudio => f.write_str("the SDP has no audio stream over RTP/AVP (SRTP and other transports are not supported)"),
            SdpError::NoCodec => f.write_str("the SDP's audio offers neither PCMU nor PCMA"),
        }
    }
}

impl std::error::Error for SdpError {}

/// What two ends agreed for the call's audio, as this end sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Where to send RTP; `None` while the far end takes none (port 0, or
    /// the old hold address `0.0.0.0`).
    pub remote: Option<SocketAddr>,
    pub codec: G711,
    /// The payload type of telephone events, when both ends have them.
    pub dtmf: Option<u8>,
    /// Our side's direction.
    pub direction: Direction,
}

/// One `m=` section.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Media {
    kind: String,
    port: u16,
    proto: String,
    formats: Vec<String>,
    connection: Option<IpAddr>,
    /// `a=` lines, without the `a=`.
    attributes: Vec<String>,
}

impl Media {
    /// The payload type `name/8000` is mapped to here; static types need
    /// no `rtpmap` (RFC 3551).
    fn payload_type(&self, name: &str) -> Option<u8> {
        let mapped = self.attributes.iter().filter_map(|a| a.strip_prefix("rtpmap:")).find_map(|map| {
            let (pt, encoding) = map.split_once(' ')?;
            let (codec, rest) = encoding.split_once('/')?;
            let rate = rest.split('/').next()?;
            (codec.eq_ignore_ascii_case(name) && rate == "8000").then(|| pt.parse().ok()).flatten()
        });
        let offered = |pt: u8| self.formats.iter().any(|f| f.parse() == Ok(pt));
        mapped.or_else(|| G711::by_name(name).map(G711::payload_type)).filter(|&pt| offered(pt))
    }

    /// The first G.711 law in the stream's own order of preference.
    fn codec(&self) -> Option<G711> {
        self.formats.iter().find_map(|f| {
            let pt: u8 = f.parse().ok()?;
            [G711::MuLaw, G711::ALaw].into_iter().find(|&law| self.payload_type(law.name()) == Some(pt))
        })
    }

    fn direction(&self) -> Option<Direction> {
        self.attributes.iter().find_map(|a| Direction::from_attribute(a))
    }

    fn plain_audio(&self) -> bool {
        self.kind == "audio" && self.proto.eq_ignore_ascii_case("RTP/AVP")
    }
}

/// A session description, as far as a phone line reads one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Description {
    connection: Option<IpAddr>,
    /// Session-level direction, for streams that give none.
    direction: Option<Direction>,
    media: Vec<Media>,
}

impl Description {
    pub fn parse(text: &str) -> Result<Description, SdpError> {
        let mut description = Description { connection: None, direction: None, media: Vec::new() };
        let mut seen_version = false;
        for (index, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            let unreadable = |why| SdpError::Unreadable { line: index + 1, why };
            if line.is_empty() {
                continue;
            }
            let (kind, value) = line.split_once('=').filter(|(k, _)| k.len() == 1).ok_or(unreadable("not a `type=value` line"))?;
            if !seen_version {
                if kind != "v" || value != "0" {
                    return Err(unreadable("SDP starts with v=0"));
                }
                seen_version = true;
                continue;
            }
            match kind {
                "m" => {
                    let mut fields = value.split_ascii_whitespace();
                    let (Some(media), Some(port), Some(proto)) = (fields.next(), fields.next(), fields.next()) else {
                        return Err(unreadable("an m= line needs media, port, transport and formats"));
                    };
                    // `port/count` is allowed; the count is not used.
                    let port = port.split('/').next().unwrap_or_default().parse().map_err(|_| unreadable("an m= port is a number up to 65535"))?;
                    let formats: Vec<String> = fields.map(str::to_owned).collect();
                    if formats.is_empty() {
                        return Err(unreadable("an m= line lists its formats"));
                    }
                    description.media.push(Media { kind: media.to_owned(), port, proto: proto.to_owned(), formats, connection: None, attributes: Vec::new() });
                }
                "c" => {
                    let address = connection_address(value).ok_or(unreadable("a c= line is `IN IP4|IP6 address`"))?;
                    match description.media.last_mut() {
                        Some(media) => media.connection = Some(address),
                        None => description.connection = Some(address),
                    }
                }
                "a" => match description.media.last_mut() {
                    Some(media) => media.attributes.push(value.to_owned()),
                    None => description.direction = description.direction.or(Direction::from_attribute(value)),
                },
                _ => {}
            }
        }
        if !seen_version {
            return Err(SdpError::Unreadable { line: 1, why: "empty: SDP starts with v=0" });
        }
        Ok(description)
    }

    /// The audio stream a call uses: the first plain RTP one with a port.
    fn audio(&self) -> Result<usize, SdpError> {
        self.media.iter().position(|m| m.plain_audio() && m.port != 0).ok_or(SdpError::NoAudio)
    }

    /// What this end agrees to for `media`, its own direction being `ours`.
    fn agreed(&self, media: &Media, codec: G711, ours: Direction) -> Negotiated {
        let address = media.connection.or(self.connection).filter(|a| !a.is_unspecified());
        Negotiated {
            remote: address.map(|a| SocketAddr::new(a, media.port)),
            codec,
            dtmf: media.payload_type(TELEPHONE_EVENT),
            direction: ours,
        }
    }

    /// Whether an answer can be made: an audio stream with G.711 in it.
    pub fn usable(&self) -> Result<(), SdpError> {
        self.media[self.audio()?].codec().map(|_| ()).ok_or(SdpError::NoCodec)
    }

    /// Answers this offer from `local` (RFC 3264 §6): the first G.711 law
    /// it prefers, telephone events if it offers them, every other stream
    /// refused. `version` goes up with each answer of one dialog.
    pub fn answer(&self, local: SocketAddr, session: u64, version: u64) -> Result<(Negotiated, String), SdpError> {
        let chosen = self.audio()?;
        let media = &self.media[chosen];
        let codec = media.codec().ok_or(SdpError::NoCodec)?;
        let offered = media.direction().or(self.direction).unwrap_or_default();
        let agreed = self.agreed(media, codec, offered.answer());
        let mut sdp = header(local.ip(), session, version);
        for (index, m) in self.media.iter().enumerate() {
            if index == chosen {
                audio_section(&mut sdp, local.port(), &[codec], agreed.dtmf, agreed.direction);
            } else {
                sdp.push_str(&format!("m={} 0 {} {}\r\n", m.kind, m.proto, m.formats.join(" ")));
            }
        }
        Ok((agreed, sdp))
    }

    /// Reads the answer to an [`offer`]: the law it chose among ours.
    pub fn accept_answer(&self) -> Result<Negotiated, SdpError> {
        let media = &self.media[self.audio()?];
        let codec = media.codec().ok_or(SdpError::NoCodec)?;
        let theirs = media.direction().or(self.direction).unwrap_or_default();
        Ok(self.agreed(media, codec, theirs.answer()))
    }
}

/// The encoding name of RFC 4733's events.
const TELEPHONE_EVENT: &str = "telephone-event";

/// The payload type Earshot offers telephone events on.
pub const OFFERED_DTMF: u8 = 101;

/// An offer from `local`, for a call Earshot places: PCMU, PCMA and
/// telephone events, both ways.
pub fn offer(local: SocketAddr, session: u64, version: u64) -> String {
    let mut sdp = header(local.ip(), session, version);
    audio_section(&mut sdp, local.port(), &[G711::MuLaw, G711::ALaw], Some(OFFERED_DTMF), Direction::SendRecv);
    sdp
}

fn header(ip: IpAddr, session: u64, version: u64) -> String {
    let family = if ip.is_ipv4() { "IP4" } else { "IP6" };
    format!("v=0\r\no=earshot {session} {version} IN {family} {ip}\r\ns=Earshot\r\nc=IN {family} {ip}\r\nt=0 0\r\n")
}

fn audio_section(sdp: &mut String, port: u16, codecs: &[G711], dtmf: Option<u8>, direction: Direction) {
    let formats: Vec<String> = codecs.iter().map(|c| c.payload_type().to_string()).chain(dtmf.map(|pt| pt.to_string())).collect();
    sdp.push_str(&format!("m=audio {port} RTP/AVP {}\r\n", formats.join(" ")));
    for codec in codecs {
        sdp.push_str(&format!("a=rtpmap:{} {}/8000\r\n", codec.payload_type(), codec.name()));
    }
    if let Some(pt) = dtmf {
        sdp.push_str(&format!("a=rtpmap:{pt} {TELEPHONE_EVENT}/8000\r\na=fmtp:{pt} 0-15\r\n"));
    }
    sdp.push_str(&format!("a=ptime:20\r\na={}\r\n", direction.attribute()));
}

fn connection_address(value: &str) -> Option<IpAddr> {
    let mut fields = value.split_ascii_whitespace();
    let (Some("IN"), Some(family), Some(address)) = (fields.next(), fields.next(), fields.next()) else { return None };
    // A multicast address may carry `/ttl`; it is not used.
    let address: IpAddr = address.split('/').next()?.parse().ok()?;
    (matches!((family, address), ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)))).then_some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = "127.0.0.1:40000";

    /// What SIPp's uac scenario offers, near enough: PCMU, then events.
    fn offer_from(direction: &str, formats: &str) -> String {
        format!(
            "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.2\r\ns=-\r\nc=IN IP4 127.0.0.2\r\nt=0 0\r\n\
             m=audio 6000 RTP/AVP {formats}\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n{direction}"
        )
    }

    fn answer(offer: &str) -> Result<(Negotiated, String), SdpError> {
        Description::parse(offer)?.answer(LOCAL.parse().unwrap(), 7, 1)
    }

    #[test]
    fn an_offer_of_pcmu_and_events_is_answered_with_both_where_we_listen() {
        let (agreed, sdp) = answer(&offer_from("", "0 8 96")).unwrap();
        assert_eq!(agreed, Negotiated { remote: Some("127.0.0.2:6000".parse().unwrap()), codec: G711::MuLaw, dtmf: Some(96), direction: Direction::SendRecv });
        assert!(sdp.starts_with("v=0\r\no=earshot 7 1 IN IP4 127.0.0.1\r\n"), "{sdp}");
        assert!(sdp.contains("\r\nm=audio 40000 RTP/AVP 0 96\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 telephone-event/8000\r\n"), "{sdp}");
        assert!(sdp.ends_with("a=sendrecv\r\n"), "{sdp}");
        assert_eq!(Description::parse(&sdp).unwrap().accept_answer().unwrap().codec, G711::MuLaw, "our answer reads back");
    }

    #[test]
    fn the_offerers_preference_picks_the_law() {
        assert_eq!(answer(&offer_from("", "8 0")).unwrap().0.codec, G711::ALaw);
        assert_eq!(answer(&offer_from("", "18 8")).unwrap().0.codec, G711::ALaw, "G.729 first, not ours");
        assert_eq!(answer(&offer_from("", "0")).unwrap().0.dtmf, None, "no events offered, none used");
        // Static types need no rtpmap.
        let bare = "v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5004 RTP/AVP 8\r\n";
        assert_eq!(answer(bare).unwrap().0, Negotiated { remote: Some("10.0.0.9:5004".parse().unwrap()), codec: G711::ALaw, dtmf: None, direction: Direction::SendRecv });
    }

    #[test]
    fn a_hold_is_answered_per_rfc_3264() {
        let (agreed, sdp) = answer(&offer_from("a=sendonly\r\n", "0 96")).unwrap();
        assert_eq!(agreed.direction, Direction::RecvOnly);
        assert!(sdp.ends_with("a=recvonly\r\n"), "{sdp}");
        assert!(!agreed.direction.sends() && agreed.direction.receives());
        assert_eq!(answer(&offer_from("a=inactive\r\n", "0")).unwrap().0.direction, Direction::Inactive);
        assert_eq!(answer(&offer_from("a=recvonly\r\n", "0")).unwrap().0.direction, Direction::SendOnly);
        // The old way (RFC 2543): the address 0.0.0.0.
        let old = offer_from("", "0").replace("c=IN IP4 127.0.0.2", "c=IN IP4 0.0.0.0");
        assert_eq!(answer(&old).unwrap().0.remote, None);
        // A session-level direction holds for a stream that gives none.
        let session = "v=0\r\nc=IN IP4 10.0.0.9\r\na=sendonly\r\nm=audio 5004 RTP/AVP 0\r\n";
        assert_eq!(answer(session).unwrap().0.direction, Direction::RecvOnly);
    }

    #[test]
    fn other_streams_are_refused_in_place_and_the_audio_kept() {
        let offer = "v=0\r\nc=IN IP4 10.0.0.9\r\nm=video 5006 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\nm=audio 5004 RTP/AVP 0\r\n";
        let (agreed, sdp) = answer(offer).unwrap();
        assert_eq!(agreed.remote, Some("10.0.0.9:5004".parse().unwrap()));
        let lines: Vec<&str> = sdp.lines().filter(|l| l.starts_with("m=")).collect();
        assert_eq!(lines, ["m=video 0 RTP/AVP 96", "m=audio 40000 RTP/AVP 0"]);
    }

    #[test]
    fn what_cannot_carry_a_call_says_why() {
        assert_eq!(answer(&offer_from("", "18")), Err(SdpError::NoCodec));
        assert_eq!(answer("v=0\r\nc=IN IP4 10.0.0.9\r\nm=audio 5004 RTP/SAVP 0\r\n"), Err(SdpError::NoAudio), "SRTP");
        assert_eq!(answer("v=0\r\nm=video 5004 RTP/AVP 96\r\n"), Err(SdpError::NoAudio));
        assert_eq!(answer(""), Err(SdpError::Unreadable { line: 1, why: "empty: SDP starts with v=0" }));
        assert_eq!(answer("hello"), Err(SdpError::Unreadable { line: 1, why: "not a `type=value` line" }));
        assert_eq!(answer("v=0\r\nm=audio 99999 RTP/AVP 0\r\n"), Err(SdpError::Unreadable { line: 2, why: "an m= port is a number up to 65535" }));
        assert_eq!(answer("v=0\r\nc=IN IP4 ::1\r\n").unwrap_err(), SdpError::Unreadable { line: 2, why: "a c= line is `IN IP4|IP6 address`" });
        assert_eq!(answer("v=0\r\nm=audio 5004 RTP/AVP\r\n").unwrap_err(), SdpError::Unreadable { line: 2, why: "an m= line lists its formats" });
    }

    #[test]
    fn our_offer_is_answered_by_the_far_end() {
        let ours = offer("192.0.2.1:40002".parse().unwrap(), 9, 1);
        assert!(ours.contains("m=audio 40002 RTP/AVP 0 8 101\r\n") && ours.contains("a=rtpmap:101 telephone-event/8000\r\n"), "{ours}");
        let theirs = "v=0\r\nc=IN IP4 198.51.100.4\r\nm=audio 7078 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
        let agreed = Description::parse(theirs).unwrap().accept_answer().unwrap();
        assert_eq!(agreed, Negotiated { remote: Some("198.51.100.4:7078".parse().unwrap()), codec: G711::ALaw, dtmf: Some(101), direction: Direction::SendRecv });
    }
}
