//! A hostile coach: every message of the protocol, forged and out of order,
//! while real peers speak over UDP. The customer must never hear the coach,
//! and the coach must never learn what a coach may not.

use std::time::Duration;

use earshot_domain::seed::SALES;
use earshot_protocol::{CallId, MonitoringAccess, Outcome, Request, Role, ServerMsg, UserId};
use earshot_sfu::LegRole;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, LiveClient, SAM};
use crate::peer::{until, Offering, Peer, RealCall, AGENT, COACH};

/// A request as the hostile client sends it, with the peer behind its
/// offer, if it has one.
struct Forged {
    request: Request,
    offering: Option<Offering>,
}

impl Forged {
    fn plain(request: Request) -> Self {
        Self { request, offering: None }
    }

    /// A request carrying the offer of a fresh peer with `receive_lines`
    /// receive lines (the app's coach offers 2).
    async fn offering(receive_lines: usize, request: impl FnOnce(String) -> Request) -> Self {
        let offering = Offering::new(receive_lines).await;
        Self { request: request(offering.sdp.clone()), offering: Some(offering) }
    }

    /// Sends it; when the server answers with SDP, the peer connects and
    /// speaks as the coach, as a hostile browser would.
    async fn send(self, sam: &mut LiveClient, peers: &mut Vec<Peer>) -> (Outcome, Vec<ServerMsg>) {
        let (outcome, told) = sam.request(self.request).await;
        if let (Some(offering), Outcome::Answer { sdp, .. } | Outcome::PathCheck { sdp }) = (self.offering, &outcome) {
            peers.push(offering.connect(sdp, COACH));
        }
        (outcome, told)
    }
}

/// Every request type, forged where it can be: other calls' ids, extra
/// receive lines, requests for roles the coach does not have.
async fn forgeries(call: CallId) -> Vec<Forged> {
    let other = CallId(call.0 + 1);
    let mut all = Vec::new();
    for kind in Request::types() {
        let forged = match *kind {
            "subscribe" => vec![Forged::plain(Request::Subscribe)],
            "start_coaching" => vec![
                Forged::offering(3, |sdp| Request::StartCoaching { call, notify_agent: false, offer: Some(sdp) }).await,
                Forged::plain(Request::StartCoaching { call: other, notify_agent: false, offer: None }),
            ],
            "set_whisper" => [true, false, true].map(|on| Forged::plain(Request::SetWhisper { on })).into(),
            "leave_coaching" => vec![Forged::plain(Request::LeaveCoaching)],
            "reconnect_coaching" => vec![
                Forged::offering(3, |offer| Request::ReconnectCoaching { call, offer }).await,
                Forged::offering(2, |offer| Request::ReconnectCoaching { call: other, offer }).await,
            ],
            "check_audio_path" => vec![Forged::offering(2, |offer| Request::CheckAudioPath { offer }).await],
            "end_audio_check" => vec![Forged::plain(Request::EndAudioCheck)],
            "watch_my_call" => vec![Forged::plain(Request::WatchMyCall)],
            "join_my_call" => vec![Forged::offering(2, |offer| Request::JoinMyCall { offer }).await],
            "dial" => vec![Forged::offering(1, |offer| Request::Dial { number: SALES, phone: "+447700900999".into(), offer }).await],
            "hang_up" => vec![Forged::plain(Request::HangUp)],
            "hold" => vec![Forged::plain(Request::Hold { on: true })],
            "tag" => vec![Forged::plain(Request::Tag { tag: "pwned".into() })],
            "comment" => vec![Forged::plain(Request::Comment { text: "pwned".into() })],
            "transfer" => vec![Forged::plain(Request::Transfer { to: UserId(2) })],
            "transfer_outside" => vec![Forged::plain(Request::TransferOutside { number: "+19005550100".into() })],
            "raise_hand" => vec![Forged::plain(Request::RaiseHand { reason: "pwned".into() })],
            "lower_hand" => vec![Forged::plain(Request::LowerHand)],
            "set_presence" => vec![Forged::plain(Request::SetPresence { available: true, reason: "pwned".into() })],
            other => panic!("the protocol has a new request `{other}`: forge it here"),
        };
        all.extend(forged);
    }
    all
}

#[tokio::test]
async fn hostile_coach_client_leaks_nothing() {
    let app = spawn_app().await;
    let RealCall { call, customer, agent, .. } = &RealCall::start(&app, Offering::new(2).await).await;
    let call = *call;

    // Sam coaches and whispers, as the app would: the agent hears him.
    let mut sam = app.live_client(SAM).await;
    let mut coaches = Vec::new();
    sam.request(Request::Subscribe).await;
    let start = Forged::offering(2, |sdp| Request::StartCoaching { call, notify_agent: false, offer: Some(sdp) }).await;
    start.send(&mut sam, &mut coaches).await;
    Forged::plain(Request::SetWhisper { on: true }).send(&mut sam, &mut coaches).await;
    until("the agent hears the whisper", || agent.heard(COACH) > 0).await;

    // Then every message, forged, in a scrambled order, three times over,
    // with raw frames between: the coach's peers speak all the while.
    let mut seed = 0x2545_f491_u64;
    for _ in 0..3 {
        let mut requests = forgeries(call).await;
        while !requests.is_empty() {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let forged = requests.swap_remove((seed >> 33) as usize % requests.len());
            let kind = serde_json::to_value(&forged.request).unwrap()["type"].as_str().unwrap().to_owned();
            let admitted = forged.request.access().admits(Some((Role::Supervisor, MonitoringAccess::LiveMonitoring)));
            let (outcome, told) = forged.send(&mut sam, &mut coaches).await;
            if !admitted {
                assert!(matches!(outcome, Outcome::Refused { .. }), "a coach may not send `{kind}`: {outcome:?}");
            }
            assert!(!told.iter().any(|m| matches!(m, ServerMsg::MyCall(_))), "`{kind}` told the coach an agent's view");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        for raw in [
            r#"{"id":1,"request":{"type":"set_whisper","on":true,"call":1,"to":"customer"}}"#,
            r#"{"id":4294967296,"request":{"type":"leave_coaching"}}"#,
            r#"{"id":2,"request":{"type":"join_my_call"}}"#,
            r#"{"request":{"type":"subscribe"}}"#,
        ] {
            sam.send_message(Message::text(raw)).await;
            loop {
                if let ServerMsg::Reply { .. } | ServerMsg::Error { .. } = sam.recv().await {
                    break;
                }
            }
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await; // frames on the wire land

    assert!(customer.heard(AGENT) > 50, "the customer heard the agent throughout ({})", customer.heard(AGENT));
    assert_eq!(customer.heard(COACH), 0, "the customer never heard the coach");
    let reports = app.media.report().await;
    let customer_leg = reports.iter().find(|r| r.role == LegRole::Customer).expect("the customer's leg");
    assert!(!customer_leg.stats.forwarded_to_it.contains_key(&LegRole::Coach), "the SFU forwarded no coach packet to the customer");
    drop(coaches);
}
