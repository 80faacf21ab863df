//! What the server itself plays into calls, one 20 ms Opus frame at a
//! time: the simulator's voices (a recorded dialogue as a call's customer
//! and agent), and the ringback a customer hears while a transfer waits for
//! the new agent.

use std::time::Duration;

use earshot_sfu::LegRole;
use str0m::media::{Frequency, MediaTime};

/// One Opus frame every 20 ms.
pub const FRAME: Duration = Duration::from_millis(20);
/// Silence between turns, in frames.
const PAUSE_FRAMES: usize = 20;
const SAMPLES_PER_FRAME: u64 = 960;

/// Turns of speech, each an Opus packet per frame.
#[derive(Clone, Debug, Default)]
pub struct Dialogue {
    turns: Vec<(LegRole, Vec<Vec<u8>>)>,
}

impl Dialogue {
    /// The billing call in `assets/dialogue`, built into the binary.
    pub fn demo() -> Self {
        let files: [(LegRole, &[u8]); 10] = [
            (LegRole::Customer, include_bytes!("../../assets/dialogue/01-customer.opus")),
            (LegRole::Agent, include_bytes!("../../assets/dialogue/02-agent.opus")),
            (LegRole::Customer, include_bytes!("../../assets/dialogue/03-customer.opus")),
            (LegRole::Agent, include_bytes!("../../assets/dialogue/04-agent.opus")),
            (LegRole::Customer, include_bytes!("../../assets/dialogue/05-customer.opus")),
            (LegRole::Agent, include_bytes!("../../assets/dialogue/06-agent.opus")),
            (LegRole::Customer, include_bytes!("../../assets/dialogue/07-customer.opus")),
            (LegRole::Agent, include_bytes!("../../assets/dialogue/08-agent.opus")),
            (LegRole::Customer, include_bytes!("../../assets/dialogue/09-customer.opus")),
            (LegRole::Agent, include_bytes!("../../assets/dialogue/10-agent.opus")),
        ];
        // The files ship with the source; a bad one is a build mistake.
        let turns = files.iter().map(|(role, ogg)| (*role, ogg_opus_packets(ogg).expect("a valid Ogg Opus asset"))).collect();
        Self { turns }
    }
}

/// Where a call is in the dialogue.
pub struct Playback {
    turn: usize,
    frame: usize,
    pause: usize,
    /// Frames sent per speaker: their RTP clock.
    sent: [u64; 2],
}

impl Playback {
    pub fn new() -> Self {
        Self { turn: 0, frame: 0, pause: 0, sent: [0; 2] }
    }

    /// The frame due now, if someone is speaking: who, its RTP time, the
    /// Opus packet. The dialogue loops.
    pub fn next_frames<'d>(&mut self, dialogue: &'d Dialogue) -> Option<(LegRole, MediaTime, &'d [u8])> {
        if dialogue.turns.is_empty() {
            return None;
        }
        if self.pause > 0 {
            self.pause -= 1;
            return None;
        }
        let (role, packets) = &dialogue.turns[self.turn % dialogue.turns.len()];
        let Some(packet) = packets.get(self.frame) else {
            self.turn += 1;
            self.frame = 0;
            self.pause = PAUSE_FRAMES;
            return None;
        };
        self.frame += 1;
        let clock = &mut self.sent[usize::from(*role == LegRole::Agent)];
        let time = MediaTime::new(*clock * SAMPLES_PER_FRAME, Frequency::FORTY_EIGHT_KHZ);
        *clock += 1;
        Some((*role, time, packet.as_slice()))
    }
}

/// A sound played in a loop, as one party.
#[derive(Clone, Debug)]
pub struct Tone {
    packets: Vec<Vec<u8>>,
}

impl Tone {
    /// The UK ringback in `assets/tones`, built into the binary.
    pub fn ringback() -> Self {
        // The file ships with the source; a bad one is a build mistake.
        Self { packets: ogg_opus_packets(include_bytes!("../../assets/tones/ringback.opus")).expect("a valid Ogg Opus asset") }
    }
}

/// Where a call is in a looping tone.
#[derive(Default)]
pub struct Looping {
    sent: u64,
}

