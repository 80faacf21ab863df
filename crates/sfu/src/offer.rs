//! What an SDP offer needs before the SFU answers it: str0m accepts offers
//! it cannot use for a call (no audio, no Opus, a fingerprint too short to
//! authenticate DTLS), and the browser would then sit in silence.

/// Why an offer cannot carry a call's audio; `None` when it can.
pub(crate) fn unusable(offer: &str) -> Option<&'static str> {
    let lines: Vec<&str> = offer.lines().map(str::trim_end).collect();
    let audio = lines.iter().any(|l| l.strip_prefix("m=audio ").is_some_and(|rest| !rest.starts_with("0 ")));
    if !audio {
        return Some("it offers no audio");
    }
    let opus = lines.iter().any(|l| l.starts_with("a=rtpmap:") && l.to_ascii_lowercase().contains(" opus/48000"));
    if !opus {
        return Some("it offers no Opus audio");
    }
    let fingerprints: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix("a=fingerprint:")).collect();
    if fingerprints.is_empty() || !fingerprints.iter().all(|f| is_sha256_fingerprint(f)) {
        return Some("its DTLS fingerprint is missing or not a whole SHA-256");
    }
    None
}

/// `sha-256 AB:CD:…`, 32 hex octets.
fn is_sha256_fingerprint(fingerprint: &str) -> bool {
    let Some((algorithm, octets)) = fingerprint.split_once(' ') else { return false };
    let octets: Vec<&str> = octets.trim().split(':').collect();
    algorithm.eq_ignore_ascii_case("sha-256") && octets.len() == 32 && octets.iter().all(|o| o.len() == 2 && o.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::unusable;

    const FINGERPRINT: &str = "a=fingerprint:sha-256 5A:1F:4C:73:27:06:1B:0B:1F:7C:6F:39:AF:0E:C5:B4:9D:2C:A1:55:70:04:7E:20:C8:49:15:5D:8E:F0:0C:6E";

    fn offer(media: &str, fingerprint: &str) -> String {
        format!("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n{fingerprint}\r\n{media}")
    }

    const AUDIO: &str = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";

    #[test]
    fn a_browsers_audio_offer_is_usable() {
        assert_eq!(unusable(&offer(AUDIO, FINGERPRINT)), None);
    }

    #[test]
    fn offers_a_call_cannot_use_are_refused_with_the_reason() {
        let video = "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 VP8/90000\r\n";
        let rejected_audio = "m=audio 0 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n";
        let no_opus = "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n";
        let truncated = &FINGERPRINT[..FINGERPRINT.len() - 9];
        assert_eq!(unusable(&offer(video, FINGERPRINT)), Some("it offers no audio"));
        assert_eq!(unusable(&offer(rejected_audio, FINGERPRINT)), Some("it offers no audio"));
        assert_eq!(unusable(&offer(no_opus, FINGERPRINT)), Some("it offers no Opus audio"));
        assert_eq!(unusable(&offer(AUDIO, truncated)), Some("its DTLS fingerprint is missing or not a whole SHA-256"));
        assert_eq!(unusable(&offer(AUDIO, "")), Some("its DTLS fingerprint is missing or not a whole SHA-256"));
    }
}
