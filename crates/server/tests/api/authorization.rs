//! `authorization_matrix`: every kind of user × every live request and every
//! HTTP endpoint. The rows come from the protocol's own lists — the request
//! types serde knows (`Request::types()`) and `ENDPOINTS` — and the expected
//! answer from the access each declares, so a new request or endpoint is
//! checked without anyone remembering to add it here.

use earshot_domain::seed::SUPPORT;
use earshot_domain::{CallEvent, Origin};
use earshot_protocol::{Asker, CallId, ContactId, MonitoringAccess, Outcome, Request, Role, ServerMsg, UserId, ENDPOINTS};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{spawn_app, LiveClient, TestApp, ALEX, NINA, OMAR, SAM};
use crate::media::coach_offer;

/// Every kind of user: admins and supervisors with and without Live
/// Monitoring (and one assigned to another number than the call's), an
/// agent, and the anonymous caller (`None`).
const ASKERS: [(Option<&str>, Asker); 7] = [
    (Some("ada@earshot.demo"), Some((Role::Admin, MonitoringAccess::LiveMonitoringPlus))),
    (Some("grace@earshot.demo"), Some((Role::Admin, MonitoringAccess::None))),
    (Some(SAM), Some((Role::Supervisor, MonitoringAccess::LiveMonitoring))),
    (Some(OMAR), Some((Role::Supervisor, MonitoringAccess::LiveMonitoring))),
    (Some(NINA), Some((Role::Supervisor, MonitoringAccess::None))),
    (Some(ALEX), Some((Role::Agent, MonitoringAccess::None))),
    (None, None),
];

/// A request of `kind` about `call`, as a client would send it.
fn example(kind: &str, call: CallId) -> Request {
    match kind {
        "subscribe" => Request::Subscribe,
        "start_coaching" => Request::StartCoaching { call, notify_agent: false, offer: Some(coach_offer()) },
        "set_whisper" => Request::SetWhisper { on: true },
        "leave_coaching" => Request::LeaveCoaching,
        "reconnect_coaching" => Request::ReconnectCoaching { call, offer: coach_offer() },
        "check_audio_path" => Request::CheckAudioPath { offer: coach_offer() },
        "end_audio_check" => Request::EndAudioCheck,
        "watch_my_call" => Request::WatchMyCall,
        "join_my_call" => Request::JoinMyCall { offer: coach_offer() },
        "dial" => Request::Dial { number: SUPPORT, phone: "+447700900123".into(), offer: coach_offer() },
        "hang_up" => Request::HangUp,
        "hold" => Request::Hold { on: true },
        "tag" => Request::Tag { tag: "billing".into() },
        "comment" => Request::Comment { text: "Wants a refund.".into() },
        "transfer" => Request::Transfer { to: UserId(11) },
        "transfer_outside" => Request::TransferOutside { number: "+44 20 7946 0123".into() },
        "raise_hand" => Request::RaiseHand { reason: "help".into() },
        "lower_hand" => Request::LowerHand,
        "set_presence" => Request::SetPresence { available: false, reason: "Lunch".into() },
        other => panic!("the protocol has a new request `{other}`: give it an example here"),
    }
}

/// What must come first for `kind` to succeed when admitted.
fn prerequisite(kind: &str, call: CallId, asker: Asker) -> Option<Request> {
    match kind {
        "hang_up" if asker.is_none() => Some(example("dial", call)),
        "set_whisper" | "leave_coaching" | "reconnect_coaching" => Some(Request::StartCoaching { call, notify_agent: false, offer: None }),
        "check_audio_path" => Some(Request::Subscribe),
        _ => None,
    }
}

/// Everything a refused request might have changed: the call as a monitor
/// sees it, and the SFU's legs.
async fn world(app: &TestApp, call: CallId) -> (Option<earshot_protocol::CallView>, usize) {
    let view = app.snapshot().await.calls.into_iter().find(|c| c.id == call);
    (view, app.media.report().await.len())
}

async fn client(app: &TestApp, email: Option<&str>) -> LiveClient {
    match email {
        Some(email) => app.live_client(email).await,
        None => app.caller_client().await,
    }
}

