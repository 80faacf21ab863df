//! A peer connection to the SFU. Receive lines are offered in the order the
//! server's layout for the role expects; each plays through its own
//! `<audio>` element (Chrome decodes remote audio only for a playing sink).
//! The send line is either the microphone from the start (agent, caller) or
//! reserved with no track (coach) until whisper attaches one with
//! `replaceTrack`.

use std::future::Future;

use earshot_protocol::Outcome;
use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    HtmlAudioElement, MediaStream, MediaStreamTrack, RtcPeerConnection, RtcPeerConnectionState, RtcRtpReceiver, RtcRtpSender, RtcRtpTransceiverDirection,
    RtcRtpTransceiverInit, RtcSdpType, RtcSessionDescriptionInit,
};

use super::open_microphone;

/// How the send line starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// Reserved, no track: the microphone is not even open (coach).
    Reserved,
    /// The microphone, open from the start (agent, caller).
    Microphone,
}

pub struct Peer {
    pc: RtcPeerConnection,
    sender: RtcRtpSender,
    mic: Option<MediaStreamTrack>,
    receivers: Vec<RtcRtpReceiver>,
    players: Vec<HtmlAudioElement>,
}

impl Peer {
    /// Builds the connection: one receive line per label in `receive` (in
    /// the server's order), then the send line.
    async fn open(receive: &[&str], send: Line) -> Result<Self, String> {
        let pc = RtcPeerConnection::new().map_err(js_error)?;
        let (mut receivers, mut players) = (Vec::new(), Vec::new());
        for label in receive {
            let init = RtcRtpTransceiverInit::new();
            init.set_direction(RtcRtpTransceiverDirection::Recvonly);
            let receiver = pc.add_transceiver_with_str_and_init("audio", &init).receiver();
            players.push(play(label, &receiver.track())?);
            receivers.push(receiver);
        }
        let init = RtcRtpTransceiverInit::new();
        init.set_direction(RtcRtpTransceiverDirection::Sendonly);
        let sender = pc.add_transceiver_with_str_and_init("audio", &init).sender();
        let mut peer = Self { pc, sender, mic: None, receivers, players };
        if send == Line::Microphone {
            peer.microphone_on().await?;
        }
        Ok(peer)
    }

    /// Opens a peer, sends its offer with `ask` and accepts the answer:
    /// signalling and media in one round trip. Returns the answer's SDP too.
    pub async fn connect<F: Future<Output = Outcome>>(receive: &[&str], send: Line, ask: impl FnOnce(String) -> F) -> Result<(Self, String), String> {
        let peer = Self::open(receive, send).await?;
        let offer = peer.offer().await?;
        match ask(offer).await {
            Outcome::Answer { sdp, .. } | Outcome::PathCheck { sdp } => {
                peer.accept(&sdp).await?;
                Ok((peer, sdp))
            }
            Outcome::Refused { error } => Err(error.message),
            Outcome::Ok => Err("the server sent no audio answer".to_owned()),
        }
    }

    /// The SDP offer, ready to send (the SFU learns our address from ICE
    /// checks, so no candidates need gathering first).
    async fn offer(&self) -> Result<String, String> {
        let offer = JsFuture::from(self.pc.create_offer()).await.map_err(js_error)?;
        let sdp = Reflect::get(&offer, &"sdp".into()).ok().and_then(|s| s.as_string()).ok_or("an offer without SDP")?;
        let init = RtcSessionDescriptionInit::new(RtcSdpType::Offer);
        init.set_sdp(&sdp);
        JsFuture::from(self.pc.set_local_description(&init)).await.map_err(js_error)?;
        Ok(sdp)
    }

    async fn accept(&self, answer: &str) -> Result<(), String> {
        let init = RtcSessionDescriptionInit::new(RtcSdpType::Answer);
        init.set_sdp(answer);
        JsFuture::from(self.pc.set_remote_description(&init)).await.map_err(js_error)?;
        Ok(())
    }

    /// Opens the microphone (echo cancellation, noise suppression and auto
    /// gain on) and sends it on the send line. No renegotiation.
    pub async fn microphone_on(&mut self) -> Result<(), String> {
        if self.mic.is_some() {
            return Ok(());
        }
        let stream = open_microphone(None).await?;
        let track: MediaStreamTrack = stream.get_audio_tracks().get(0).unchecked_into();
        self.send(Some(&track)).await?;
        self.mic = Some(track);
        Ok(())
    }

    /// Puts `track` on the send line (`None`: nothing). No renegotiation.
    pub async fn send(&self, track: Option<&MediaStreamTrack>) -> Result<(), String> {
        JsFuture::from(self.sender.replace_track(track)).await.map_err(js_error)?;
        Ok(())
    }

