//! The targets: one per parser a client reaches, and the coaching race.

pub mod caller;
pub mod coaching_race;
pub mod media_datagram;
pub mod phone_rtp;
pub mod sdp_offer;
pub mod signalling;
pub mod sip_message;

/// An outcome's words with the parts that vary by input taken out —
/// numbers (hex ones too, such as a parser's pointers), and everything from
/// the first quote to the last (quoted values can hold quotes themselves) —
/// so that outcomes group by kind.
pub fn kind_of(words: &str) -> String {
    let quote = |c: char| matches!(c, '`' | '"' | '\'');
    let kept = match (words.find(quote), words.rfind(quote)) {
        (Some(first), Some(last)) => format!("{}…{}", &words[..first], &words[last + 1..]),
        _ => words.to_owned(),
    };
    let mut out = String::new();
    let mut chars = kept.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '0' && chars.peek() == Some(&'x') {
            chars.next();
            while chars.next_if(char::is_ascii_hexdigit).is_some() {}
        } else if !c.is_ascii_digit() {
            out.push(c);
        }
    }
    out.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::kind_of;

    #[test]
    fn outcomes_group_by_kind_whatever_the_input_said() {
        let a = kind_of("unknown variant `a]}`x`, expected one of `subscribe`, `dial` at line 1 column 40");
        let b = kind_of("unknown variant `zz`, expected one of `subscribe`, `dial` at line 3 column 7");
        assert_eq!(a, b);
        assert_eq!(kind_of("Parse error at PointerOffset(0x7f3a9c0d) line 12"), "Parse error at PointerOffset() line ");
    }
}