impl Looping {
    /// The frame due now: its RTP time and the Opus packet.
    pub fn next_frame<'t>(&mut self, tone: &'t Tone) -> (MediaTime, &'t [u8]) {
        let packet = &tone.packets[self.sent as usize % tone.packets.len()];
        let time = MediaTime::new(self.sent * SAMPLES_PER_FRAME, Frequency::FORTY_EIGHT_KHZ);
        self.sent += 1;
        (time, packet)
    }
}

/// The Opus packets of an Ogg Opus file (RFC 7845), without its two header
/// packets.
pub fn ogg_opus_packets(ogg: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    let mut packets = Vec::new();
    let mut current = Vec::new();
    let mut rest = ogg;
    while !rest.is_empty() {
        if rest.len() < 27 || &rest[..4] != b"OggS" {
            return Err("not an Ogg page");
        }
        let segments = rest[26] as usize;
        let table = rest.get(27..27 + segments).ok_or("truncated segment table")?;
        let mut body = &rest[27 + segments..];
        for &lacing in table {
            let (segment, after) = body.split_at_checked(lacing as usize).ok_or("truncated page")?;
            current.extend_from_slice(segment);
            body = after;
            // A lacing value under 255 ends the packet.
            if lacing < 255 {
                packets.push(std::mem::take(&mut current));
            }
        }
        let page_len = 27 + segments + table.iter().map(|&l| l as usize).sum::<usize>();
        rest = &rest[page_len..];
    }
    if packets.len() < 2 || !packets[0].starts_with(b"OpusHead") {
        return Err("not Ogg Opus");
    }
    Ok(packets.split_off(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_dialogue_alternates_customer_and_agent_in_20ms_frames() {
        let dialogue = Dialogue::demo();
        assert_eq!(dialogue.turns.len(), 10);
        let seconds: f64 = dialogue.turns.iter().map(|(_, p)| p.len() as f64 * 0.02).sum();
        assert!((30.0..90.0).contains(&seconds), "{seconds} s of speech");
        assert!(dialogue.turns.windows(2).all(|w| w[0].0 != w[1].0));
    }

    #[test]
    fn playback_speaks_one_party_at_a_time_with_a_steady_clock() {
        let dialogue = Dialogue::demo();
        let mut playback = Playback::new();
        let first_turn = dialogue.turns[0].1.len();
        let frames: Vec<_> = (0..first_turn + PAUSE_FRAMES + 5).map(|_| playback.next_frames(&dialogue)).collect();

        assert!(frames[..first_turn].iter().all(|f| f.is_some_and(|(role, _, _)| role == LegRole::Customer)));
        assert!(frames[first_turn..first_turn + PAUSE_FRAMES + 1].iter().all(Option::is_none), "a pause between turns");
        let agent = frames.last().unwrap().unwrap();
        assert_eq!(agent.0, LegRole::Agent);
        assert_eq!(agent.1, MediaTime::new(3 * SAMPLES_PER_FRAME, Frequency::FORTY_EIGHT_KHZ), "the agent's own clock");
    }

    #[test]
    fn the_ringback_loops_its_three_second_cadence_on_a_steady_clock() {
        let tone = Tone::ringback();
        let cycle = tone.packets.len();
        assert!((150..=153).contains(&cycle), "3 s of 20 ms frames (and the encoder's padding): {cycle}");
        let mut looping = Looping::default();
        let first: Vec<u8> = looping.next_frame(&tone).1.to_vec();
        let frames: Vec<_> = (1..=cycle).map(|_| looping.next_frame(&tone)).collect();
        assert_eq!(frames.last().unwrap().1, first.as_slice(), "it starts again");
        assert_eq!(frames.last().unwrap().0, MediaTime::new(cycle as u64 * SAMPLES_PER_FRAME, Frequency::FORTY_EIGHT_KHZ), "the clock runs on");
    }

    #[test]
    fn garbage_is_not_ogg_opus() {
        assert!(ogg_opus_packets(b"RIFF....WAVE").is_err());
        assert!(ogg_opus_packets(b"").is_err());
    }
}
