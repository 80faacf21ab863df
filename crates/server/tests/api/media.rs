//! Call audio signalling over the real WebSocket: offers, answers, refusals.

use earshot_domain::seed::{SALES, SUPPORT};
use earshot_protocol::{ErrorCode, Outcome, Request, ServerMsg, UserStatus};
use str0m::media::{Direction, MediaKind};
use str0m::Rtc;
use earshot_sfu::{LegRole, Protocol};

use crate::helpers::{spawn_app, ALEX, OMAR, SAM};

/// A coach's offer, as the browser makes it: customer and agent in, one
/// send line out.
pub fn coach_offer() -> String {
    str0m::crypto::from_feature_flags().install_process_default();
    let mut rtc = Rtc::new(std::time::Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
    change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
    change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    let (offer, _pending) = change.apply().expect("an offer");
    offer.to_sdp_string()
}

#[tokio::test]
async fn joining_with_an_offer_answers_with_sdp_in_the_same_round_trip() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut sam = app.live_client(SAM).await;

    let (outcome, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: Some(coach_offer()) }).await;

    let Outcome::Answer { call: answered, sdp } = outcome else { panic!("an answer: {outcome:?}") };
    assert_eq!(answered, call);
    assert!(sdp.contains("a=ice-lite") && sdp.contains("127.0.0.1"), "an ICE-lite answer on loopback: {sdp}");
    assert_eq!(app.media.report().await.len(), 1, "the coach's leg is in the room");
}

#[tokio::test]
async fn every_window_knows_which_one_plays_the_coachs_audio_and_the_agent_does_not() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let cookie = app.session_cookie(SAM).await;
    let mut first = app.live_client_in(&cookie, 41).await;
    let mut second = app.live_client_in(&cookie, 42).await;
    let mut alex = app.live_client(ALEX).await;
    alex.request(Request::WatchMyCall).await;
    let audio_window = async || app.snapshot().await.calls.into_iter().find(|c| c.id == call).and_then(|c| c.coaching).map(|s| s.audio_window);

    first.request(Request::StartCoaching { call, notify_agent: true, offer: Some(coach_offer()) }).await;
    assert_eq!(audio_window().await, Some(41), "the audio plays in the window that joined");
    second.request(Request::ReconnectCoaching { call, offer: coach_offer() }).await;
    assert_eq!(audio_window().await, Some(42), "and moves to the window that takes it");

    let mut told = Vec::new();
    while let Some(message) = alex.recv_within(std::time::Duration::from_millis(300)).await {
        if let ServerMsg::MyCall(mine) = message {
            told.extend(mine.call.and_then(|c| c.coaching).map(|s| s.audio_window));
        }
    }
    assert!(!told.is_empty() && told.iter().all(|&w| w == 0), "the agent is told of the coach, never of the coach's windows: {told:?}");
}

#[tokio::test]
async fn a_coach_reconnects_from_a_new_window_listening_and_nobody_else_can() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let cookie = app.session_cookie(SAM).await;
    let mut first_window = app.live_client_in(&cookie, 1).await;
    first_window.request(Request::StartCoaching { call, notify_agent: false, offer: Some(coach_offer()) }).await;
    first_window.request(Request::SetWhisper { on: true }).await;
    drop(first_window); // a reload: a new page, a new window

    let mut sam = app.live_client_in(&cookie, 2).await;
    let (outcome, _) = sam.request(Request::ReconnectCoaching { call, offer: coach_offer() }).await;
    let Outcome::Answer { call: answered, .. } = outcome else { panic!("an answer: {outcome:?}") };
    assert_eq!(answered, call);
    let (_, before) = sam.request(Request::Subscribe).await;
    let Some(ServerMsg::Snapshot(snapshot)) = before.into_iter().find(|m| matches!(m, ServerMsg::Snapshot(_))) else { panic!("a snapshot") };
    let session = snapshot.calls.iter().find(|c| c.id == call).and_then(|c| c.coaching.clone()).expect("the session went on");
    assert!(!session.whisper, "the new window starts listening");
    let coach_legs = app.media.report().await.iter().filter(|r| r.role == earshot_sfu::LegRole::Coach).count();
    assert_eq!(coach_legs, 1, "the new connection replaced the old one");

    let mut omar = app.live_client(OMAR).await;
    let (outcome, _) = omar.request(Request::ReconnectCoaching { call, offer: coach_offer() }).await;
    let Outcome::Refused { error } = outcome else { panic!("a refusal: {outcome:?}") };
    assert_eq!(error.code, ErrorCode::NotCoaching, "only the call's coach reconnects to it");
    let (outcome, _) = sam.request(Request::ReconnectCoaching { call, offer: "v=0 nonsense".into() }).await;
    let Outcome::Refused { error } = outcome else { panic!("a refusal: {outcome:?}") };
    assert_eq!(error.code, ErrorCode::MediaRefused);
}

