//! A phone line's leg: plain RTP with a SIP trunk, G.711 on the wire and
//! Opus in the room. What the trunk sends enters the room as the
//! customer's audio, in 20 ms Opus frames; what it is sent reaches it only
//! through the room's one forwarding rule, like any leg's, decoded from
//! Opus. (libopus at 8 kHz needs no resampler either way.)
//!
//! A trunk hangs up on a line that goes quiet, so while nothing is
//! forwarded (the customer on hold) the leg sends comfort noise; and an
//! answered line the trunk stops sending on for [`SILENCE_ENDS`] is over
//! (before the answer a phone need not send: many do not).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use earshot_rtp::{Digit, DtmfReceiver, RtpPacket, G711};
use str0m::media::{Frequency, MediaTime};

use crate::leg::LegStats;
use crate::routing::LegRole;
use crate::sfu::RoomId;

/// What a SIP dialog agreed for a phone leg's audio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhoneLine {
    /// Where the trunk takes RTP (`None`: nowhere, for now).
    pub remote: Option<SocketAddr>,
    pub codec: G711,
    /// The payload type of telephone events, when agreed.
    pub dtmf: Option<u8>,
    /// Whether we send to the trunk, and whether it sends to us (a hold
    /// by the far end turns one or both off).
    pub sends: bool,
    pub receives: bool,
    /// The call is answered: from now on the trunk is expected to send.
    pub answered: bool,
}

/// A phone line with no RTP from the trunk this long is over (a trunk
/// that went away without a BYE).
pub const SILENCE_ENDS: Duration = Duration::from_secs(30);

/// What a phone leg tells the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEvent {
    /// The party on the line (`role`: the customer, or an outside number
    /// in the agent's seat) pressed a key.
    Digit { room: RoomId, role: LegRole, digit: Digit },
    /// The trunk sent nothing for the line's silence (by default
    /// [`SILENCE_ENDS`]) since the answer: the leg is gone.
    Silent { room: RoomId, role: LegRole },
}

/// 20 ms at 8 kHz.
const FRAME_SAMPLES: usize = 160;
const FRAME: Duration = Duration::from_millis(20);
/// Opus's RTP clock runs at 48 kHz whatever the audio's rate.
const OPUS_TICKS_PER_FRAME: u64 = 960;
/// The largest Opus frame decoded at 8 kHz: 120 ms.
const MAX_DECODED: usize = 960;
/// Comfort noise's peak, about −64 dBFS: a line, not a sound.
const NOISE_PEAK: i32 = 20;

/// A 20 ms Opus frame of the customer's, made from what the trunk sent.
pub(crate) struct Spoken {
    pub time: MediaTime,
    pub opus: Vec<u8>,
}

pub(crate) struct PhoneLeg {
    pub room: RoomId,
    /// The customer; or, once a call went to an outside number through
    /// the trunk, that number in the agent's seat.
    pub role: LegRole,
    pub line: PhoneLine,
    pub stats: LegStats,
    /// Whether any RTP came from the trunk yet.
    pub connected: bool,
    decoder: opus::Decoder,
    encoder: opus::Encoder,
    /// What the trunk sent that is not a whole frame yet.
    pending: Vec<i16>,
    frames_spoken: u64,
    keys: DtmfReceiver,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    last_sent: Option<Instant>,
    /// When comfort noise is due, if nothing is forwarded by then.
    next_noise: Instant,
    last_heard: Instant,
    noise: u32,
    pub next_timeout: Instant,
}

impl PhoneLeg {
    pub fn new(now: Instant, room: RoomId, role: LegRole, line: PhoneLine, seed: u64) -> Result<Self, opus::Error> {
        // Our RTP stream's SSRC, sequence and timestamp start anywhere (RFC 3550 §5.1).
        let mixed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut encoder = opus::Encoder::new(G711::SAMPLE_RATE, opus::Channels::Mono, opus::Application::Voip)?;
        encoder.set_bitrate(opus::Bitrate::Bits(24_000))?;
        Ok(Self {
            room,
            role,
            line,
            stats: LegStats { transport: Some(str0m::net::Protocol::Udp), phone: true, ..LegStats::default() },
            connected: false,
            decoder: opus::Decoder::new(G711::SAMPLE_RATE, opus::Channels::Mono)?,
            encoder,
            pending: Vec::with_capacity(2 * FRAME_SAMPLES),
            frames_spoken: 0,
            keys: DtmfReceiver::default(),
            ssrc: (mixed >> 32) as u32,
            sequence: (mixed >> 16) as u16,
            timestamp: mixed as u32,
            last_sent: None,
            next_noise: now,
            last_heard: now,
            noise: (mixed as u32) | 1,
            next_timeout: now + FRAME,
        })
    }

