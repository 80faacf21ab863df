use crate::capture::clamp_volume;
use crate::{Block, Ramp};

/// What the coach hears: customer and agent, each at its own volume.
#[derive(Clone, Debug)]
pub struct Mix {
    customer: Ramp,
    agent: Ramp,
}

impl Mix {
    /// Both parties at full volume; volume changes take `ramp_frames`.
    pub fn new(ramp_frames: u32) -> Self {
        Self { customer: Ramp::new(1.0, ramp_frames), agent: Ramp::new(1.0, ramp_frames) }
    }

    /// The customer's volume, clamped to 0..=2.
    pub fn set_customer(&mut self, volume: f32) {
        self.customer.set(clamp_volume(volume));
    }

    /// The agent's volume, clamped to 0..=2.
    pub fn set_agent(&mut self, volume: f32) {
        self.agent.set(clamp_volume(volume));
    }

    pub fn process(&mut self, customer: &Block, agent: &Block, out: &mut Block) {
        self.customer.apply(customer, out);
        self.agent.add(agent, out);
    }
}

#[cfg(test)]
mod tests {
    use super::Mix;
    use crate::QUANTUM;

    #[test]
    fn each_party_has_its_own_volume() {
        let mut mix = Mix::new(1);
        let mut out = [0.0; QUANTUM];
        mix.process(&[0.5; QUANTUM], &[0.25; QUANTUM], &mut out);
        assert_eq!(out, [0.75; QUANTUM]);
        mix.set_customer(0.0);
        mix.set_agent(2.0);
        mix.process(&[0.5; QUANTUM], &[0.25; QUANTUM], &mut out);
        assert_eq!(out, [0.5; QUANTUM]);
    }
}