#[tokio::test]
async fn authorization_matrix() {
    let types = Request::types();
    for (email, asker) in ASKERS {
        let who = email.unwrap_or("a caller");
        let app = spawn_app().await;
        app.present(UserId(11)).await; // Bea, to take the transfers
        let mut socket = client(&app, email).await;
        for kind in types {
            // Each request on a call of its own, answered by Alex.
            let origin = if *kind == "transfer_outside" { Origin::Phone } else { Origin::Caller };
            let call = app.answered_call_from(origin, SUPPORT).await;
            let request = example(kind, call);
            let admitted = request.access().admits(asker);
            if admitted {
                if let Some(first) = prerequisite(kind, call, asker) {
                    socket.request(first).await;
                }
            }
            let before = world(&app, call).await;

            let (outcome, told) = socket.request(request).await;

            if admitted {
                assert!(!matches!(outcome, Outcome::Refused { .. }), "{who} may send `{kind}`: {outcome:?}");
            } else {
                assert!(matches!(outcome, Outcome::Refused { .. }), "{who} may not send `{kind}`: {outcome:?}");
                // (An agent watching their own call hears of it meanwhile.)
                let agent = matches!(asker, Some((Role::Agent, _)));
                let revealed = told.iter().find(|m| matches!(m, ServerMsg::Snapshot(_)) || (!agent && matches!(m, ServerMsg::MyCall(_))));
                assert!(revealed.is_none(), "`{kind}`, refused, told {who} {revealed:?}");
                assert_eq!(world(&app, call).await, before, "`{kind}`, refused, changed the call or its audio for {who}");
            }
            if *kind == "dial" {
                socket.request(Request::HangUp).await;
            }
            let _ = app.live.call_event(CallEvent::Ended { call }).await; // already ended is fine
        }
    }
}

#[tokio::test]
async fn every_endpoint_admits_whom_its_access_says_and_refuses_the_rest() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await; // Alex's own, so his record to read
    for (email, asker) in ASKERS {
        let cookie = match email {
            Some(email) => Some(app.session_cookie(email).await),
            None => None,
        };
        for endpoint in ENDPOINTS {
            let path = endpoint.path.replace("{id}", &if endpoint.path.starts_with("/api/calls") { call.0 } else { u64::from(ContactId(1).0) }.to_string());
            let status = if path == "/api/live" || path == "/api/caller" {
                upgrade(&app, &path, cookie.as_deref()).await
            } else {
                let mut request = app.client.request(endpoint.method.parse().unwrap(), app.url(&path)).header("origin", app.origin());
                if endpoint.method == "DELETE" {
                    // Signing out must not end the session the next rows use.
                    if let Some(email) = email {
                        request = request.header("cookie", app.session_cookie(email).await);
                    }
                } else if let Some(cookie) = &cookie {
                    request = request.header("cookie", cookie);
                }
                if endpoint.method == "POST" {
                    request = request.json(&serde_json::json!({ "email": email.unwrap_or(SAM), "password": earshot_domain::seed::DEMO_PASSWORD }));
                }
                request.send().await.unwrap().status().as_u16()
            };
            let who = email.unwrap_or("anonymous");
            // Admitted is anything but a refusal (the manifest is 503 where the app is not built).
            if endpoint.access.admits(asker) {
                assert!(!matches!(status, 401 | 403), "{who} may {} {path}: {status}", endpoint.method);
            } else {
                assert!(matches!(status, 401 | 403), "{who} may not {} {path}: {status}", endpoint.method);
            }
        }
    }
}

/// The status of a WebSocket upgrade: 101, or the refusal's.
async fn upgrade(app: &TestApp, path: &str, cookie: Option<&str>) -> u16 {
    let mut request = format!("ws://{}{path}", app.addr).into_client_request().unwrap();
    request.headers_mut().insert("origin", app.origin().parse().unwrap());
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("{path}: {e}"),
    }
}

#[tokio::test]
async fn every_change_refuses_another_sites_page_even_with_an_admins_cookie() {
    let app = spawn_app().await;
    let ada = app.session_cookie("ada@earshot.demo").await;
    for endpoint in ENDPOINTS.iter().filter(|e| e.method != "GET") {
        let path = endpoint.path.replace("{id}", "2");
        let request = app.client.request(endpoint.method.parse().unwrap(), app.url(&path)).header("origin", "https://evil.example").header("cookie", &ada);
        let status = request.json(&serde_json::json!({})).send().await.unwrap().status().as_u16();
        assert_eq!(status, 403, "{} {path} from another site's page: {status}", endpoint.method);
    }
    assert_eq!(app.get_json("/api/session", &ada).await.1["name"], "Ada Lovelace", "still signed in: the sign-out was refused too");
}