    /// A datagram from the trunk: the customer's frames it completes, and
    /// a key press it ends.
    pub fn receive(&mut self, now: Instant, datagram: &[u8]) -> (Vec<Spoken>, Option<Digit>) {
        let Ok(packet) = RtpPacket::parse(datagram) else { return (Vec::new(), None) };
        self.stats.received.add(datagram.len());
        self.last_heard = now;
        self.connected = true;
        if !self.line.receives {
            return (Vec::new(), None);
        }
        if Some(packet.payload_type) == self.line.dtmf {
            return (Vec::new(), self.keys.receive(packet.timestamp, packet.payload));
        }
        if packet.payload_type != self.line.codec.payload_type() {
            return (Vec::new(), None); // comfort noise (13), or what was not agreed
        }
        self.line.codec.decode(packet.payload, &mut self.pending);
        let mut spoken = Vec::new();
        while self.pending.len() >= FRAME_SAMPLES {
            let mut opus = vec![0; 256];
            match self.encoder.encode(&self.pending[..FRAME_SAMPLES], &mut opus) {
                Ok(length) => {
                    opus.truncate(length);
                    let time = MediaTime::new(self.frames_spoken * OPUS_TICKS_PER_FRAME, Frequency::FORTY_EIGHT_KHZ);
                    spoken.push(Spoken { time, opus });
                }
                Err(e) => tracing::debug!("a phone frame not encoded: {e}"),
            }
            self.frames_spoken += 1;
            self.pending.drain(..FRAME_SAMPLES);
        }
        (spoken, None)
    }

    /// An Opus frame from `from` that the rule lets this leg hear: the
    /// datagram to send.
    pub fn write(&mut self, now: Instant, from: LegRole, opus: &[u8]) -> Option<Vec<u8>> {
        let mut samples = [0i16; MAX_DECODED];
        let decoded = match self.decoder.decode(opus, &mut samples, false) {
            Ok(decoded) => decoded,
            Err(e) => {
                tracing::debug!("an Opus frame for a phone line not decoded: {e}");
                return None;
            }
        };
        // A frame late past half a frame is filled with noise meanwhile.
        self.next_noise = now + FRAME + FRAME / 2;
        let datagram = self.packet(now, &samples[..decoded])?;
        self.stats.forwarded_to_it.entry(from).or_default().add(datagram.len());
        Some(datagram)
    }

    /// What the dialog agreed now; the answer starts the silence's clock.
    pub fn set_line(&mut self, now: Instant, line: PhoneLine) {
        if line.answered && !self.line.answered {
            self.last_heard = now;
        }
        self.line = line;
    }

    fn watches_silence(&self) -> bool {
        self.line.answered && self.line.receives
    }

    /// Time passed: comfort noise when nothing was sent for a frame, or
    /// the end of a line the trunk stopped sending on for `silence`.
    pub fn tick(&mut self, now: Instant, silence: Duration) -> Result<Option<Vec<u8>>, LineEvent> {
        if self.watches_silence() && now.saturating_duration_since(self.last_heard) >= silence {
            return Err(LineEvent::Silent { room: self.room, role: self.role });
        }
        let mut noise = None;
        if now >= self.next_noise {
            let samples = self.comfort_noise();
            noise = self.packet(now, &samples);
            self.next_noise = now + FRAME;
        }
        self.next_timeout = match self.watches_silence() {
            true => self.next_noise.min(self.last_heard + silence),
            false => self.next_noise,
        };
        Ok(noise)
    }

    fn comfort_noise(&mut self) -> [i16; FRAME_SAMPLES] {
        std::array::from_fn(|_| {
            // A 32-bit LCG (Numerical Recipes): noise, not secrets.
            self.noise = self.noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            ((self.noise >> 16) as i32 % (2 * NOISE_PEAK + 1) - NOISE_PEAK) as i16
        })
    }

    /// `samples` as the next RTP packet, when the line sends anywhere.
    fn packet(&mut self, now: Instant, samples: &[i16]) -> Option<Vec<u8>> {
        self.line.remote.filter(|_| self.line.sends)?;
        let mut payload = Vec::with_capacity(samples.len());
        self.line.codec.encode(samples, &mut payload);
        // After a gap the timestamp moves on by the time that passed, and
        // the marker says a talkspurt begins (RFC 3551 §4.1).
        let gap = self.last_sent.map(|at| now.saturating_duration_since(at));
        let marker = gap.is_none_or(|gap| gap > 3 * FRAME);
        if let Some(gap) = gap.filter(|_| marker) {
            self.timestamp = self.timestamp.wrapping_add((gap.as_micros() as u64 * u64::from(G711::SAMPLE_RATE) / 1_000_000) as u32);
        }
        let packet = RtpPacket { marker, payload_type: self.line.codec.payload_type(), sequence: self.sequence, timestamp: self.timestamp, ssrc: self.ssrc, payload: &payload };
        self.sequence = self.sequence.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(samples.len() as u32);
        self.last_sent = Some(now);
        Some(packet.to_bytes())
    }
}
