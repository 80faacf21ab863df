//! What the dashboard offers for coaching a call. The server decides; this
//! only explains, with the same reasons.

use earshot_protocol::{CallState, CallView, UserId, UserView};

use super::Talk;
use crate::audio::Level;

/// Above this the customer counts as speaking (a quiet line sits near -60 dB).
const SPEAKING_DB: f32 = -40.0;

/// What a call's row offers the viewer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoachOffer {
    /// A Coach button.
    Coach,
    /// A Coach button, though someone already coaches it (the server will
    /// refuse and say who).
    CoachedBy(String),
    /// The viewer is coaching this call.
    You,
    /// No button; the reason instead.
    Never(&'static str),
}

pub fn coach_offer(call: &CallView, me: UserId) -> CoachOffer {
    if let Some(reason) = call.kind.why_not_coachable() {
        return CoachOffer::Never(reason);
    }
    if call.state == CallState::Waiting || call.agent.is_none() {
        return CoachOffer::Never("waiting in the queue");
    }
    match &call.coaching {
        Some(session) if session.coach == me => CoachOffer::You,
        Some(session) => CoachOffer::CoachedBy(session.coach_name.clone()),
        None => CoachOffer::Coach,
    }
}

/// Where the supervisor's last "tell the agent" choice is kept.
const NOTIFY_KEY: &str = "earshot.notify-agent";

/// The supervisor's last choice whether to tell the agent on joining
/// (telling, the first time), shown again in the next dialog.
pub fn remembered_notify() -> bool {
    let stored = web_sys::window().and_then(|w| w.local_storage().ok().flatten()).and_then(|s| s.get_item(NOTIFY_KEY).ok().flatten());
    stored.as_deref() != Some("silent")
}

pub fn remember_notify(notify: bool) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        // A browser that keeps nothing asks again, telling by default.
        let _ = storage.set_item(NOTIFY_KEY, if notify { "tell" } else { "silent" });
    }
}

/// A reason as a sentence: capitalised, ended with a full stop.
pub fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    let capitalised: String = chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default();
    format!("{capitalised}.")
}

/// "Open the targeted conversation" is offered only on the viewer's numbers.
pub fn may_open_conversation(me: &UserView, call: &CallView) -> bool {
    me.numbers.contains(&call.number)
}

/// Whether the coach talks over the customer: the agent hears both and
/// can follow neither.
pub fn talks_over_the_customer(talk: Talk, held: bool, customer: Level) -> bool {
    let on_air = match talk {
        Talk::Off => false,
        Talk::Latched => true,
        Talk::PushToTalk => held,
    };
    on_air && customer.rms_db() > SPEAKING_DB
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::model::tests::{call, user};
    use earshot_protocol::{CallKind, CoachingView, Millis, NumberId, Role, UserStatus};

    fn coached_by(coach: u32) -> CallView {
        let mut c = call(1, CallState::Ongoing, Some(10));
        c.coaching = Some(CoachingView { coach: UserId(coach), coach_name: "Sam".into(), whisper: false, notified_agent: false, since: Millis(0), audio_window: 0 });
        c
    }

    #[test]
    fn live_regular_calls_offer_coaching() {
        assert_eq!(coach_offer(&call(1, CallState::Ongoing, Some(10)), UserId(1)), CoachOffer::Coach);
        assert_eq!(coach_offer(&call(1, CallState::OnHold, Some(10)), UserId(1)), CoachOffer::Coach);
    }

    #[test]
    fn uncoachable_calls_say_why() {
        let mut emergency = call(1, CallState::Ongoing, Some(10));
        emergency.kind = CallKind::Emergency;
        assert_eq!(coach_offer(&emergency, UserId(1)), CoachOffer::Never("emergency calls cannot be coached"));
        assert_eq!(coach_offer(&call(2, CallState::Waiting, None), UserId(1)), CoachOffer::Never("waiting in the queue"));
    }

    #[test]
    fn coached_calls_name_the_coach_or_say_it_is_you() {
        assert_eq!(coach_offer(&coached_by(2), UserId(1)), CoachOffer::CoachedBy("Sam".into()));
        assert_eq!(coach_offer(&coached_by(1), UserId(1)), CoachOffer::You);
    }

    #[test]
    fn talking_over_a_speaking_customer_is_flagged_only_on_air() {
        let speaking = Level { peak: 0.3, rms: 0.1 };
        let quiet = Level { peak: 0.001, rms: 0.0005 };
        assert!(talks_over_the_customer(Talk::Latched, false, speaking));
        assert!(talks_over_the_customer(Talk::PushToTalk, true, speaking));
        assert!(!talks_over_the_customer(Talk::PushToTalk, false, speaking), "key up: not on air");
        assert!(!talks_over_the_customer(Talk::Off, false, speaking), "listening");
        assert!(!talks_over_the_customer(Talk::Latched, false, quiet), "the customer is quiet");
    }

    #[test]
    fn the_conversation_option_follows_number_assignment() {
        let mut me = user(1, Role::Supervisor, UserStatus::Available);
        let on_sales = call(1, CallState::Ongoing, Some(10));
        assert!(may_open_conversation(&me, &on_sales));
        me.numbers = vec![NumberId(2)];
        assert!(!may_open_conversation(&me, &on_sales));
    }
}
