//! An insider's floods: what costs every dashboard or the store something
//! (a hold, a snapshot, a refused attempt's audit row) is rate-limited per
//! user, like notes, with the wait said; nothing more reaches the core.

use earshot_domain::seed::SALES;
use earshot_protocol::{CallId, ErrorCode, Outcome, Request, ServerMsg};

use crate::helpers::{spawn_app, LiveClient, ALEX, NINA, SAM};

/// As many as the burst passes, then a refusal that says why and when.
async fn ten_then_told(
    client: &mut LiveClient,
    request: impl Fn(usize) -> Request,
    why: &str,
) -> Vec<Outcome> {
    let mut passed = Vec::new();
    for n in 0..10 {
        passed.push(client.request(request(n)).await.0);
    }
    let (refused, _) = client.request(request(10)).await;
    let Outcome::Refused { error } = refused else {
        panic!("the 11th is refused: {refused:?}")
    };
    assert_eq!(
        (error.code, error.message.as_str()),
        (
            ErrorCode::RateLimited,
            format!("{why}: try again in 3 s").as_str()
        )
    );
    passed
}

#[tokio::test]
async fn an_agent_toggling_hold_is_told_to_wait_and_dashboards_hear_no_more() {
    let app = spawn_app().await;
    app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    let passed = ten_then_told(
        &mut alex,
        |n| Request::Hold { on: n % 2 == 0 },
        "you are putting the call on hold and off too fast",
    )
    .await;
    assert!(passed.iter().all(|o| *o == Outcome::Ok), "{passed:?}");
    let seq = app.snapshot().await.seq;
    let (refused, _) = alex.request(Request::Hold { on: true }).await;
    assert!(matches!(refused, Outcome::Refused { .. }));
    assert_eq!(
        app.snapshot().await.seq,
        seq,
        "a refused hold changes nothing"
    );
}

#[tokio::test]
async fn a_supervisor_asking_for_snapshots_again_and_again_is_told_to_wait() {
    let app = spawn_app().await;
    let mut sam = app.live_client(SAM).await;
    let mut snapshots = 0;
    for _ in 0..10 {
        let (outcome, before) = sam.request(Request::Subscribe).await;
        assert_eq!(outcome, Outcome::Ok);
        snapshots += before
            .iter()
            .filter(|m| matches!(m, ServerMsg::Snapshot(_)))
            .count();
    }
    assert_eq!(snapshots, 10);
    let (refused, before) = sam.request(Request::Subscribe).await;
    assert!(
        !before.iter().any(|m| matches!(m, ServerMsg::Snapshot(_))),
        "no snapshot is built for a refused subscribe"
    );
    let Outcome::Refused { error } = refused else {
        panic!("refused: {refused:?}")
    };
    assert_eq!(
        (error.code, error.message.as_str()),
        (
            ErrorCode::RateLimited,
            "the dashboard is being reloaded too often: try again in 3 s"
        )
    );
}

#[tokio::test]
async fn refused_attempts_to_coach_are_audited_until_the_burst_then_told_to_wait_unaudited() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    // Nina has no Live Monitoring: the gate refuses her, and audits it.
    let mut nina = app.live_client(NINA).await;
    let passed = ten_then_told(
        &mut nina,
        |_| Request::StartCoaching {
            call,
            notify_agent: false,
            offer: None,
        },
        "too many refused attempts to coach",
    )
    .await;
    assert!(passed.iter().all(|o| matches!(o, Outcome::Refused { error } if error.code == ErrorCode::NoMonitoringAccess)), "{passed:?}");
    // Sam's refusals (a call that does not exist, a whisper with no
    // session) count apart from hers, and also stop at the burst.
    let mut sam = app.live_client(SAM).await;
    let attempts = |n: usize| {
        if n % 2 == 0 {
            Request::StartCoaching {
                call: CallId(999),
                notify_agent: false,
                offer: None,
            }
        } else {
            Request::SetWhisper { on: true }
        }
    };
    ten_then_told(&mut sam, attempts, "too many refused attempts to coach").await;
    let ada = app.session_cookie("ada@earshot.demo").await;
    let (status, audit) = app.get_json("/api/audit?action=refused", &ada).await;
    assert_eq!(status, 200, "{audit}");
    let refused_rows = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "refused")
        .count();
    assert_eq!(refused_rows, 20, "ten audited for each, none after");
}
