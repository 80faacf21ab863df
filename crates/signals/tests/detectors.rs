//! The detectors on synthetic calls: speech-like bursts of noise at chosen
//! levels, silence as a quiet line, frame by frame as the shell feeds them.

use earshot_signals::synthetic::{talking, Noise};
use earshot_signals::{CallAudio, Change, Party, Signal, Thresholds, FRAME_MS};

const LINE_DB: f32 = -70.0;

/// What one party does for a while.
#[derive(Clone, Copy)]
enum Act {
    /// Speech at this level: 240 ms syllables with 80 ms gaps.
    Speak(f32),
    /// A quiet line (frames of faint noise).
    Quiet,
    /// Nothing sent at all (DTX, or a muted sender).
    Nothing,
}

struct Call {
    audio: CallAudio,
    now: u64,
    noise: Noise,
    changes: Vec<Change>,
}

impl Call {
    fn new() -> Self {
        Self { audio: CallAudio::new(Thresholds::default(), 0), now: 0, noise: Noise::default(), changes: Vec::new() }
    }

    /// Both parties act for `ms`, a frame at a time.
    fn run(&mut self, ms: u64, customer: Act, agent: Act) -> &mut Self {
        for _ in 0..ms / FRAME_MS {
            for (party, act) in [(Party::Customer, customer), (Party::Agent, agent)] {
                let level = match act {
                    Act::Speak(db) => talking(db, self.now, LINE_DB),
                    Act::Quiet => LINE_DB,
                    Act::Nothing => continue,
                };
                let frame = self.noise.frame(level);
                self.audio.frame(party, self.now, &frame);
            }
            self.now += FRAME_MS;
            self.audio.tick(self.now);
            self.changes.extend(std::iter::from_fn(|| self.audio.poll_change()));
        }
        self
    }

    fn started(&self, signal: Signal) -> Vec<u64> {
        let at = |change: &Change| match *change {
            Change::Started { signal: s, at } if s == signal => Some(at),
            _ => None,
        };
        self.changes.iter().filter_map(at).collect()
    }

    fn ended(&self, signal: Signal) -> usize {
        self.changes.iter().filter(|c| matches!(c, Change::Ended { signal: s, .. } if *s == signal)).count()
    }
}

const TALK: Act = Act::Speak(-26.0);

#[test]
fn ten_seconds_of_silence_on_both_sides_is_dead_air_from_its_first_second() {
    let mut call = Call::new();
    call.run(3_000, TALK, Act::Quiet).run(9_000, Act::Quiet, Act::Quiet);
    assert!(call.started(Signal::DeadAir).is_empty(), "nine seconds is a pause");

    call.run(3_000, Act::Quiet, Act::Quiet);
    let started = call.started(Signal::DeadAir);
    assert_eq!(started.len(), 1, "{:?}", call.changes);
    assert!((3_000..3_500).contains(&started[0]), "dated from when the talking stopped: {started:?}");

    call.run(1_000, Act::Quiet, TALK);
    assert_eq!(call.ended(Signal::DeadAir), 1, "the agent speaks: over");
}

#[test]
fn nothing_sent_is_silence_too_but_a_call_on_hold_has_no_dead_air() {
    let mut call = Call::new();
    call.run(2_000, TALK, TALK).run(11_000, Act::Nothing, Act::Nothing);
    assert_eq!(call.started(Signal::DeadAir).len(), 1, "no packets: nobody talks");

    let mut held = Call::new();
    held.run(2_000, TALK, TALK);
    held.audio.set_held(true, held.now);
    held.run(30_000, Act::Quiet, Act::Quiet);
    assert!(held.started(Signal::DeadAir).is_empty(), "on hold nobody is expected to talk");
    held.audio.set_held(false, held.now);
    held.run(11_000, Act::Quiet, Act::Quiet);
    assert_eq!(held.started(Signal::DeadAir).len(), 1, "off hold, the silence counts again");
}

#[test]
fn both_talking_for_two_seconds_is_overtalk_until_a_real_break() {
    let mut call = Call::new();
    call.run(1_500, TALK, TALK);
    assert!(call.started(Signal::Overtalk).is_empty(), "a moment of talking at once is normal");
    call.run(2_500, TALK, TALK);
    let started = call.started(Signal::Overtalk);
    assert_eq!(started.len(), 1);
    assert!(started[0] < 200, "dated from when both began: {started:?}");

    call.run(3_000, TALK, Act::Quiet);
    assert_eq!(call.ended(Signal::Overtalk), 1, "the agent stops: over");
}

#[test]
fn taking_turns_is_never_overtalk() {
    let mut call = Call::new();
    for _ in 0..8 {
        call.run(1_500, TALK, Act::Quiet).run(1_500, Act::Quiet, TALK);
    }
    assert!(call.started(Signal::Overtalk).is_empty(), "{:?}", call.changes);
    assert!(call.started(Signal::DeadAir).is_empty());
}

#[test]
fn a_customer_twelve_db_louder_than_earlier_is_a_raised_voice() {
    let mut call = Call::new();
    call.run(8_000, Act::Speak(-32.0), Act::Quiet).run(1_000, Act::Quiet, TALK);
    call.run(3_000, Act::Speak(-20.0), Act::Quiet);
    assert_eq!(call.started(Signal::RaisedVoice).len(), 1, "{:?}", call.changes);

    call.run(6_000, Act::Speak(-32.0), Act::Quiet);
    assert_eq!(call.ended(Signal::RaisedVoice), 1, "calm again");
}

#[test]
fn a_customer_who_is_loud_all_along_has_not_raised_their_voice() {
    let mut call = Call::new();
    call.run(20_000, Act::Speak(-14.0), Act::Quiet);
    let mut quiet = Call::new();
    quiet.run(20_000, Act::Speak(-40.0), Act::Quiet);
    assert!(call.started(Signal::RaisedVoice).is_empty() && quiet.started(Signal::RaisedVoice).is_empty());
}

#[test]
fn the_talk_share_counts_each_partys_talking() {
    let mut call = Call::new();
    assert_eq!(call.audio.agent_talk_share(), None);
    call.run(6_000, Act::Quiet, TALK).run(3_000, TALK, Act::Quiet);
    let share = call.audio.agent_talk_share().unwrap();
    assert!((share - 2.0 / 3.0).abs() < 0.05, "{share}");
}

#[test]
fn an_agent_doing_most_of_the_talking_is_told_once_there_is_enough_talking_to_tell() {
    let mut call = Call::new();
    call.run(20_000, Act::Quiet, TALK).run(5_000, TALK, Act::Quiet);
    assert!(call.started(Signal::AgentTalksMost).is_empty(), "too little talking yet to tell");
    call.run(20_000, Act::Quiet, TALK);
    let started = call.started(Signal::AgentTalksMost);
    assert!(matches!(started[..], [at] if (25_000..45_000).contains(&at)), "once 30 s of talking is heard: {started:?}");
    // The customer gets a word in: the share falls below 70 %.
    call.run(20_000, TALK, Act::Quiet);
    assert_eq!(call.ended(Signal::AgentTalksMost), 1);
}
