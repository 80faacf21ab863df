//! The phrase spotters: each caller's speech (16 kHz, from the listener)
//! through a PocketSphinx keyword search of the company's phrases, on
//! threads of their own (half the cores; a call always on the same one) —
//! the most expensive listening there is, kept off the listener's signals.
//! Each phrase heard goes to the live core, dated to when the caller
//! finished saying it.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use earshot_domain::CallEvent;
use earshot_phrases::{Listening, Spotted, Spotter, SAMPLE_RATE};
use earshot_protocol::{CallId, Millis};
use earshot_sfu::RoomId;

use crate::live::LiveHandle;
use crate::supervise;

/// Frames waiting for a spotter at most (a few seconds of the calls it
/// spots); a full queue drops a frame rather than hold up the listener.
const QUEUE: usize = 4096;
/// Calls a spotter's thread spots at once at most: well within what one
/// core keeps up with (56, `cargo xtask bench signals`); a call beyond
/// waits for a free place.
pub const MAX_CALLS: usize = 32;
/// A call not heard for this long is forgotten (its end was missed).
const FORGET_AFTER_MS: u64 = 60_000;

pub enum Spot {
    /// A customer's frame, heard at `at` (ms).
    Audio { room: RoomId, at: u64, samples: Vec<i16> },
    Ended(RoomId),
    /// The phrases to spot from now on.
    Listen(Option<Arc<Listening>>),
}

/// The listener's end of the spotters' queues.
pub struct Spotters(Vec<SyncSender<Spot>>);

impl Spotters {
    fn of(&self, room: RoomId) -> &SyncSender<Spot> {
        &self.0[(room.0 % self.0.len() as u64) as usize]
    }

    /// A customer's frame; dropped when its spotter is behind.
    pub fn audio(&self, room: RoomId, at: u64, samples: Vec<i16>) {
        if let Err(TrySendError::Full(_)) = self.of(room).try_send(Spot::Audio { room, at, samples }) {
            tracing::debug!("phrase spotter behind: a frame dropped");
        }
    }

    /// An end is never dropped: the listener waits for room.
    pub fn ended(&self, room: RoomId) {
        let _ = self.of(room).send(Spot::Ended(room));
    }

    /// Nor is a new list, which every spotter hears.
    pub fn listen(&self, phrases: &Option<Arc<Listening>>) {
        for spotter in &self.0 {
            let _ = spotter.send(Spot::Listen(phrases.clone()));
        }
    }
}

/// Starts the spotters' threads: half the cores, at least one.
pub fn spawn(live: &LiveHandle, phrases: &Option<Arc<Listening>>) -> std::io::Result<Spotters> {
    let threads = std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1));
    let senders = (0..threads)
        .map(|i| {
            let (sender, receiver) = sync_channel(QUEUE);
            let (live, phrases) = (live.clone(), phrases.clone());
            supervise::thread(format!("spotter-{i}"), move || run(&receiver, &live, phrases))?;
            Ok(sender)
        })
        .collect::<std::io::Result<_>>()?;
    Ok(Spotters(senders))
}

fn run(receiver: &Receiver<Spot>, live: &LiveHandle, phrases: Option<Arc<Listening>>) {
    let mut spotting = Spotting::new(phrases);
    for spot in receiver {
        for event in spotting.input(spot) {
            live.tell(event);
        }
    }
}

/// Every call being spotted. Plain: tested without threads.
pub struct Spotting {
    phrases: Option<Arc<Listening>>,
    calls: HashMap<RoomId, Call>,
}

struct Call {
    /// `None`: the decoder would not start; the call is not spotted.
    spotter: Option<Spotter>,
    heard_at: u64,
}

impl Spotting {
    pub fn new(phrases: Option<Arc<Listening>>) -> Self {
        Self { phrases, calls: HashMap::new() }
    }

    pub fn input(&mut self, spot: Spot) -> Vec<CallEvent> {
        match spot {
            Spot::Audio { room, at, samples } => self.audio(room, at, &samples),
            Spot::Ended(room) => {
                self.calls.remove(&room);
                Vec::new()
            }
            Spot::Listen(phrases) => {
                // Spotters load their list when made: each call starts afresh.
                self.phrases = phrases;
                self.calls.clear();
                Vec::new()
            }
        }
    }

