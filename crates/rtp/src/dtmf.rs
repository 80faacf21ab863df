//! Telephone events (RFC 4733): a key pressed on the customer's phone. An
//! event's packets all carry the timestamp of its start; its last is sent
//! three times with the end bit. Each press is told once: when its end
//! arrives, or when the next press starts if every end packet was lost.
//! (The marker bit is not relied on: carriers set it inconsistently.)

/// A key pressed, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digit {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    pub key: char,
    /// In RTP clock ticks (at 8 kHz, 8 a millisecond).
    pub duration: u16,
}

const KEYS: &[u8; 16] = b"0123456789*#ABCD";

/// How many presses' starts are remembered: a late end packet of one of
/// them is not a new press.
const REMEMBERED: usize = 8;

/// Reads one RTP stream's telephone events.
#[derive(Debug, Default)]
pub struct DtmfReceiver {
    /// The press under way: its start (timestamp), key and duration so far.
    current: Option<(u32, char, u16)>,
    /// Starts of presses already told, newest last.
    told: Vec<u32>,
}

impl DtmfReceiver {
    /// An event packet's payload at `timestamp`: the press it ends, or the
    /// one it shows ended unseen.
    pub fn receive(&mut self, timestamp: u32, payload: &[u8]) -> Option<Digit> {
        let &[event, flags, high, low, ..] = payload else { return None };
        let key = *KEYS.get(usize::from(event))? as char; // not a key (flash, tones)
        let (end, duration) = (flags & 0x80 != 0, u16::from_be_bytes([high, low]));
        if self.told.contains(&timestamp) {
            return None; // a repeated end
        }
        let mut told = None;
        match self.current {
            Some((start, _, _)) if start == timestamp => {}
            Some((start, key, duration)) => told = Some(self.tell(start, key, duration)),
            None => {}
        }
        self.current = Some((timestamp, key, duration));
        if end {
            // An end with another press's unseen end: the earlier one is
            // told now, this one at its repeated end.
            return told.or_else(|| Some(self.tell(timestamp, key, duration)));
        }
        told
    }

    fn tell(&mut self, start: u32, key: char, duration: u16) -> Digit {
        if self.current.is_some_and(|(s, _, _)| s == start) {
            self.current = None;
        }
        self.told.push(start);
        if self.told.len() > REMEMBERED {
            self.told.remove(0);
        }
        Digit { key, duration }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(key: u8, end: bool, duration: u16) -> [u8; 4] {
        let [high, low] = duration.to_be_bytes();
        [key, if end { 0x80 | 10 } else { 10 }, high, low]
    }

    /// A press of `key` from `start`: packets every 20 ms, then three ends.
    fn press(key: u8, start: u32) -> Vec<(u32, [u8; 4])> {
        let mut packets: Vec<_> = (1..=4).map(|i| (start, event(key, false, i * 160))).collect();
        packets.extend([(start, event(key, true, 800)); 3]);
        packets
    }

    fn told(receiver: &mut DtmfReceiver, packets: &[(u32, [u8; 4])]) -> String {
        packets.iter().filter_map(|(ts, payload)| receiver.receive(*ts, payload)).map(|d| d.key).collect()
    }

    #[test]
    fn each_press_is_told_once_at_its_end() {
        let mut receiver = DtmfReceiver::default();
        let mut packets = press(1, 1_000);
        packets.extend(press(11, 9_000));
        packets.extend(press(1, 17_000)); // the same key again is a new press
        assert_eq!(told(&mut receiver, &packets), "1#1");
        assert_eq!(receiver.receive(17_000, &event(1, true, 800)), None, "a late repeat of an end");
        assert_eq!(receiver.receive(1_000, &event(1, true, 800)), None, "an older press's end, reordered");
    }

    #[test]
    fn a_press_whose_ends_were_all_lost_is_told_when_the_next_starts() {
        let mut receiver = DtmfReceiver::default();
        let mut packets: Vec<_> = press(5, 1_000).into_iter().filter(|(_, p)| p[1] & 0x80 == 0).collect();
        packets.extend(press(10, 9_000));
        assert_eq!(told(&mut receiver, &packets), "5*");
        let digit = DtmfReceiver::default().receive(0, &event(12, true, 1_200));
        assert_eq!(digit, Some(Digit { key: 'A', duration: 1_200 }));
    }

    #[test]
    fn what_is_not_a_key_is_nothing() {
        let mut receiver = DtmfReceiver::default();
        assert_eq!(receiver.receive(0, &event(16, true, 800)), None, "flash");
        assert_eq!(receiver.receive(0, &[1, 0x80]), None, "short");
        assert_eq!(receiver.receive(0, &[]), None);
    }
}
