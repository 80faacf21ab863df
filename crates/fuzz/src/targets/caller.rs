//! The caller view's input: the phone number typed, and the line picked.
//! Checks the core's phone rule against the rule as documented
//! (`+` and 6 to 15 digits), written independently.

use earshot_domain::seed::demo_directory;
use earshot_domain::{Core, NewCall, Origin};
use earshot_protocol::{CallKind, Direction, Millis, NumberId};

pub const DICTIONARY: &[&[u8]] = &[b"+", b"+44", b"7700900123", b"\xef\xbc\x91", b"\xd9\xa3", b" ", b"\t", b"-", b"0"];

pub fn run(input: &[u8]) -> String {
    let Some((&line, phone)) = input.split_first() else { return "empty".into() };
    let Ok(phone) = std::str::from_utf8(phone) else { return "not UTF-8 (JSON strings are)".into() };
    let mut core = Core::new(demo_directory());
    let number = NumberId(u32::from(line % 6));
    let known = core.directory().number(number).is_some();
    let new = NewCall { origin: Origin::Caller, number, customer_phone: phone.to_owned(), direction: Direction::Inbound, kind: CallKind::Regular };
    let dialled = core.dial(Millis(0), new);
    let documented = phone.len() >= 7 && phone.len() <= 16 && phone.starts_with('+') && phone[1..].chars().all(|c| c.is_ascii_digit());
    assert_eq!(dialled.is_ok(), known && documented, "dialling {phone:?} on {number:?}: {dialled:?}");
    match dialled {
        Ok(call) => {
            let view = core.snapshot_call(call).expect("the new call is live");
            assert_eq!(view.customer.phone, phone, "the call shows the number dialled from");
            "dialled".into()
        }
        Err(e) => format!("{e:?}").split('(').next().unwrap_or_default().to_owned(),
    }
}