    fn audio(&mut self, room: RoomId, at: u64, samples: &[i16]) -> Vec<CallEvent> {
        let Some(phrases) = &self.phrases else { return Vec::new() };
        if !self.calls.contains_key(&room) {
            // Calls whose end was missed make room for a new one.
            self.calls.retain(|_, call| at.saturating_sub(call.heard_at) < FORGET_AFTER_MS);
            if self.calls.len() >= MAX_CALLS {
                return Vec::new();
            }
        }
        let call = self.calls.entry(room).or_insert_with(|| {
            let spotter = phrases.spotter().unwrap_or_else(|e| {
                tracing::warn!("call {}: phrases not spotted: {e}", room.0);
                None
            });
            Call { spotter, heard_at: at }
        });
        call.heard_at = at;
        let Some(spotter) = &mut call.spotter else { return Vec::new() };
        // The frame was heard as it ended: phrases are dated back from there.
        let fed_until = at + samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE);
        spotter
            .feed(samples)
            .into_iter()
            .map(|Spotted { phrase, ended_ms_ago }| CallEvent::Phrase { call: CallId(room.0), phrase, at: Millis(fed_until.saturating_sub(ended_ms_ago)) })
            .collect()
    }

    #[cfg(test)]
    fn spotting(&self) -> usize {
        self.calls.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_phrases::{speech, Model, DEBIAN_MODEL};

    fn listening(phrases: &[&str]) -> Arc<Listening> {
        let model = Model::load(DEBIAN_MODEL.as_ref()).expect("Debian's pocketsphinx-en-us (cargo xtask test installs it)");
        Arc::new(model.listen_for(&phrases.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap())
    }

    /// `text` said in room `room` from `start` ms, 20 ms a frame: the events.
    fn say(spotting: &mut Spotting, room: u64, start: u64, text: &str) -> Vec<CallEvent> {
        let audio = speech::say(text, SAMPLE_RATE).unwrap();
        let frame = SAMPLE_RATE as usize / 50;
        let frames = audio.chunks(frame).enumerate();
        frames.flat_map(|(i, samples)| spotting.input(Spot::Audio { room: RoomId(room), at: start + i as u64 * 20, samples: samples.to_vec() })).collect()
    }

    #[test]
    fn a_phrase_is_told_for_its_call_and_a_new_list_applies_to_every_call() {
        let mut spotting = Spotting::new(Some(listening(&["speak to a manager"])));
        let told = say(&mut spotting, 7, 1_000, "Please, let me speak to a manager now.");
        let [CallEvent::Phrase { call, phrase, at }] = &told[..] else { panic!("{told:?}") };
        assert_eq!((call, phrase.as_str()), (&CallId(7), "speak to a manager"));
        assert!((2_000..4_000).contains(&at.0), "dated to when it was said: {at:?}");

        spotting.input(Spot::Listen(Some(listening(&["cancel my account"]))));
        assert!(say(&mut spotting, 7, 5_000, "Please, let me speak to a manager now.").is_empty());
        assert_eq!(say(&mut spotting, 8, 5_000, "I want to cancel my account.").len(), 1);
        spotting.input(Spot::Ended(RoomId(8)));
        assert_eq!(spotting.spotting(), 1);

        spotting.input(Spot::Listen(None));
        assert!(say(&mut spotting, 7, 9_000, "I want to cancel my account.").is_empty());
        assert_eq!(spotting.spotting(), 0, "no list, no spotter");
    }

    #[test]
    fn calls_beyond_the_most_spotted_at_once_wait_for_a_place() {
        let mut spotting = Spotting::new(Some(listening(&["complaint"])));
        for room in 0..MAX_CALLS as u64 + 1 {
            spotting.input(Spot::Audio { room: RoomId(room), at: 0, samples: vec![0; 320] });
        }
        assert_eq!(spotting.spotting(), MAX_CALLS);
        spotting.input(Spot::Ended(RoomId(0)));
        spotting.input(Spot::Audio { room: RoomId(MAX_CALLS as u64), at: 20, samples: vec![0; 320] });
        assert_eq!(spotting.spotting(), MAX_CALLS);
    }
}
