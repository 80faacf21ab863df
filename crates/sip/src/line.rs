//! The SIP endpoint toward the trunk: rsipstack's transport (UDP and TCP),
//! transactions and dialogs, with Earshot's rules on top. An INVITE from
//! an address the trunk rules do not allow is challenged (401, digest)
//! when they name an account and refused 403 otherwise, or when its answer
//! is wrong; one that
//! dials no number 404, one whose SDP cannot carry a call 488, one past
//! the concurrent-call cap 503 with a Retry-After; each refusal is logged
//! with its reason. An admitted call goes to the server as an
//! [`IncomingCall`], which it rings, answers, refuses or hangs up.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateReceiver, DialogStateSender, TerminatedReason};
use rsipstack::dialog::authenticate::{verify_digest, Credential};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode, StatusCodeKind};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::tcp_listener::TcpListenerConnection;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{SipAddr, SipConnection, TransportLayer};
use rsipstack::EndpointBuilder;
use tokio::sync::{mpsc, oneshot};

use crate::sdp::{Description, SdpError};
use crate::trunk::{caller, dialled, Challenges, Trunks, REALM};

/// What stops a call out while it rings ([`Dialer::dial`]).
pub use tokio_util::sync::CancellationToken;

/// Where the line listens and whom it takes calls from.
#[derive(Clone, Debug)]
pub struct LineConfig {
    /// UDP and TCP, on the same port (port 0: any free one).
    pub bind: SocketAddr,
    pub trunks: Trunks,
    /// Calls at once past which an INVITE is refused 503.
    pub max_calls: usize,
    /// The trunk's address for calls out (an agent's transfer to an
    /// outside number); `None`: back to where each call came from.
    pub outbound: Option<SocketAddr>,
}

impl LineConfig {
    /// Calls at once a line takes unless told otherwise: a small centre's
    /// trunk, with room to spare.
    pub const MAX_CALLS: usize = 500;
}

/// Seconds a caller refused for load is asked to wait.
const RETRY_AFTER: &str = "5";

/// Why the server will not take a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 404: not one of the company's numbers.
    UnknownNumber,
    /// 480: nobody can take it now (lines busy, the server stopping).
    Unavailable,
    /// 488: its audio cannot be carried.
    NotAcceptable,
}

/// What happens to a call's dialog on the trunk's side.
#[derive(Debug)]
pub enum DialogEvent {
    /// The trunk cancelled, hung up, or stopped answering: the call is over.
    Ended { why: &'static str },
    /// A re-INVITE: the answer to send (SDP text), or why not (488).
    Reoffered { offer: Description, reply: oneshot::Sender<Result<String, SdpError>> },
    /// How the trunk's own call to a number we referred it to goes (a
    /// NOTIFY's `message/sipfrag`, RFC 3515): its status line's code.
    Referral { status: u16 },
}

/// A call the trunk put through and the rules admitted.
pub struct IncomingCall {
    /// The company number dialled, in E.164.
    pub dialled: String,
    /// The customer's number, when they did not withhold it.
    pub caller: Option<String>,
    /// Where the trunk sent it from (its top Via): where calls out go
    /// unless the rules name the trunk's address.
    pub source: SocketAddr,
    pub offer: Description,
    /// What the trunk does to the dialog from now on.
    pub events: mpsc::UnboundedReceiver<DialogEvent>,
    dialog: InviteDialog,
}

fn sdp_body(sdp: &str) -> (Option<Vec<Header>>, Option<Vec<u8>>) {
    (Some(vec![Header::ContentType("application/sdp".into())]), Some(sdp.as_bytes().to_vec()))
}

impl IncomingCall {
    /// 183 with our answer: the customer hears the room (the ringback)
    /// before anyone takes the call.
    pub fn early_media(&self, sdp: &str) {
        let (headers, body) = sdp_body(sdp);
        if let Err(e) = self.dialog.ringing(headers, body) {
            tracing::debug!("183 not sent: {e}");
        }
    }

    /// 200 with our answer: an agent took the call.
    pub fn answer(&self, sdp: &str) {
        let (headers, body) = sdp_body(sdp);
        if let Err(e) = self.dialog.accept(headers, body) {
            tracing::debug!("200 not sent: {e}");
        }
    }

