//! What a SIP trunk (or anyone who reaches the line's port) sends: a SIP
//! message through rsipstack's parser, as the line's transport reads it;
//! an INVITE's number and SDP through the line's own rules. Checks that an
//! offer Earshot can answer is answered with SDP that reads back, agreeing
//! on the same law, and that what the number rule keeps is E.164.

use earshot_sip::sdp::Description;
use earshot_sip::trunk::dialled;
use rsipstack::sip::SipMessage;

use super::kind_of;

pub const DICTIONARY: &[&[u8]] = &[
    b"INVITE sip:+441615550200@127.0.0.1:5060 SIP/2.0\r\n",
    b"BYE sip:x@127.0.0.1 SIP/2.0\r\n",
    b"SIP/2.0 200 OK\r\n",
    b"Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1;rport\r\n",
    b"From: <sip:caller@127.0.0.1>;tag=1\r\n",
    b"To: <sip:+441615550200@127.0.0.1>\r\n",
    b"Call-ID: 1@127.0.0.1\r\n",
    b"CSeq: 1 INVITE\r\n",
    b"Content-Type: application/sdp\r\n",
    b"Content-Length: ",
    b"\r\n\r\n",
    b"v=0\r\nc=IN IP4 127.0.0.1\r\n",
    b"m=audio 6000 RTP/AVP 0 8 101\r\n",
    b"m=audio 6000 RTP/SAVP 0\r\n",
    b"m=video 6002 RTP/AVP 96\r\n",
    b"a=rtpmap:101 telephone-event/8000\r\n",
    b"a=rtpmap:0 PCMU/8000\r\n",
    b"a=sendonly\r\n",
    b"a=inactive\r\n",
    b"c=IN IP4 0.0.0.0\r\n",
    b"c=IN IP6 ::1\r\n",
];

/// A parser error's kind: its first three parts at most, and never the
/// last, which quotes the input (`…: invalid method: <the input>`).
fn error_kind(words: &str) -> String {
    let parts: Vec<&str> = words.split(": ").collect();
    kind_of(&parts[..(parts.len() - 1).clamp(1, 3)].join(": "))
}

pub fn run(input: &[u8]) -> String {
    let message = match SipMessage::try_from(input) {
        Ok(message) => message,
        Err(e) => return format!("not SIP: {}", error_kind(&e.to_string())),
    };
    let SipMessage::Request(request) = message else { return "a response".into() };
    let number = request.uri.user().and_then(dialled);
    if let Some(number) = &number {
        let digits = number.strip_prefix('+').expect("E.164 starts with +");
        assert!((6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()), "{number}");
    }
    let Ok(body) = std::str::from_utf8(&request.body) else { return format!("{} with a body not UTF-8", request.method) };
    let offer = match Description::parse(body) {
        Ok(offer) => offer,
        Err(e) => return format!("{}: {}", request.method, kind_of(&e.to_string())),
    };
    match offer.answer("127.0.0.1:40000".parse().expect("an address"), 1, 1) {
        Ok((agreed, answer)) => {
            let again = Description::parse(&answer).expect("our answer is SDP").accept_answer().expect("and carries the call");
            assert_eq!(again.codec, agreed.codec, "{answer}");
            assert_eq!(again.dtmf, agreed.dtmf, "{answer}");
            format!("{} answered ({:?}, number {})", request.method, agreed.direction, number.is_some())
        }
        Err(e) => format!("{} refused: {}", request.method, kind_of(&e.to_string())),
    }
}
