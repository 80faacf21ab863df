//! Search and filters of the Calls tab.

use earshot_protocol::{CallState, CallView, NumberId, UserId};

use crate::live::LiveState;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Matches agent name, contact name or customer phone, any case.
    pub text: String,
    pub number: Option<NumberId>,
    pub agent: Option<UserId>,
    pub state: Option<CallState>,
}

impl CallFilter {
    /// Whether a call matches, the search text read once for a pass over
    /// every call.
    pub fn matcher(&self) -> impl Fn(&CallView, &LiveState) -> bool + '_ {
        let text = self.text.trim().to_lowercase();
        move |call, live| self.matches_text(&text, call, live)
    }

    fn matches_text(&self, text: &str, call: &CallView, live: &LiveState) -> bool {
        let text_ok = text.is_empty() || {
            let agent = call.agent.map(|a| live.user_name(a)).unwrap_or_default();
            let contact = call.customer.contact.as_ref().map(|c| c.name.as_str()).unwrap_or_default();
            [agent.as_str(), contact, call.customer.phone.as_str()].iter().any(|field| field.to_lowercase().contains(text))
        };
        text_ok
            && self.number.is_none_or(|n| call.number == n)
            && self.agent.is_none_or(|a| call.agent == Some(a))
            && self.state.is_none_or(|s| call.state == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::model::tests::{call, snapshot};
    use earshot_protocol::Millis;

    fn live() -> LiveState {
        let mut live = LiveState::default();
        live.apply(snapshot(1), Millis(0));
        live
    }

    #[test]
    fn an_empty_filter_matches_every_call() {
        assert!(CallFilter::default().matcher()(&call(1, CallState::Ongoing, Some(10)), &live()));
    }

    #[test]
    fn text_matches_agent_name_and_phone_in_any_case() {
        let c = call(1, CallState::Ongoing, Some(10));
        let by = |text: &str| CallFilter { text: text.into(), ..CallFilter::default() }.matcher()(&c, &live());
        assert!(by("user 10"));
        assert!(by("USER"));
        assert!(by("900901"));
        assert!(!by("nobody"));
    }

    #[test]
    fn number_agent_and_state_filters_narrow() {
        let c = call(1, CallState::OnHold, Some(10));
        let live = live();
        assert!(CallFilter { state: Some(CallState::OnHold), ..CallFilter::default() }.matcher()(&c, &live));
        assert!(!CallFilter { state: Some(CallState::Ongoing), ..CallFilter::default() }.matcher()(&c, &live));
        assert!(!CallFilter { number: Some(NumberId(2)), ..CallFilter::default() }.matcher()(&c, &live));
        assert!(!CallFilter { agent: Some(UserId(11)), ..CallFilter::default() }.matcher()(&c, &live));
    }
}