    pub fn refuse(&self, refusal: Refusal) {
        let code = match refusal {
            Refusal::UnknownNumber => StatusCode::NotFound,
            Refusal::Unavailable => StatusCode::TemporarilyUnavailable,
            Refusal::NotAcceptable => StatusCode::NotAcceptableHere,
        };
        if let Err(e) = self.dialog.reject(Some(code), None) {
            tracing::debug!("refusal not sent: {e}");
        }
    }

    /// Asks the trunk to put the caller through to `number` itself
    /// (REFER, RFC 3515), at `trunk`'s host: `Ok` once it took the job
    /// (how it goes comes as [`DialogEvent::Referral`]), or its refusal.
    pub async fn refer(&self, number: &str, trunk: SocketAddr) -> Result<(), String> {
        let target = rsipstack::sip::ReferTo::new(format!("<{}>", number_uri(number, trunk)));
        let asked = tokio::time::timeout(REFER_ANSWERED_WITHIN, self.dialog.refer(target, None, None)).await;
        match asked {
            Ok(Ok(Some(response))) if response.status_code.kind() == StatusCodeKind::Successful => Ok(()),
            Ok(Ok(Some(response))) => Err(status_words(u16::from(response.status_code))),
            Ok(Ok(None)) => Err("the call is not answered yet".to_owned()),
            Ok(Err(e)) => Err(format!("the REFER failed: {e}")),
            Err(_) => Err("the trunk did not answer the REFER".to_owned()),
        }
    }

    /// The call ended on our side: BYE once answered, a 480 before.
    pub async fn hang_up(&self) {
        match self.dialog.state() {
            DialogState::Confirmed(..) | DialogState::WaitAck(..) => {
                if let Err(e) = self.dialog.bye().await {
                    tracing::debug!("BYE not sent: {e}");
                }
            }
            DialogState::Terminated(..) => {}
            _ => self.refuse(Refusal::Unavailable),
        }
    }
}

/// How long the trunk has to answer a REFER before we call the number
/// ourselves.
const REFER_ANSWERED_WITHIN: std::time::Duration = std::time::Duration::from_secs(4);

/// How long an outside number may ring before the attempt is given up.
pub const RINGS_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// `number` at the trunk: `sip:+442079460123@192.0.2.10:5060`.
fn number_uri(number: &str, trunk: SocketAddr) -> String {
    format!("sip:{number}@{trunk}")
}

/// A final status as an agent reads it: what happened, and the code.
pub fn status_words(code: u16) -> String {
    let what = match code {
        486 | 600 => "busy",
        408 | 480 | 487 => "no answer",
        603 => "declined",
        404 | 484 | 604 => "no such number",
        401 | 407 | 403 => "the trunk refused us",
        405 | 501 => "the trunk does not transfer calls",
        500..=599 => "the trunk failed",
        _ => "refused",
    };
    format!("{what} ({code})")
}

/// The status code of a `message/sipfrag` body's status line
/// (`SIP/2.0 200 OK`).
pub fn sipfrag_status(body: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(body).ok()?.lines().next()?;
    let mut words = line.split_whitespace();
    (words.next()? == "SIP/2.0").then_some(())?;
    words.next()?.parse().ok().filter(|code| (100..700).contains(code))
}

/// A call we made through the trunk to an outside number, answered.
pub struct OutgoingCall {
    /// What the number's side agreed for the audio.
    pub answer: Description,
    /// What its side does to the dialog from now on (it hangs up).
    pub events: mpsc::UnboundedReceiver<DialogEvent>,
    dialog: InviteDialog,
}

impl OutgoingCall {
    pub async fn hang_up(&self) {
        if let Err(e) = self.dialog.bye().await {
            tracing::debug!("BYE not sent: {e}");
        }
    }
}

/// Places calls through the trunk. Cheap to clone.
#[derive(Clone)]
pub struct Dialer {
    local: SocketAddr,
    rules: LineRules,
    layer: Arc<DialogLayer>,
    states: DialogStateSender,
    dialogs: Dialogs,
}

impl Dialer {
    /// Where a call out goes: the rules' trunk address, or back to
    /// `came_from` (the trunk that sent the call being transferred).
    pub fn trunk(&self, came_from: SocketAddr) -> SocketAddr {
        self.rules.get().outbound.unwrap_or(came_from)
    }

