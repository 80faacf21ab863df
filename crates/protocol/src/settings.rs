//! A company's settings that admins edit.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

/// What makes a live call need a coach (`/api/settings/attention`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AttentionSettings {
    /// A hold this long is a long hold.
    pub long_hold_ms: u64,
    /// Nobody talking this long is dead air.
    pub dead_air_ms: u64,
    /// Customer and agent talking at once this long is overtalk.
    pub overtalk_ms: u64,
    /// The customer this many dB louder than earlier in the call is a raised voice.
    pub raised_voice_db: u32,
    /// The agent doing this share of the talking (percent) talks most.
    pub agent_talk_percent: u32,
    /// What customers may say that needs a coach: lower-case words, single
    /// spaces. Empty: no phrase alerts.
    pub phrases: Vec<String>,
}

impl Default for AttentionSettings {
    fn default() -> Self {
        Self {
            long_hold_ms: 120_000,
            dead_air_ms: 10_000,
            overtalk_ms: 2_000,
            raised_voice_db: 8,
            agent_talk_percent: 75,
            phrases: ["cancel my account", "speak to a manager", "complaint"].map(String::from).to_vec(),
        }
    }
}

impl AttentionSettings {
    pub const LONG_HOLD_MS: RangeInclusive<u64> = 10_000..=3_600_000;
    pub const DEAD_AIR_MS: RangeInclusive<u64> = 3_000..=300_000;
    pub const OVERTALK_MS: RangeInclusive<u64> = 1_000..=60_000;
    pub const RAISED_VOICE_DB: RangeInclusive<u32> = 3..=30;
    pub const AGENT_TALK_PERCENT: RangeInclusive<u32> = 50..=95;
    pub const MAX_PHRASES: usize = 20;
    pub const MAX_PHRASE_CHARS: usize = 40;
    pub const MAX_PHRASE_WORDS: usize = 6;

    /// The settings as an admin sent them, made plain (phrases trimmed, in
    /// lower case, blank and repeated ones gone), or what is wrong with them.
    pub fn normalised(mut self) -> Result<Self, String> {
        let within = |what: &str, value: u64, range: RangeInclusive<u64>, unit: &str| {
            if range.contains(&value) {
                Ok(())
            } else {
                Err(format!("{what} must be between {} and {} {unit}", range.start(), range.end()))
            }
        };
        let secs = |range: RangeInclusive<u64>| range.start() / 1000..=range.end() / 1000;
        within("A long hold", self.long_hold_ms / 1000, secs(Self::LONG_HOLD_MS), "seconds")?;
        within("Dead air", self.dead_air_ms / 1000, secs(Self::DEAD_AIR_MS), "seconds")?;
        within("Overtalk", self.overtalk_ms / 1000, secs(Self::OVERTALK_MS), "seconds")?;
        let wide = |range: RangeInclusive<u32>| u64::from(*range.start())..=u64::from(*range.end());
        within("A raised voice", u64::from(self.raised_voice_db), wide(Self::RAISED_VOICE_DB), "dB")?;
        within("The agent's share of the talking", u64::from(self.agent_talk_percent), wide(Self::AGENT_TALK_PERCENT), "%")?;
        let mut phrases: Vec<String> = Vec::new();
        for phrase in &self.phrases {
            let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
            if phrase.is_empty() || phrases.contains(&phrase) {
                continue;
            }
            if phrase.chars().count() > Self::MAX_PHRASE_CHARS || phrase.split(' ').count() > Self::MAX_PHRASE_WORDS {
                return Err(format!("“{phrase}” is too long: at most {} words and {} characters", Self::MAX_PHRASE_WORDS, Self::MAX_PHRASE_CHARS));
            }
            if let Some(c) = phrase.chars().find(|&c| !(c.is_ascii_lowercase() || c == '\'' || c == ' ')) {
                return Err(format!("“{phrase}”: only words of letters are heard, not “{c}”"));
            }
            phrases.push(phrase);
        }
        if phrases.len() > Self::MAX_PHRASES {
            return Err(format!("At most {} phrases", Self::MAX_PHRASES));
        }
        self.phrases = phrases;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_are_made_plain_and_settings_out_of_range_are_refused_with_why() {
        let sent = AttentionSettings { phrases: vec!["  Speak to   a MANAGER ".into(), "".into(), "speak to a manager".into()], ..Default::default() };
        assert_eq!(sent.normalised().unwrap().phrases, ["speak to a manager"]);

        let refused = |settings: AttentionSettings| settings.normalised().unwrap_err();
        assert_eq!(refused(AttentionSettings { long_hold_ms: 5_000, ..Default::default() }), "A long hold must be between 10 and 3600 seconds");
        assert_eq!(refused(AttentionSettings { raised_voice_db: 31, ..Default::default() }), "A raised voice must be between 3 and 30 dB");
        assert_eq!(refused(AttentionSettings { agent_talk_percent: 40, ..Default::default() }), "The agent's share of the talking must be between 50 and 95 %");
        assert!(refused(AttentionSettings { phrases: vec!["refund £50".into()], ..Default::default() }).contains("“£”"));
        assert!(refused(AttentionSettings { phrases: vec!["a b c d e f g".into()], ..Default::default() }).contains("too long"));
        assert_eq!(refused(AttentionSettings { phrases: (0..21).map(|i| format!("phrase {}", "x".repeat(i + 1))).collect(), ..Default::default() }), "At most 20 phrases");
    }
}

/// The phone line's rules (`/api/admin/phone-line`): who may call in over
/// SIP, and how many at once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PhoneLineSettings {
    /// Addresses or networks calls may come from (`192.0.2.10`,
    /// `192.0.2.0/24`): the carrier's or the PBX's. Empty: nobody.
    pub trunks: Vec<String>,
    /// Calls at once past which a new one is refused (503, "retry after").
    pub max_calls: u32,
    /// The digest account a trunk from any other address signs its calls
    /// with (RFC 3261 §22); `None`: no such trunk.
    #[serde(default)]
    pub account: Option<String>,
    /// A new password for the account (12 characters or more); `None`
    /// keeps the one it has. Never sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The trunk's address for calls out (`IP:PORT`; an address alone
    /// means port 5060), where an agent's transfer to an outside number
    /// goes; `None`: back to the address each call came from.
    #[serde(default)]
    pub outbound: Option<String>,
}

impl PhoneLineSettings {
    pub const MAX_CALLS: std::ops::RangeInclusive<u32> = 1..=10_000;
    pub const MAX_TRUNKS: usize = 100;
}

/// `GET /api/admin/phone-line`: the rules, and where the line listens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneLine {
    /// `IP:PORT` (UDP and TCP), or `None` when the server runs without one
    /// (`--sip-bind`).
    pub listening: Option<String>,
    pub settings: PhoneLineSettings,
    /// Whether the account has a password (it is never sent).
    pub has_password: bool,
}