#[tokio::test]
async fn a_bad_offer_is_refused_and_the_coaching_session_is_undone() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await;
    let mut sam = app.live_client(SAM).await;
    sam.request(Request::Subscribe).await;

    let (outcome, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: Some("v=0 nonsense".into()) }).await;

    let Outcome::Refused { error } = outcome else { panic!("a refusal: {outcome:?}") };
    assert_eq!(error.code, ErrorCode::MediaRefused);
    assert_eq!(error.message, "the SDP offer could not be read", "a plain reason; the parser's words stay in the log");
    let (again, before) = sam.request(Request::Subscribe).await;
    assert_eq!(again, Outcome::Ok);
    let Some(ServerMsg::Snapshot(snapshot)) = before.into_iter().rev().find(|m| matches!(m, ServerMsg::Snapshot(_))) else {
        panic!("a fresh snapshot")
    };
    assert!(snapshot.calls.iter().all(|c| c.coaching.is_none()), "nobody is left coaching");
    assert!(snapshot.users.iter().all(|u| u.status != UserStatus::Coaching));
}

#[tokio::test]
async fn an_agent_without_a_call_has_nothing_to_join_or_hang_up() {
    let app = spawn_app().await;
    let mut alex = app.live_client(ALEX).await;

    let (watched, before) = alex.request(Request::WatchMyCall).await;
    let (joined, _) = alex.request(Request::JoinMyCall { offer: coach_offer() }).await;
    let (hung_up, _) = alex.request(Request::HangUp).await;

    assert_eq!(watched, Outcome::Ok);
    assert!(matches!(before.as_slice(), [ServerMsg::MyCall(mine)] if mine.call.is_none()));
    for outcome in [joined, hung_up] {
        assert!(matches!(outcome, Outcome::Refused { ref error } if error.code == ErrorCode::NoCall), "{outcome:?}");
    }
}

#[tokio::test]
async fn metrics_are_for_admins_only() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut sam = app.live_client(SAM).await;
    sam.request(Request::StartCoaching { call, notify_agent: false, offer: Some(coach_offer()) }).await;

    let ada = app.session_cookie("ada@earshot.demo").await;
    let sam_cookie = app.session_cookie(SAM).await;
    let as_admin = app.client.get(app.url("/api/metrics")).header("cookie", ada).send().await.unwrap();
    let as_supervisor = app.client.get(app.url("/api/metrics")).header("cookie", sam_cookie).send().await.unwrap();
    let anonymous = app.client.get(app.url("/api/metrics")).send().await.unwrap();

    assert_eq!(as_admin.status(), 200);
    let text = as_admin.text().await.unwrap();
    let shard = app.media.shard_of(earshot_sfu::RoomId(call.0));
    assert!(text.contains(&format!("earshot_sfu_received_packets_total{{call=\"{}\",shard=\"{shard}\",leg=\"webrtc\",role=\"coach\"}} 0", call.0)), "{text}");
    assert_eq!(as_supervisor.status(), 403);
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn an_agents_tags_and_comments_are_bounded_and_only_on_their_own_call() {
    let app = spawn_app().await;
    let mut alex = app.live_client(ALEX).await;
    let mut sam = app.live_client(SAM).await;
    let (no_call, _) = alex.request(Request::Tag { tag: "early".into() }).await;
    app.answered_call(SALES).await;

    let (empty, _) = alex.request(Request::Tag { tag: "   ".into() }).await;
    let (long, _) = alex.request(Request::Comment { text: "x".repeat(1001) }).await;
    let (tagged, _) = alex.request(Request::Tag { tag: "refund".into() }).await;
    let (held, _) = alex.request(Request::Hold { on: true }).await;
    let (not_an_agent, _) = sam.request(Request::Hold { on: true }).await;

    let code = |o: Outcome| match o {
        Outcome::Refused { error } => Some(error.code),
        _ => None,
    };
    assert_eq!(code(no_call), Some(ErrorCode::NoCall));
    assert_eq!(code(empty), Some(ErrorCode::MalformedRequest));
    assert_eq!(code(long), Some(ErrorCode::MalformedRequest));
    assert_eq!((tagged, held), (Outcome::Ok, Outcome::Ok));
    assert_eq!(code(not_an_agent), Some(ErrorCode::NoCall));
}

