//! Who hears whom. This is the only place the rule lives.

/// The part a leg plays in its call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LegRole {
    Customer,
    Agent,
    Coach,
}

impl LegRole {
    pub const ALL: [LegRole; 3] = [LegRole::Customer, LegRole::Agent, LegRole::Coach];
}

/// What the call is doing that changes who hears whom.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CallAudio {
    /// The coach talks to the agent.
    pub whisper: bool,
    /// The agent put the customer on hold.
    pub hold: bool,
}

impl CallAudio {
    /// Every state a call can be in, for exhaustive tests.
    pub const ALL: [CallAudio; 4] = [
        CallAudio { whisper: false, hold: false },
        CallAudio { whisper: true, hold: false },
        CallAudio { whisper: false, hold: true },
        CallAudio { whisper: true, hold: true },
    ];
}

/// May audio from `from` reach `to` in a call doing `call`?
///
/// Customer → agent, coach. Agent → customer, coach. Coach → agent only
/// while whispering, and to nobody else, ever. On hold the customer neither
/// hears nor is heard; agent and coach go on. Nobody hears themselves.
pub fn may_forward(from: LegRole, to: LegRole, call: CallAudio) -> bool {
    use LegRole::*;
    match (from, to) {
        (Coach, Customer) => false,
        (Coach, Agent) => call.whisper,
        (Customer, Agent) | (Customer, Coach) | (Agent, Customer) => !call.hold,
        (Agent, Coach) => true,
        (Customer, Customer) | (Agent, Agent) | (Coach, Coach) => false,
    }
}

/// The receive lines a leg of `role` offers, in order: which source each
/// carries. A customer has no line for the coach at all.
pub fn receive_layout(role: LegRole) -> &'static [LegRole] {
    match role {
        LegRole::Customer => &[LegRole::Agent],
        LegRole::Agent => &[LegRole::Customer, LegRole::Coach],
        LegRole::Coach => &[LegRole::Customer, LegRole::Agent],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LegRole::*;

    #[test]
    fn every_role_pair_and_call_state() {
        for from in LegRole::ALL {
            for to in LegRole::ALL {
                for call in CallAudio::ALL {
                    let expected = match (from, to) {
                        _ if from == to => false,
                        (Coach, Customer) => false,
                        (Coach, Agent) => call.whisper,
                        (Customer, _) | (_, Customer) => !call.hold,
                        (Agent, Coach) => true,
                        _ => unreachable!("every pair is covered above"),
                    };
                    assert_eq!(may_forward(from, to, call), expected, "{from:?} → {to:?} in {call:?}");
                }
            }
        }
    }

    #[test]
    fn the_coach_never_reaches_the_customer() {
        for call in CallAudio::ALL {
            assert!(!may_forward(Coach, Customer, call), "{call:?}");
        }
        assert!(!receive_layout(Customer).contains(&Coach));
    }

    #[test]
    fn layouts_carry_only_sources_the_rule_can_forward() {
        for role in LegRole::ALL {
            for source in receive_layout(role) {
                assert!(CallAudio::ALL.iter().any(|&call| may_forward(*source, role, call)), "{role:?} listens to {source:?}");
            }
        }
    }
}