    /// Calls `number` at `trunk` as `caller` (their E.164, or anonymous),
    /// offering `sdp`: the call once answered, or why not (busy, no answer
    /// within [`RINGS_FOR`] …). Challenged, it signs with the rules'
    /// account (the trunk's and ours alike). Stopped while it rings, it
    /// is CANCELled.
    pub async fn dial(&self, number: &str, caller: Option<&str>, trunk: SocketAddr, sdp: String, stop: CancellationToken) -> Result<OutgoingCall, String> {
        let uri = |text: String| rsipstack::sip::Uri::try_from(text.as_str()).map_err(|e| format!("no SIP address: {e}"));
        let from = caller.unwrap_or("anonymous");
        let credential = self.rules.get().trunks.account.map(|a| Credential { username: a.username, password: a.password, realm: None, auth_username: None });
        let option = InviteOption {
            caller: uri(format!("sip:{from}@{}", self.local))?,
            callee: uri(number_uri(number, trunk))?,
            contact: uri(format!("sip:earshot@{}", self.local))?,
            destination: Some(SipAddr { r#type: Some(rsipstack::sip::Transport::Udp), addr: trunk.into() }),
            content_type: Some("application/sdp".to_owned()),
            offer: Some(sdp.into_bytes()),
            credential,
            ..Default::default()
        };
        let (dialog, answered) = self.layer.do_invite_async(option, self.states.clone()).map_err(|e| format!("the INVITE failed: {e}"))?;
        let mut answered = std::pin::pin!(answered);
        let given_up = tokio::select! {
            outcome = &mut answered => Ok(outcome),
            () = tokio::time::sleep(RINGS_FOR) => Err(status_words(480)),
            () = stop.cancelled() => Err("given up while it rang".to_owned()),
        };
        let outcome = match given_up {
            Ok(outcome) => outcome,
            Err(why) => {
                if let Err(e) = dialog.cancel().await {
                    tracing::debug!("CANCEL not sent: {e}");
                }
                // A 200 that crossed the CANCEL is ended with a BYE by rsipstack.
                return Err(why);
            }
        };
        let response = match outcome {
            Ok(Ok((_, Some(response)))) => response,
            Ok(Ok((_, None))) => return Err("no answer from the trunk".to_owned()),
            Ok(Err(e)) => return Err(format!("the INVITE failed: {e}")),
            Err(e) => return Err(format!("the INVITE failed: {e}")),
        };
        if response.status_code.kind() != StatusCodeKind::Successful {
            return Err(status_words(u16::from(response.status_code)));
        }
        let answer = std::str::from_utf8(&response.body).map_err(|_| SdpError::NoAudio).and_then(Description::parse).and_then(|d| d.usable().map(|()| d));
        let answer = match answer {
            Ok(answer) => answer,
            Err(why) => {
                let _ = dialog.bye().await;
                return Err(format!("its audio cannot be carried: {why}"));
            }
        };
        let (events, events_rx) = mpsc::unbounded_channel();
        self.dialogs.lock().expect("dialogs").insert(dialog.id().to_string(), events);
        Ok(OutgoingCall { answer, events: events_rx, dialog })
    }
}

/// The running line; it stops when dropped.
pub struct Line {
    local: SocketAddr,
    rules: LineRules,
    dialer: Dialer,
    stop: CancellationToken,
}

/// Whom a running line takes calls from, how many at once, and where
/// calls out go: read at each INVITE (and each call out), changed while
/// it runs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct LineRules(Arc<std::sync::RwLock<Rules>>);

/// A line's rules at one moment (see [`LineConfig`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    pub trunks: Trunks,
    pub max_calls: usize,
    pub outbound: Option<SocketAddr>,
}

impl LineRules {
    pub fn set(&self, rules: Rules) {
        *self.0.write().expect("the rules") = rules;
    }