#[tokio::test]
async fn transfer_cuts_old_agent_audio() {
    let app = spawn_app().await;
    app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    let mut bea = app.live_client("bea@earshot.demo").await; // online and available, so free to take it
    bea.go_available().await;
    let (joined, _) = alex.request(Request::JoinMyCall { offer: coach_offer() }).await;
    assert!(matches!(joined, Outcome::Answer { .. }), "{joined:?}");
    let agent_legs = |reports: Vec<earshot_server::media::LegReport>| reports.iter().filter(|r| r.role == LegRole::Agent).count();
    assert_eq!(agent_legs(app.media.report().await), 1);

    let (transferred, _) = alex.request(Request::Transfer { to: earshot_protocol::UserId(11) }).await;

    assert_eq!(transferred, Outcome::Ok);
    // The media task takes requests in order: the report after the cut sees it.
    assert_eq!(agent_legs(app.media.report().await), 0, "the old agent's leg is gone before the new agent answers");
}

#[tokio::test]
async fn a_transferred_customer_hears_the_ringback_until_the_new_agent_answers() {
    use std::time::Duration;

    use crate::peer::{until, Offering, RealCall, AGENT, OTHER_AGENT};

    let app = spawn_app().await;
    let mut call = RealCall::start(&app, Offering::new(2).await).await;
    let (customer, alex) = (&call.customer, &mut call.alex);
    let mut bea = app.live_client("bea@earshot.demo").await; // online and available, so free to take it
    bea.request(Request::WatchMyCall).await;
    bea.go_available().await;

    assert_eq!(alex.request(Request::Transfer { to: earshot_protocol::UserId(11) }).await.0, Outcome::Ok);
    until("the customer hears the ringback", || customer.heard_from_the_server() > 25).await;
    let alex_heard = customer.heard(AGENT);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(customer.heard(AGENT), alex_heard, "the old agent is cut off");

    let offering = Offering::new(2).await;
    let (joined, _) = bea.request(Request::JoinMyCall { offer: offering.sdp.clone() }).await;
    let Outcome::Answer { sdp, .. } = joined else { panic!("Bea's softphone joins: {joined:?}") };
    let _bea_peer = offering.connect(&sdp, OTHER_AGENT);
    until("the customer hears the new agent", || customer.heard(OTHER_AGENT) > 10).await;
    let rang = customer.heard_from_the_server();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(customer.heard_from_the_server(), rang, "the ringback stops when the new agent answers");
}

#[tokio::test]
async fn a_tag_flood_is_refused_with_the_limit() {
    let app = crate::helpers::spawn_app_with(|config| config.insider_rate.burst = 1_000).await;
    app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    for i in 0..earshot_domain::Core::MAX_TAGS {
        assert_eq!(alex.request(Request::Tag { tag: format!("t{i}") }).await.0, Outcome::Ok);
    }

    let (refused, _) = alex.request(Request::Tag { tag: "one more".into() }).await;

    let Outcome::Refused { error } = refused else { panic!("a refusal: {refused:?}") };
    assert_eq!((error.code, error.message.as_str()), (ErrorCode::MalformedRequest, "a call takes at most 20 tags"));
}

#[tokio::test]
async fn an_agent_adding_notes_too_fast_is_told_to_wait() {
    let app = spawn_app().await;
    app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    for i in 0..10 {
        let note = if i % 2 == 0 { Request::Tag { tag: format!("t{i}") } } else { Request::Comment { text: format!("c{i}") } };
        assert_eq!(alex.request(note).await.0, Outcome::Ok, "a call's worth of notes at once");
    }
    let deltas_before = app.snapshot().await.seq;

    let (refused, _) = alex.request(Request::Comment { text: "one more".into() }).await;

    let Outcome::Refused { error } = refused else { panic!("a refusal: {refused:?}") };
    assert_eq!((error.code, error.message.as_str()), (ErrorCode::RateLimited, "you are making changes too fast: try again in 3 s"));
    let deltas_after = app.snapshot().await.seq;
    assert_eq!(deltas_after, deltas_before, "a refused note tells no dashboard anything");
}

