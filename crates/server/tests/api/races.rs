//! A coach's audio ends when the record says the session ends, whatever
//! order a hostile coach's two sockets (and the agent's transfers) make
//! the server see things in: the SFU admits a coach only into a seat the
//! core granted, and the core's end of a session revokes it.

use std::time::Duration;

use earshot_protocol::{CallId, ErrorCode, Outcome, Request, UserId};
use earshot_sfu::LegRole;

use crate::helpers::{LiveClient, TestApp, ALEX_ID, SAM};
use crate::peer::{Offering, Peer, RealCall, AGENT, COACH};

/// What a round races the coach's start against.
#[derive(Clone, Copy, Debug)]
enum Race {
    /// The other socket leaves at once.
    Leave,
    /// The other socket turns the whisper on, then leaves.
    WhisperThenLeave,
    /// The agent transfers the call to a colleague.
    Transfer,
}

const ROUNDS: usize = 210;
/// Every this many rounds, the peers' counters are read over time too.
const LISTEN_EVERY: usize = 4;
/// How long packets already on their way may still land.
const IN_FLIGHT: Duration = Duration::from_millis(100);
const BEA_ID: UserId = UserId(11);

#[tokio::test]
async fn a_coach_racing_start_and_leave_over_two_sockets_keeps_no_audio_past_the_session() {
    // A hostile coach's refusals are what this test is about: none is
    // throttled. The caller's phone is never read, so it answers no ping:
    // the heartbeat outlasts the rounds, or the call would end midway.
    let app = crate::helpers::spawn_app_with(|config| {
        config.insider_rate.burst = 100_000;
        config.heartbeat = Duration::from_secs(120);
    })
    .await;
    let mut real = RealCall::start(&app, Offering::new(2).await).await;
    let call = real.call;
    let mut bea = app.live_client("bea@earshot.demo").await; // online and available, so free to take a transfer
    bea.go_available().await;
    let cookie = app.session_cookie(SAM).await;
    let (mut first, mut second) = (app.live_client_in(&cookie, 1).await, app.live_client_in(&cookie, 2).await);
    let mut agent_now = ALEX_ID;

    for round in 0..ROUNDS {
        let race = match round {
            r if r < 140 && r % 2 == 0 => Race::Leave,
            r if r < 140 => Race::WhisperThenLeave,
            _ => Race::Transfer,
        };
        let offering = Offering::new(2).await;
        let started = first.send(Request::StartCoaching { call, notify_agent: false, offer: Some(offering.sdp.clone()) }).await;
        match race {
            Race::Leave => drop(second.send(Request::LeaveCoaching).await),
            Race::WhisperThenLeave => {
                second.send(Request::SetWhisper { on: true }).await;
                second.send(Request::LeaveCoaching).await;
            }
            Race::Transfer => {
                let (from, to) = if agent_now == ALEX_ID { (&mut real.alex, BEA_ID) } else { (&mut bea, ALEX_ID) };
                let (transferred, _) = from.request(Request::Transfer { to }).await;
                assert_eq!(transferred, Outcome::Ok, "round {round}: the transfer");
                agent_now = to;
            }
        }
        let (outcome, _) = first.reply(started).await;
        let coach = match outcome {
            Outcome::Answer { sdp, .. } => Some(offering.connect(&sdp, COACH)),
            Outcome::Refused { error } if error.code == ErrorCode::NotCoaching => None, // the session ended first
            other => panic!("round {round} ({race:?}): the start is taken or told its session ended: {other:?}"),
        };
        // Whatever won, the session ends now (a leave that came first, or
        // a coach who coaches the transferred call, leaves again).
        leave(&mut second).await;

        assert_eq!(coaching(&app, call).await, None, "round {round} ({race:?}): the core has no session");
        let legs = coach_legs(&app, call).await;
        assert_eq!(legs, 0, "round {round} ({race:?}): the shard holds no coach leg once the session ended");
        if round % LISTEN_EVERY == 0 {
            nothing_more_reaches_or_leaves(coach.as_ref(), &real.agent, round).await;
        }
    }
    assert_eq!(real.customer.heard(COACH), 0, "the customer never heard the coach");
    assert!(real.customer.heard(AGENT) > 0);
}

/// Sends a leave; both a leave and "you were not coaching" are fine.
async fn leave(socket: &mut LiveClient) {
    match socket.request(Request::LeaveCoaching).await.0 {
        Outcome::Ok => {}
        Outcome::Refused { error } => assert_eq!(error.code, ErrorCode::NotCoaching, "{error:?}"),
        other => panic!("a leave answers Ok or NotCoaching: {other:?}"),
    }
}

async fn coaching(app: &TestApp, call: CallId) -> Option<UserId> {
    let snapshot = app.snapshot().await;
    snapshot.calls.iter().find(|c| c.id == call).and_then(|c| c.coaching.as_ref()).map(|s| s.coach)
}

async fn coach_legs(app: &TestApp, call: CallId) -> usize {
    let reports = app.media.report().await;
    reports.iter().filter(|r| r.room.0 == call.0 && r.role == LegRole::Coach).count()
}

/// Once what was on its way has landed, the coach's peer hears nothing more
/// and the agent hears nothing more of the coach.
async fn nothing_more_reaches_or_leaves(coach: Option<&Peer>, agent: &Peer, round: usize) {
    let heard = |peer: Option<&Peer>| peer.map_or(0, |p| p.heard_by_anyone());
    tokio::time::sleep(IN_FLIGHT).await;
    let before = (heard(coach), agent.heard(COACH));
    tokio::time::sleep(IN_FLIGHT).await;
    assert_eq!((heard(coach), agent.heard(COACH)), before, "round {round}: no packet to or from the coach after {IN_FLIGHT:?}");
}
