//! Media shards: two calls on two shards, each with real str0m peers for
//! customer, agent and coach over UDP. No packet crosses from one call to
//! the other, and whisper, hold and leave reach the shard of their call.

use std::time::Duration;

use earshot_protocol::{Outcome, Request};
use earshot_sfu::{LegRole, RoomId};

use crate::helpers::{spawn_app, LiveClient, TestApp, SAM};
use crate::peer::{until, Offering, Peer, RealCall, AGENT, COACH, CUSTOMER, OTHER_AGENT};

/// The second call's customer and coach.
const OTHER_CUSTOMER: u8 = 0xC2;
const OTHER_COACH: u8 = 0xB2;

/// `email` coaches `call` with a real peer speaking `tag`.
async fn coach(app: &TestApp, email: &str, call: &RealCall, tag: u8) -> (LiveClient, Peer) {
    let mut supervisor = app.live_client(email).await;
    let offering = Offering::new(2).await;
    let (joined, _) = supervisor.request(Request::StartCoaching { call: call.call, notify_agent: true, offer: Some(offering.sdp.clone()) }).await;
    let Outcome::Answer { sdp, .. } = joined else { panic!("{email} joins: {joined:?}") };
    (supervisor, offering.connect(&sdp, tag))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_on_different_shards_never_exchange_a_packet_and_each_follows_its_own_call() {
    let app = spawn_app().await;
    let first = RealCall::between(&app, "alex@earshot.demo", Offering::new(2).await, (CUSTOMER, AGENT)).await;
    let mut second = RealCall::between(&app, "bea@earshot.demo", Offering::new(2).await, (OTHER_CUSTOMER, OTHER_AGENT)).await;
    let (room, other_room) = (RoomId(first.call.0), RoomId(second.call.0));
    assert_ne!(app.media.shard_of(room), app.media.shard_of(other_room), "consecutive calls on the two shards");
    let (mut sam, sam_peer) = coach(&app, SAM, &first, COACH).await;
    let (_priya, priya_peer) = coach(&app, "priya@earshot.demo", &second, OTHER_COACH).await;
    until("each coach hears their call", || {
        sam_peer.heard(CUSTOMER) > 10 && sam_peer.heard(AGENT) > 10 && priya_peer.heard(OTHER_CUSTOMER) > 10 && priya_peer.heard(OTHER_AGENT) > 10
    })
    .await;

    // Whisper on the first call reaches its shard only.
    assert_eq!(sam.request(Request::SetWhisper { on: true }).await.0, Outcome::Ok);
    until("Alex hears Sam", || first.agent.heard(COACH) > 10).await;
    assert_eq!(second.agent.heard(OTHER_COACH), 0, "Priya is not whispering: Bea does not hear her");

    // Hold on the second call cuts its customer off, and only there.
    assert_eq!(second.alex.request(Request::Hold { on: true }).await.0, Outcome::Ok);
    tokio::time::sleep(Duration::from_millis(200)).await; // frames already on the wire land
    let (held, flowing) = (second.customer.heard(OTHER_AGENT), first.customer.heard(AGENT));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(second.customer.heard(OTHER_AGENT), held, "the held customer hears nothing of Bea");
    assert!(first.customer.heard(AGENT) > flowing + 10, "the first call's customer goes on hearing Alex");

    // Leave on the first call removes its coach's leg from its shard only.
    assert_eq!(sam.request(Request::LeaveCoaching).await.0, Outcome::Ok);
    let coaches = || async {
        let reports = app.media.report().await;
        [room, other_room].map(|r| reports.iter().filter(|leg| leg.room == r && leg.role == LegRole::Coach).map(|leg| leg.shard).collect::<Vec<_>>())
    };
    let started = std::time::Instant::now();
    while !coaches().await[0].is_empty() {
        assert!(started.elapsed() < Duration::from_secs(5), "Sam's leg leaves within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(coaches().await[1], [app.media.shard_of(other_room)], "Priya's leg stays, on the second call's shard");

    // Not one frame crossed between the calls, either way.
    let mine = |peer: &Peer, theirs: [u8; 3]| theirs.iter().map(|tag| peer.heard(*tag)).sum::<u64>();
    for (who, peer) in [("customer", &first.customer), ("Alex", &first.agent), ("Sam", &sam_peer)] {
        assert_eq!(mine(peer, [OTHER_CUSTOMER, OTHER_AGENT, OTHER_COACH]), 0, "the first call's {who} heard the second call");
    }
    for (who, peer) in [("customer", &second.customer), ("Bea", &second.agent), ("Priya", &priya_peer)] {
        assert_eq!(mine(peer, [CUSTOMER, AGENT, COACH]), 0, "the second call's {who} heard the first call");
    }
    assert_eq!(first.customer.heard(COACH), 0, "and no customer ever heard a coach");
}

#[tokio::test]
async fn shard_ports_past_65535_are_refused_at_start_with_why() {
    let mut config = earshot_server::Config { addr: "127.0.0.1:0".parse().unwrap(), ..earshot_server::Config::demo() };
    config.media.bind = "127.0.0.1:65535".parse().unwrap();
    config.media.shards = 2;
    let refused = earshot_server::Application::build(config).await.err().map(|e| e.to_string());
    assert_eq!(
        refused.as_deref(),
        Some("media shard 1 would need port 65535 + 1, past 65535: use a lower port or fewer shards"),
        "a clear refusal, not a panic or a wrapped-around port"
    );
}
