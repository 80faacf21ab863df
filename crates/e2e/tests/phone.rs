//! Phone calls over SIP into the whole server, from SIPp (Debian's
//! `sip-tester`): a call rings with early media while nobody can take it,
//! is answered the moment an available agent takes it, and ends when the
//! caller hangs up; calls from elsewhere, or to no number of the
//! company's, are refused with the status that says why.

use std::time::Duration;

use earshot_domain::Core;
use earshot_e2e::sipp::{self, Scenario};
use earshot_e2e::{spawn_app, TestApp};
use earshot_protocol::{CallId, CallState, CallView, Change, UserId};
use earshot_server::live::Batch;
use earshot_sip::line::LineConfig;
use earshot_sip::trunk::Trunks;
use tokio::sync::broadcast;

const ALEX: UserId = UserId(10);
/// The demo's Support number.
const SUPPORT: &str = "+441615550200";

async fn with_line(trunk: &str) -> TestApp {
    let trunks = Trunks { allowed: vec![trunk.parse().unwrap()] };
    spawn_app(|config| config.sip = Some(LineConfig { bind: "127.0.0.1:0".parse().unwrap(), trunks, max_calls: 4 })).await
}

/// The next change to a call that `pick` keeps, within 20 s.
async fn next_change<T>(deltas: &mut broadcast::Receiver<Batch>, mut pick: impl FnMut(&Change) -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let batch = deltas.recv().await.expect("the core publishes");
            if let Some(found) = batch.iter().find_map(|delta| pick(&delta.change)) {
                return found;
            }
        }
    })
    .await
    .expect("the change came")
}

fn updated(change: &Change) -> Option<CallView> {
    match change {
        Change::CallUpdated { call } => Some(call.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn e2e_a_phone_call_rings_until_an_available_agent_takes_it_and_ends_with_the_callers_bye() {
    let app = with_line("127.0.0.1/32").await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Answered, app.sip.unwrap(), SUPPORT));

    let waiting = next_change(&mut deltas, updated).await;
    assert_eq!((waiting.state, waiting.customer.phone.as_str()), (CallState::Waiting, Core::WITHHELD), "queued; SIPp withholds its number");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!caller.is_finished(), "no answer while nobody can take the call: it rings (183)");

    app.present(ALEX).await;
    let call: CallId = waiting.id;
    let answered = next_change(&mut deltas, |c| updated(c).filter(|v| v.id == call && v.state == CallState::Ongoing)).await;
    assert_eq!(answered.agent, Some(ALEX), "put through to Alex, who is available");
    assert!(caller.await.unwrap(), "SIPp's scenario passes: 183 with SDP, then 200 once Alex took it, ACK, and its BYE answered");
    next_change(&mut deltas, |c| matches!(c, Change::CallEnded { call: ended } if *ended == call).then_some(())).await;
}

#[tokio::test]
async fn e2e_the_builtin_uac_call_of_sipp_is_taken_by_an_agent_who_is_waiting() {
    let app = with_line("127.0.0.1/32").await;
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Uac, app.sip.unwrap(), SUPPORT).await, "INVITE, 200, ACK, BYE");
}

#[tokio::test]
async fn e2e_calls_from_no_trunk_of_ours_or_to_no_number_of_ours_are_refused_and_never_queued() {
    let ours = with_line("127.0.0.1/32").await;
    let mut deltas = ours.live.watch().await.unwrap();
    assert!(sipp::call(Scenario::Refused(404), ours.sip.unwrap(), "+441615550999").await, "not the company's number: 404");
    assert!(sipp::call(Scenario::Refused(404), ours.sip.unwrap(), "sales").await, "no number at all: 404");
    let elsewhere = with_line("192.0.2.0/24").await;
    assert!(sipp::call(Scenario::Refused(403), elsewhere.sip.unwrap(), SUPPORT).await, "not from the trunk: 403");
    assert!(matches!(deltas.try_recv(), Err(broadcast::error::TryRecvError::Empty)), "no call was queued");
}