    pub fn get(&self) -> Rules {
        self.0.read().expect("the rules").clone()
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Each live dialog's events, by dialog id.
type Dialogs = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<DialogEvent>>>>;

impl Line {
    /// Binds UDP and TCP at `config.bind` and serves; admitted calls
    /// arrive on the receiver.
    pub async fn start(config: LineConfig) -> Result<(Line, mpsc::Receiver<IncomingCall>), rsipstack::Error> {
        let stop = CancellationToken::new();
        let transport = TransportLayer::new(stop.clone());
        let udp = UdpConnection::create_connection(config.bind, None, Some(stop.child_token())).await?;
        let local = udp.get_addr().get_socketaddr()?;
        transport.add_transport(udp.into());
        let tcp = TcpListenerConnection::new(local, None).await?;
        transport.add_transport(tcp.into());
        let endpoint = EndpointBuilder::new().with_cancel_token(stop.clone()).with_transport_layer(transport).with_user_agent("Earshot").build();
        let incoming = endpoint.incoming_transactions()?;
        let layer = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let (states, state_rx) = layer.new_dialog_state_channel();
        let (calls, calls_rx) = mpsc::channel(64);
        let dialogs: Dialogs = Arc::default();
        let rules = LineRules(Arc::new(std::sync::RwLock::new(Rules { trunks: config.trunks, max_calls: config.max_calls, outbound: config.outbound })));
        let dialer = Dialer { local, rules: rules.clone(), layer: Arc::clone(&layer), states: states.clone(), dialogs: Arc::clone(&dialogs) };
        let serve = Serve { rules: rules.clone(), challenges: Mutex::default(), layer: Arc::clone(&layer), states, calls, dialogs: Arc::clone(&dialogs) };
        let token = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = endpoint.serve() => {}
                () = serve.run(incoming) => {}
                () = follow_dialogs(layer, dialogs, state_rx) => {}
                () = token.cancelled() => {}
            }
        });
        tracing::info!("SIP line on udp://{local} and tcp://{local}");
        Ok((Line { local, rules, dialer, stop }, calls_rx))
    }

    /// Where the line listens (UDP and TCP).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Its rules, to change while it runs.
    pub fn rules(&self) -> LineRules {
        self.rules.clone()
    }

    /// What places calls out through it.
    pub fn dialer(&self) -> Dialer {
        self.dialer.clone()
    }
}

struct Serve {
    rules: LineRules,
    /// The digest challenges out: their nonces.
    challenges: Mutex<Challenges>,
    layer: Arc<DialogLayer>,
    states: DialogStateSender,
    calls: mpsc::Sender<IncomingCall>,
    dialogs: Dialogs,
}

/// The address a request came from: its top Via, as the transport
/// stamped it with `received` (and `rport`) when the two differ.
fn source_of(tx: &Transaction) -> Option<SocketAddr> {
    let via = tx.original.via_header().ok()?;
    let (_, target) = SipConnection::parse_target_from_via(via).ok()?;
    let ip: IpAddr = target.host.to_string().trim_matches(|c| c == '[' || c == ']').parse().ok()?;
    Some(SocketAddr::new(ip, target.port.map_or(5060, |p| p.value())))
}

impl Serve {
    async fn run(self, mut incoming: rsipstack::transaction::TransactionReceiver) {
        while let Some(mut tx) = incoming.recv().await {
            let in_dialog = self.layer.match_dialog(&tx);
            match (tx.original.method, in_dialog) {
                (_, Some(Dialog::Invite(mut dialog))) => {
                    tokio::spawn(async move {
                        if let Err(e) = dialog.handle(&mut tx).await {
                            tracing::debug!("in-dialog request: {e}");
                        }
                    });
                }
                (Method::Invite, _) => self.on_invite(tx).await,
                (Method::Options, _) => {
                    let _ = tx.reply(StatusCode::OK).await; // capabilities: alive
                }
                (Method::Ack, _) => {} // of a refusal: the transaction layer has it
                (Method::Bye | Method::Cancel, _) => {
                    let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                }
                (_, _) => {
                    let _ = tx.reply(StatusCode::MethodNotAllowed).await;
                }
            }
        }
    }

