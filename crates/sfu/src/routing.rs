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

/// May audio from `from` reach `to`, with whisper `on` or off?
///
/// Customer → agent, coach. Agent → customer, coach. Coach → agent only
/// while whispering, and to nobody else, ever. Nobody hears themselves.
pub fn may_forward(from: LegRole, to: LegRole, whisper: bool) -> bool {
    use LegRole::*;
    match (from, to) {
        (Customer, Agent) | (Customer, Coach) => true,
        (Agent, Customer) | (Agent, Coach) => true,
        (Coach, Agent) => whisper,
        (Coach, Customer) => false,
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
    fn every_role_pair_and_whisper_state() {
        for from in LegRole::ALL {
            for to in LegRole::ALL {
                for whisper in [false, true] {
                    let expected = match (from, to) {
                        _ if from == to => false,
                        (Coach, Customer) => false,
                        (Coach, Agent) => whisper,
                        _ => true,
                    };
                    assert_eq!(may_forward(from, to, whisper), expected, "{from:?} → {to:?}, whisper {whisper}");
                }
            }
        }
    }

    #[test]
    fn the_coach_never_reaches_the_customer() {
        assert!(!may_forward(Coach, Customer, false));
        assert!(!may_forward(Coach, Customer, true));
        assert!(!receive_layout(Customer).contains(&Coach));
    }

    #[test]
    fn layouts_carry_only_sources_the_rule_can_forward() {
        for role in LegRole::ALL {
            for source in receive_layout(role) {
                assert!(may_forward(*source, role, true), "{role:?} listens to {source:?}");
            }
        }
    }
}
