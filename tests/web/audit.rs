//! The audit page's filters: dates in the browser's time zone, the To day
//! included, and a clear word for dates that cannot be.

use earshot::audit::{local_midnight, Filters};
use earshot_protocol::{AuditQuery, NumberId, UserId};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn filters_make_the_query_with_whole_local_days() {
    let filters = Filters { coach: "2".into(), agent: "".into(), number: "3".into(), from: "2026-12-01".into(), to: "2026-12-02".into() };
    let query = filters.query().unwrap();
    assert_eq!(
        query,
        AuditQuery {
            coach: Some(UserId(2)),
            agent: None,
            number: Some(NumberId(3)),
            from: Some(local_midnight(2026, 12, 1)),
            to: Some(local_midnight(2026, 12, 3)),
        },
        "the To day is included"
    );
    let day = local_midnight(2026, 12, 3).0 - local_midnight(2026, 12, 2).0;
    assert!((23..=25).contains(&(day / 3_600_000)), "a local day: {day} ms");
    assert_eq!(local_midnight(2026, 12, 32), local_midnight(2027, 1, 1), "the day after the last rolls over");
    assert_eq!(Filters::default().query().unwrap(), AuditQuery::default(), "nothing chosen: everything");
}

#[wasm_bindgen_test]
fn impossible_dates_are_refused_with_what_to_fix() {
    let backwards = Filters { from: "2026-12-02".into(), to: "2026-12-01".into(), ..Filters::default() };
    assert_eq!(backwards.query(), Err("The From date is after the To date.".to_owned()));
    let same_day = Filters { from: "2026-12-02".into(), to: "2026-12-02".into(), ..Filters::default() };
    assert!(same_day.query().unwrap().from < same_day.query().unwrap().to, "one whole day");
    let nonsense = Filters { from: "2026-13-01".into(), ..Filters::default() };
    assert_eq!(nonsense.query(), Err("“2026-13-01” is not a date.".to_owned()));
}