#[tokio::test]
async fn offers_no_call_can_use_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut sam = app.live_client(SAM).await;
    let truncated: Vec<String> = coach_offer()
        .lines()
        .map(|l| if l.starts_with("a=fingerprint:") { l[..l.len() - 9].to_owned() } else { l.to_owned() })
        .collect();
    let video_only = {
        let mut rtc = Rtc::new(std::time::Instant::now());
        let mut change = rtc.sdp_api();
        change.add_media(MediaKind::Video, Direction::RecvOnly, None, None, None);
        change.apply().expect("an offer").0.to_sdp_string()
    };

    for (offer, why) in [(truncated.join("\r\n") + "\r\n", "its DTLS fingerprint is missing or not a whole SHA-256"), (video_only, "it offers no audio")] {
        let (outcome, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: Some(offer) }).await;

        let Outcome::Refused { error } = outcome else { panic!("a refusal: {outcome:?}") };
        assert_eq!((error.code, error.message), (ErrorCode::MediaRefused, format!("the SDP offer was refused: {why}")));
    }
    assert!(app.media.report().await.is_empty(), "no leg for an offer nothing could flow on");
}

#[tokio::test]
async fn a_frozen_caller_is_noticed_and_their_call_ended() {
    use std::time::{Duration, Instant};

    let app = crate::helpers::spawn_app_with(|config| config.heartbeat = Duration::from_millis(100)).await;
    let mut caller = app.caller_client().await;
    let (dialled, _) = caller.request(Request::Dial { number: SALES, phone: "+447700900123".into(), offer: coach_offer() }).await;
    assert!(matches!(dialled, Outcome::Answer { .. }), "{dialled:?}");
    let frozen = Instant::now();
    // The caller's phone freezes: the socket stays open, no ping is answered.

    let ended = loop {
        if app.snapshot().await.calls.is_empty() {
            break frozen.elapsed();
        }
        assert!(frozen.elapsed() < Duration::from_secs(5), "a frozen caller's call lasted 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(ended >= Duration::from_millis(200), "ended only after three silent pings: {ended:?}");
    drop(caller);
}

#[tokio::test]
async fn an_anonymous_caller_cannot_flood_the_queue() {
    let app = spawn_app().await;
    let mut caller = app.caller_client().await;
    let dial = || Request::Dial { number: SALES, phone: "+447700900123".into(), offer: coach_offer() };
    for _ in 0..5 {
        let (dialled, _) = caller.request(dial()).await;
        assert!(matches!(dialled, Outcome::Answer { .. }), "{dialled:?}");
        assert_eq!(caller.request(Request::HangUp).await.0, Outcome::Ok);
    }

    let (refused, _) = caller.request(dial()).await;

    let Outcome::Refused { error } = refused else { panic!("a refusal: {refused:?}") };
    assert_eq!((error.code, error.message.as_str()), (ErrorCode::RateLimited, "too many calls from this address: try again in 5 s"));
    assert!(app.snapshot().await.calls.is_empty(), "no call was made of it");
}

#[tokio::test]
async fn ice_tcp_when_udp_blocked() {
    use crate::peer::{until, Offering, RealCall, AGENT, COACH, CUSTOMER};

    let app = spawn_app().await;
    // Alex's and Sam's networks block UDP: their peers have TCP candidates only.
    let RealCall { call, customer, agent, .. } = &RealCall::start(&app, Offering::over_tcp(2).await).await;
    let mut sam = app.live_client(SAM).await;
    let coach = Offering::over_tcp(2).await;
    let (joined, _) = sam.request(Request::StartCoaching { call: *call, notify_agent: false, offer: Some(coach.sdp.clone()) }).await;
    let Outcome::Answer { sdp, .. } = joined else { panic!("Sam joins: {joined:?}") };
    let coach = coach.connect(&sdp, COACH);

    until("the coach hears the customer and the agent over TCP", || coach.heard(CUSTOMER) > 10 && coach.heard(AGENT) > 10).await;
    assert_eq!(sam.request(Request::SetWhisper { on: true }).await.0, Outcome::Ok);
    until("the agent hears the whisper over TCP", || agent.heard(COACH) > 10).await;
    assert!(agent.heard(CUSTOMER) > 10, "the agent hears the customer over TCP");
    assert_eq!(customer.heard(COACH), 0, "the customer never hears the coach, over TCP too");
    let transports: Vec<_> = app.media.report().await.into_iter().map(|r| (r.role, r.stats.transport)).collect();
    for (role, transport) in [(LegRole::Customer, Protocol::Udp), (LegRole::Agent, Protocol::Tcp), (LegRole::Coach, Protocol::Tcp)] {
        assert!(transports.contains(&(role, Some(transport))), "{role:?} over {transport:?}: {transports:?}");
    }
}
