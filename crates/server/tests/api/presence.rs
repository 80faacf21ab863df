//! Presence over the live socket: an agent comes in Not ready, is offered
//! callers only once Available, says why they are not ready, and is Offline
//! after the grace once their every connection drops — their caller then
//! waits for another agent.

use std::time::Duration;

use earshot_domain::seed::SALES;
use earshot_protocol::{CallState, Outcome, Request, ServerMsg, UserId, UserStatus};

use crate::helpers::{spawn_app_with, ALEX, ALEX_ID};
use crate::media::coach_offer;

#[tokio::test]
async fn an_agent_takes_callers_only_when_available_and_is_offline_after_the_grace() {
    let app = spawn_app_with(|config| config.grace = Duration::from_millis(300)).await;
    let mut alex = app.live_client(ALEX).await;
    let (_, told) = alex.request(Request::WatchMyCall).await;
    let me = told.iter().find_map(|m| match m { ServerMsg::MyCall(mine) => mine.me.clone(), _ => None });
    let me = match me {
        Some(me) => me,
        None => match alex.recv().await {
            ServerMsg::MyCall(mine) => mine.me.expect("their row"),
            other => panic!("my call first: {other:?}"),
        },
    };
    assert_eq!(me.status, UserStatus::NotReady, "in, and not ready until he says");

    let mut phone = app.caller_client().await;
    let (dialled, _) = phone.request(Request::Dial { number: SALES, phone: "+447700900123".into(), offer: coach_offer() }).await;
    let Outcome::Answer { call, .. } = dialled else { panic!("the caller's call: {dialled:?}") };
    assert_eq!(app.live.my_call(ALEX_ID).await.unwrap(), None, "a Not ready agent is offered no call");
    alex.go_available().await;
    assert_eq!(app.live.my_call(ALEX_ID).await.unwrap().map(|c| c.id), Some(call), "available: the caller is put through");

    let (said, _) = alex.request(Request::SetPresence { available: false, reason: "x".repeat(41) }).await;
    assert!(matches!(said, Outcome::Refused { ref error } if error.message == "a reason must have at most 40 characters"), "{said:?}");
    assert_eq!(alex.request(Request::SetPresence { available: false, reason: "After-call work".into() }).await.0, Outcome::Ok);
    let row = app.snapshot().await.users.into_iter().find(|u| u.id == ALEX_ID).unwrap();
    assert_eq!((row.status, row.reason), (UserStatus::OnCall, Some("After-call work".into())), "on the call still, not ready after it");

    drop(alex); // the network drops
    let waiting = async {
        loop {
            let snapshot = app.snapshot().await;
            let row = snapshot.users.iter().find(|u| u.id == ALEX_ID).unwrap().status;
            let state = snapshot.calls.iter().find(|c| c.id == call).map(|c| (c.agent, c.state));
            if row == UserStatus::Offline && state == Some((None, CallState::Waiting)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), waiting).await.expect("offline after the grace, and the caller waits again");
    app.present(UserId(11)).await; // Bea comes in
    assert_eq!(app.live.my_call(UserId(11)).await.unwrap().map(|c| c.id), Some(call), "the caller is offered again");
}