    /// Takes the track off the send line, later: for callers that cannot wait.
    pub fn detach_send(&self) -> impl Future<Output = ()> + 'static {
        let sender = self.sender.clone();
        // Replacing with no track cannot fail on a negotiated sender.
        async move { drop(JsFuture::from(sender.replace_track(None)).await) }
    }

    /// The received tracks, in the order of `receive` at connect.
    pub fn received(&self) -> Vec<MediaStreamTrack> {
        self.receivers.iter().map(|r| r.track()).collect()
    }

    /// Mutes the `<audio>` elements: the page plays the parties another
    /// way (the coach's worklet mix). They stay attached, or Chrome would
    /// decode nothing.
    pub fn mute_players(&self) {
        for player in &self.players {
            player.set_muted(true);
        }
    }

    /// Detaches the microphone and releases the device.
    pub async fn microphone_off(&mut self) {
        if let Some(track) = self.mic.take() {
            // Replacing with no track cannot fail on a negotiated sender.
            let _ = self.send(None).await;
            track.stop();
        }
    }

    /// Whether DTLS is up and audio can flow.
    pub fn is_connected(&self) -> bool {
        self.pc.connection_state() == RtcPeerConnectionState::Connected
    }

    /// Whether the connection was lost (the server dropped it, or the
    /// network changed under it).
    pub fn is_down(&self) -> bool {
        matches!(self.pc.connection_state(), RtcPeerConnectionState::Disconnected | RtcPeerConnectionState::Failed | RtcPeerConnectionState::Closed)
    }

    /// The round trip to the media server (ms) of the selected ICE pair,
    /// once Chrome has measured one.
    pub async fn round_trip_ms(&self) -> Option<f64> {
        let report = JsFuture::from(self.pc.get_stats()).await.ok()?;
        let entries = js_sys::try_iter(&report).ok()??;
        entries.filter_map(Result::ok).find_map(|entry| {
            let stats = Array::from(&entry).get(1);
            let field = |name: &str| Reflect::get(&stats, &name.into()).ok();
            let is_pair = field("type")?.as_string()? == "candidate-pair" && field("state")?.as_string()? == "succeeded";
            is_pair.then(|| field("currentRoundTripTime")?.as_f64().map(|s| s * 1000.0)).flatten()
        })
    }

    /// Mutes or unmutes the open microphone (the track stays attached).
    pub fn set_muted(&self, muted: bool) {
        if let Some(track) = &self.mic {
            track.set_enabled(!muted);
        }
    }
}

impl Drop for Peer {
    /// Closes everything: tracks stopped, players removed, connection closed.
    fn drop(&mut self) {
        if let Some(track) = self.mic.take() {
            track.stop();
        }
        for player in &self.players {
            player.remove();
        }
        self.pc.close();
    }
}

/// An `<audio>` element playing `track`, labelled with what it carries.
fn play(label: &str, track: &MediaStreamTrack) -> Result<HtmlAudioElement, String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let audio: HtmlAudioElement = document.create_element("audio").map_err(js_error)?.unchecked_into();
    audio.set_autoplay(true);
    audio.set_attribute("data-source", label).map_err(js_error)?;
    let stream = MediaStream::new_with_tracks(&Array::of1(track)).map_err(js_error)?;
    audio.set_src_object(Some(&stream));
    document.body().ok_or("no body")?.append_child(&audio).map_err(js_error)?;
    // Autoplay may wait for a gesture; the click that joined is one.
    let _ = audio.play();
    Ok(audio)
}

pub fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The media server's addresses in an SDP answer (its candidates: UDP,
/// then ICE-TCP for networks that block UDP), to tell the coach what their
/// network must let through.
pub fn media_server(answer: &str) -> Option<String> {
    let ways: Vec<String> = answer
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.strip_prefix("a=candidate:")?.split_whitespace().collect();
            // foundation component transport priority address port typ …
            let (transport, address, port) = (fields.get(2)?, fields.get(4)?, fields.get(5)?);
            Some(format!("{} to {address}, port {port}", transport.to_uppercase()))
        })
        .collect();
    (!ways.is_empty()).then(|| ways.join(", or at least "))
}

#[cfg(test)]
mod tests {
    use super::media_server;

    #[test]
    fn the_media_server_is_read_from_the_answers_candidate() {
        let answer = "v=0\r\na=ice-lite\r\na=candidate:1 1 udp 2130706175 127.0.0.1 5004 typ host\r\n";
        assert_eq!(media_server(answer).as_deref(), Some("UDP to 127.0.0.1, port 5004"));
        let both = format!("{answer}a=candidate:2 1 tcp 2105458943 127.0.0.1 5004 typ host tcptype passive\r\n");
        assert_eq!(media_server(&both).as_deref(), Some("UDP to 127.0.0.1, port 5004, or at least TCP to 127.0.0.1, port 5004"));
        assert_eq!(media_server("v=0\r\n"), None);
    }
}