    /// Whether an INVITE is a trunk's: by its address, or by its answer to
    /// one of our challenges with the account's digest.
    fn admission(&self, tx: &Transaction, source: Option<SocketAddr>, trunks: &Trunks) -> Admission {
        if source.is_some_and(|s| trunks.allows(s.ip())) {
            return Admission::Admitted;
        }
        let Some(account) = &trunks.account else { return Admission::Refused("not from an allowed trunk address, and no account to prove (403)") };
        let raw = tx.original.headers.iter().find_map(|h| match h {
            Header::Authorization(a) => Some(a.value().to_owned()),
            _ => None,
        });
        let Some(raw) = raw else { return Admission::Challenge };
        let Ok(answer) = rsipstack::sip::typed::Authorization::parse(&raw) else { return Admission::Refused("an Authorization that cannot be read (403)") };
        if !self.challenges.lock().expect("challenges").knows(&answer.nonce, std::time::Instant::now()) {
            return Admission::Challenge; // stale, or not ours: a new challenge
        }
        let proven = answer.username == account.username && answer.realm == REALM && verify_digest(&answer, &account.password, &Method::Invite, &raw);
        if proven { Admission::Admitted } else { Admission::Refused("a wrong digest answer (403)") }
    }

    async fn on_invite(&self, mut tx: Transaction) {
        let source = source_of(&tx);
        let refuse = |why: &str| tracing::info!(source = ?source, "SIP INVITE refused: {why}");
        let Rules { trunks, max_calls, .. } = self.rules.get();
        match self.admission(&tx, source, &trunks) {
            Admission::Admitted => {}
            Admission::Challenge => {
                let nonce = self.challenges.lock().expect("challenges").issue(std::time::Instant::now());
                let challenge = format!("Digest realm=\"{REALM}\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5");
                let _ = tx.reply_with(StatusCode::Unauthorized, vec![Header::WwwAuthenticate(challenge.into())], None).await;
                return;
            }
            Admission::Refused(why) => {
                refuse(why);
                let _ = tx.reply(StatusCode::Forbidden).await;
                return;
            }
        }
        let user = tx.original.uri.user().map(str::to_owned);
        let Some(number) = user.as_deref().and_then(dialled) else {
            refuse("it dials no E.164 number (404)");
            let _ = tx.reply(StatusCode::NotFound).await;
            return;
        };
        let offer = offer_in(&tx.original).and_then(|d| d.usable().map(|()| d));
        let offer = match offer {
            Ok(offer) => offer,
            Err(why) => {
                refuse(&format!("{why} (488)"));
                let _ = tx.reply(StatusCode::NotAcceptableHere).await;
                return;
            }
        };
        if self.dialogs.lock().expect("dialogs").len() >= max_calls {
            refuse(&format!("{max_calls} calls at once already (503)"));
            let _ = tx.reply_with(StatusCode::ServiceUnavailable, vec![Header::Other("Retry-After".into(), RETRY_AFTER.into())], None).await;
            return;
        }
        let from = tx.original.from_header().ok().and_then(|h| h.uri().ok()).and_then(|uri| uri.user().map(str::to_owned));
        let dialog = match self.layer.get_or_create_server_invite(&tx, self.states.clone(), None, None) {
            Ok(dialog) => dialog,
            Err(e) => {
                tracing::info!("SIP INVITE not taken: {e}");
                let _ = tx.reply(StatusCode::ServerInternalError).await;
                return;
            }
        };
        let (events, events_rx) = mpsc::unbounded_channel();
        self.dialogs.lock().expect("dialogs").insert(dialog.id().to_string(), events);
        let call = IncomingCall { dialled: number, caller: caller(from.as_deref()), source: source.expect("allowed above"), offer, events: events_rx, dialog: dialog.clone() };
        let mut handled = dialog;
        tokio::spawn(async move {
            if let Err(e) = handled.handle(&mut tx).await {
                tracing::debug!("INVITE transaction: {e}");
            }
        });
        if self.calls.send(call).await.is_err() {
            tracing::info!("SIP INVITE arrived as the server stops");
        }
    }
}

enum Admission {
    Admitted,
    /// Ask for the account's digest (401).
    Challenge,
    Refused(&'static str),
}

/// The SDP an INVITE carries (a body that is not text offers no audio).
fn offer_in(request: &rsipstack::sip::Request) -> Result<Description, SdpError> {
    std::str::from_utf8(&request.body).map_err(|_| SdpError::NoAudio).and_then(Description::parse)
}

/// Passes each dialog's news to its call: its end, and re-INVITEs.
async fn follow_dialogs(layer: Arc<DialogLayer>, dialogs: Dialogs, mut states: DialogStateReceiver) {
    while let Some(state) = states.recv().await {
        match state {
            DialogState::Terminated(id, reason) => {
                let why = match reason {
                    TerminatedReason::UacCancel => "the caller hung up before an answer",
                    TerminatedReason::UacBye => "the caller hung up",
                    TerminatedReason::UasBye => "the outside number hung up",
                    TerminatedReason::Timeout => "the trunk stopped answering",
                    _ => "the call's dialog ended",
                };
                if let Some(events) = dialogs.lock().expect("dialogs").remove(&id.to_string()) {
                    let _ = events.send(DialogEvent::Ended { why }); // the call may be over already
                }
                layer.remove_dialog(&id);
            }
            DialogState::Notify(id, request, handle) => {
                let events = dialogs.lock().expect("dialogs").get(&id.to_string()).cloned();
                if let (Some(events), Some(status)) = (events, sipfrag_status(&request.body)) {
                    let _ = events.send(DialogEvent::Referral { status }); // the call may be over already
                }
                tokio::spawn(async move { handle.reply(StatusCode::OK).await });
            }
            DialogState::Updated(id, request, handle) => {
                let events = dialogs.lock().expect("dialogs").get(&id.to_string()).cloned();
                tokio::spawn(reoffer(events, request, handle));
            }
            _ => {}
        }
    }
}

/// Answers a re-INVITE with what the call's owner says, or 488.
async fn reoffer(events: Option<mpsc::UnboundedSender<DialogEvent>>, request: rsipstack::sip::Request, handle: rsipstack::dialog::dialog::TransactionHandle) {
    let offer = offer_in(&request);
    let answer = match (offer, events) {
        (Ok(offer), Some(events)) => {
            let (reply, answer) = oneshot::channel();
            let _ = events.send(DialogEvent::Reoffered { offer, reply });
            answer.await.unwrap_or(Err(SdpError::NoAudio))
        }
        (Err(why), _) => Err(why),
        (Ok(_), None) => Err(SdpError::NoAudio),
    };
    let sent = match answer {
        Ok(sdp) => {
            let (headers, body) = sdp_body(&sdp);
            handle.respond(StatusCode::OK, headers, body).await
        }
        Err(why) => {
            tracing::info!("SIP re-INVITE refused: {why} (488)");
            handle.reply(StatusCode::NotAcceptableHere).await
        }
    };
    if sent.is_err() {
        tracing::debug!("re-INVITE answered too late");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notifys_sipfrag_gives_its_status_code() {
        assert_eq!(sipfrag_status(b"SIP/2.0 200 OK\r\n"), Some(200));
        assert_eq!(sipfrag_status(b"SIP/2.0 180 Ringing"), Some(180));
        assert_eq!(sipfrag_status(b"SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n"), Some(486));
        for nothing in [&b""[..], b"HTTP/1.1 200 OK", b"SIP/2.0 OK", b"SIP/2.0 999 Too far", b"\xff\xfe"] {
            assert_eq!(sipfrag_status(nothing), None, "{nothing:?}");
        }
    }

    #[test]
    fn a_final_status_reads_as_what_happened() {
        assert_eq!(status_words(486), "busy (486)");
        assert_eq!(status_words(480), "no answer (480)");
        assert_eq!(status_words(603), "declined (603)");
        assert_eq!(status_words(404), "no such number (404)");
        assert_eq!(status_words(501), "the trunk does not transfer calls (501)");
        assert_eq!(status_words(503), "the trunk failed (503)");
        assert_eq!(number_uri("+442079460123", "192.0.2.10:5060".parse().unwrap()), "sip:+442079460123@192.0.2.10:5060");
    }
}
