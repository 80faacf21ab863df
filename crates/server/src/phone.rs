//! Phone calls from the SIP trunk: each call the line admits becomes a
//! call in the core on the number dialled, queued and put through to an
//! available agent as the caller view's are. Its audio is a phone leg on
//! the call's shard — the customer's seat, so the shard's one rule says
//! what it hears: the ringback while it waits (183, early media), the
//! agent once one takes it (200), never a coach.
//!
//! Its agent may send it to an outside number: first by asking the trunk
//! to (REFER); where the trunk will not, by calling the number through
//! the trunk ourselves and bridging it in the agent's seat. Either way the
//! call stays with the agent until the number answers.

use std::time::Duration;

use earshot_domain::{CallEvent, Core, EventError, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, CallState, CallView, Change, Direction};
use earshot_sfu::{LegId, LegRole, LineEvent, PhoneLine, RoomId};
use earshot_sip::line::{status_words, CancellationToken, DialogEvent, Dialer, IncomingCall, OutgoingCall, Refusal, RINGS_FOR};
use earshot_sip::sdp::{self, Description, Negotiated, SdpError};
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use crate::live::LiveHandle;
use crate::media::{customer_holder, outside_holder, MediaHandle};

/// Takes every call the line admits, each on a task of its own.
/// `dialer` places their transfers to outside numbers.
pub async fn serve(mut calls: mpsc::Receiver<IncomingCall>, live: LiveHandle, media: MediaHandle, dialer: Dialer) {
    while let Some(call) = calls.recv().await {
        let (live, media, dialer) = (live.clone(), media.clone(), dialer.clone());
        tokio::spawn(async move {
            if let Some(taken) = PhoneCall::take(call, &live, &media).await {
                taken.follow(&live, &media, &dialer).await;
            }
        });
    }
}

/// What a SIP dialog agreed, as the phone leg carries it.
fn phone_line(agreed: Negotiated) -> PhoneLine {
    PhoneLine { remote: agreed.remote, codec: agreed.codec, dtmf: agreed.dtmf, sends: agreed.direction.sends(), receives: agreed.direction.receives(), answered: false }
}

/// One SIP dialog's audio on the call's shard.
struct Leg {
    id: LegId,
    /// What it carries now.
    line: PhoneLine,
    /// Our side of the session description, sent again as it changes.
    sdp: String,
    /// Each new description in the dialog says so (RFC 3264 §8).
    version: u64,
}

impl Leg {
    /// A re-INVITE's offer: the leg carries what our answer agrees.
    fn reoffered(&mut self, offer: Description, media: &MediaHandle, room: RoomId, session: u64) -> Result<String, SdpError> {
        self.version += 1;
        let (agreed, sdp) = offer.answer(media.rtp_address(room), session, self.version)?;
        self.line = PhoneLine { answered: self.line.answered, ..phone_line(agreed) };
        media.set_line(room, self.id, self.line);
        self.sdp = sdp.clone();
        Ok(sdp)
    }
}

/// A transfer to an outside number, under way.
enum Transfer {
    /// The trunk took the REFER: its NOTIFYs say how it goes, by `until`.
    Referred { number: String, until: Instant },
    /// We call the number through the trunk (on a task of its own, so
    /// that it is CANCELled, not forgotten, if the call ends first).
    Dialling { ringing: tokio::task::JoinHandle<Result<OutgoingCall, String>>, stop: CancellationToken },
}

/// The number called out to, answered: its leg holds the agent's seat.
struct Bridged {
    sip: OutgoingCall,
    leg: Leg,
}

/// A phone call in the core, its audio joined, ringing.
struct PhoneCall {
    sip: IncomingCall,
    call: CallId,
    leg: Leg,
    deltas: broadcast::Receiver<crate::live::Batch>,
    lines: mpsc::UnboundedReceiver<LineEvent>,
    /// Where the phone legs' key presses and silence go (`lines`).
    line_events: mpsc::UnboundedSender<LineEvent>,
    transfer: Option<Transfer>,
    bridged: Option<Bridged>,
}

/// How long a trunk that took a REFER has to say how it went.
const REFERRAL_WITHIN: Duration = Duration::from_secs(RINGS_FOR.as_secs() + 10);

impl PhoneCall {
    /// The call in the core and its audio joined, or the INVITE refused
    /// with why.
    async fn take(sip: IncomingCall, live: &LiveHandle, media: &MediaHandle) -> Option<PhoneCall> {
        let refuse = |refusal, why: &str| {
            tracing::info!(dialled = %sip.dialled, "SIP call refused: {why}");
            sip.refuse(refusal);
        };
        let Ok(directory) = live.directory().await else {
            refuse(Refusal::Unavailable, "the server is stopping");
            return None;
        };
        let Some(number) = directory.numbers().find(|n| n.e164 == sip.dialled).map(|n| n.id) else {
            refuse(Refusal::UnknownNumber, "not one of the company's numbers");
            return None;
        };
        // Watch first, so that the answer by an agent cannot be missed.
        let Ok(deltas) = live.watch().await else {
            refuse(Refusal::Unavailable, "the server is stopping");
            return None;
        };
        let phone = sip.caller.clone().unwrap_or_else(|| Core::WITHHELD.to_owned());
        let new = NewCall { origin: Origin::Phone, number, customer_phone: phone, direction: Direction::Inbound, kind: CallKind::Regular };
        let call = match live.dial(new).await {
            Ok(Ok(call)) => call,
            Ok(Err(EventError::UnknownNumber(_))) => {
                refuse(Refusal::UnknownNumber, "that number was removed");
                return None;
            }
            Ok(Err(EventError::LinesBusy)) => {
                refuse(Refusal::Unavailable, "all lines are busy: the queue is full");
                return None;
            }
            Ok(Err(e)) => {
                refuse(Refusal::Unavailable, &format!("{e:?}"));
                return None;
            }
            Err(why) => {
                refuse(Refusal::Unavailable, &why.to_string());
                return None;
            }
        };
        let room = RoomId(call.0);
        let (agreed, sdp) = match sip.offer.answer(media.rtp_address(room), call.0, 1) {
            Ok(answer) => answer,
            Err(why) => {
                refuse(Refusal::NotAcceptable, &why.to_string());
                let _ = live.call_event(CallEvent::Ended { call }).await;
                return None;
            }
        };
        let (line_events, lines) = mpsc::unbounded_channel();
        let line = phone_line(agreed);
        let id = match media.join_phone(room, LegRole::Customer, customer_holder(call), line, line_events.clone()).await {
            Ok(leg) => leg,
            Err(why) => {
                refuse(Refusal::Unavailable, &format!("its audio did not join: {why:?}"));
                let _ = live.call_event(CallEvent::Ended { call }).await;
                return None;
            }
        };
        sip.early_media(&sdp);
        tracing::info!(call = call.0, number = number.0, "a phone call from the SIP trunk");
        let leg = Leg { id, line, sdp, version: 1 };
        Some(PhoneCall { sip, call, leg, deltas, lines, line_events, transfer: None, bridged: None })
    }

    /// Until the call ends, on either side.
    async fn follow(mut self, live: &LiveHandle, media: &MediaHandle, dialer: &Dialer) {
        let room = RoomId(self.call.0);
        loop {
            tokio::select! {
                batch = self.deltas.recv() => {
                    let seen = match batch {
                        // The call as the batch leaves it.
                        Ok(batch) => batch.iter().filter_map(|delta| match &delta.change {
                            Change::CallUpdated { call } if call.id == self.call => Some(Some(call.clone())),
                            Change::CallEnded { call } if *call == self.call => Some(None),
                            _ => None,
                        }).last(),
                        // Changes were missed: the call as it is now.
                        Err(broadcast::error::RecvError::Lagged(_)) => Some(live.call(self.call).await.ok().flatten()),
                        Err(broadcast::error::RecvError::Closed) => Some(None),
                    };
                    match seen {
                        Some(Some(call)) => self.on_call(&call, media, dialer).await,
                        Some(None) => break,
                        None => {}
                    }
                }
                event = self.sip.events.recv() => match event {
                    Some(DialogEvent::Reoffered { offer, reply }) => {
                        let _ = reply.send(self.leg.reoffered(offer, media, room, self.call.0)); // the dialog may have ended meanwhile
                    }
                    Some(DialogEvent::Referral { status }) => self.on_referral(status, live).await,
                    Some(DialogEvent::Ended { why }) => {
                        tracing::info!(call = self.call.0, "the phone call ended: {why}");
                        break;
                    }
                    None => break,
                },
                event = next_outside(&mut self.bridged) => match event {
                    Some(DialogEvent::Reoffered { offer, reply }) => {
                        let answer = match self.bridged.as_mut() {
                            Some(bridged) => bridged.leg.reoffered(offer, media, room, self.call.0 + 1),
                            None => Err(SdpError::NoAudio),
                        };
                        let _ = reply.send(answer); // the dialog may have ended meanwhile
                    }
                    Some(DialogEvent::Referral { .. }) => {}
                    Some(DialogEvent::Ended { why }) => {
                        tracing::info!(call = self.call.0, "the outside number's call ended: {why}");
                        break;
                    }
                    None => break,
                },
                news = transfer_news(&mut self.transfer) => match news {
                    Some(dialled) => self.on_dialled(dialled, live, media).await,
                    None => self.failed("the trunk did not say how the transfer went".to_owned(), live).await,
                },
                Some(event) = self.lines.recv() => match event {
                    LineEvent::Silent { role, .. } => {
                        let who = if role == LegRole::Customer { "phone line" } else { "outside number's line" };
                        tracing::info!(call = self.call.0, "the {who} sent no audio for too long since the answer: the call ends");
                        break;
                    }
                    LineEvent::Digit { role: LegRole::Customer, digit, .. } => {
                        let _ = live.call_event(CallEvent::Keypress { call: self.call, key: digit.key }).await; // an ended call hears no more
                    }
                    LineEvent::Digit { .. } => {} // the outside number's keys are not the customer's
                },
            }
        }
        self.sip.hang_up().await;
        if let Some(bridged) = &self.bridged {
            bridged.sip.hang_up().await;
        }
        if let Some(Transfer::Dialling { ringing, stop }) = self.transfer.take() {
            stop.cancel();
            if let Ok(Ok(answered)) = ringing.await {
                answered.hang_up().await; // it answered as the call ended
            }
        }
        let _ = live.call_event(CallEvent::Ended { call: self.call }).await; // already ended is fine
    }

    /// The call changed in the core: an agent took it (200), or its agent
    /// asked for an outside number.
    async fn on_call(&mut self, call: &CallView, media: &MediaHandle, dialer: &Dialer) {
        let room = RoomId(self.call.0);
        if call.state != CallState::Waiting && !self.leg.line.answered {
            self.sip.answer(&self.leg.sdp);
            self.leg.line.answered = true;
            media.set_line(room, self.leg.id, self.leg.line);
        }
        let asked = call.outside.as_ref().filter(|o| o.failed.is_none()).map(|o| o.number.clone());
        if asked.is_none() {
            // Given up in the core (the call went to a colleague): so is our call out.
            if let Some(Transfer::Dialling { stop, .. }) = &self.transfer {
                stop.cancel();
            }
        }
        let Some(number) = asked.filter(|_| self.transfer.is_none() && self.bridged.is_none()) else { return };
        let trunk = dialer.trunk(self.sip.source);
        tracing::info!(call = self.call.0, %trunk, "the agent sends the phone call to an outside number");
        match self.sip.refer(&number, trunk).await {
            Ok(()) => self.transfer = Some(Transfer::Referred { number, until: Instant::now() + REFERRAL_WITHIN }),
            Err(why) => {
                tracing::info!(call = self.call.0, "the trunk will not transfer the call ({why}): we call the number through it");
                let sdp = sdp::offer(media.rtp_address(room), self.call.0 + 1, 1);
                let (dialer, caller) = (dialer.clone(), self.sip.caller.clone());
                let stop = CancellationToken::new();
                let ringing = tokio::spawn({
                    let stop = stop.clone();
                    async move { dialer.dial(&number, caller.as_deref(), trunk, sdp, stop).await }
                });
                self.transfer = Some(Transfer::Dialling { ringing, stop });
            }
        }
    }

    /// A NOTIFY on the REFER the trunk took: once its call to the number
    /// is answered, the call is no longer ours; a failure leaves it with
    /// the agent.
    async fn on_referral(&mut self, status: u16, live: &LiveHandle) {
        let Some(Transfer::Referred { number, .. }) = &self.transfer else { return };
        match status {
            100..=199 => {}
            200..=299 => {
                tracing::info!(call = self.call.0, number, "the trunk put the call through to the outside number");
                self.transfer = None;
                let _ = live.call_event(CallEvent::TransferredExternal { call: self.call }).await; // the call may have ended
                // Ours to end: the trunk joined the caller to the number.
                let _ = live.call_event(CallEvent::Ended { call: self.call }).await;
            }
            code => self.failed(status_words(code), live).await,
        }
    }

    /// Our own call to the outside number rang out: answered, it takes
    /// the agent's seat; refused, the call stays with the agent.
    async fn on_dialled(&mut self, dialled: Result<OutgoingCall, String>, live: &LiveHandle, media: &MediaHandle) {
        self.transfer = None;
        let sip = match dialled {
            Ok(sip) => sip,
            Err(why) => return self.failed(why, live).await,
        };
        let room = RoomId(self.call.0);
        let line = match sip.answer.accept_answer() {
            Ok(agreed) => PhoneLine { answered: true, ..phone_line(agreed) },
            Err(why) => {
                sip.hang_up().await;
                return self.failed(format!("its audio cannot be carried: {why}"), live).await;
            }
        };
        // The agent leaves and the seat is the number's before its leg joins.
        if !matches!(live.call_event(CallEvent::TransferredExternal { call: self.call }).await, Ok(Ok(()))) {
            sip.hang_up().await; // the call ended meanwhile
            return;
        }
        match media.join_phone(room, LegRole::Agent, outside_holder(self.call), line, self.line_events.clone()).await {
            Ok(id) => {
                tracing::info!(call = self.call.0, "the outside number answered: the call is bridged to it");
                self.bridged = Some(Bridged { sip, leg: Leg { id, line, sdp: String::new(), version: 1 } });
            }
            Err(why) => {
                tracing::info!(call = self.call.0, "the outside number's audio did not join: {why:?}");
                sip.hang_up().await;
                let _ = live.call_event(CallEvent::Ended { call: self.call }).await;
            }
        }
    }

    async fn failed(&mut self, why: String, live: &LiveHandle) {
        tracing::info!(call = self.call.0, "the transfer to an outside number failed: {why}");
        self.transfer = None;
        let _ = live.call_event(CallEvent::TransferOutsideFailed { call: self.call, why }).await; // the call may have ended
    }
}

/// The next event of the outside number's dialog, once there is one.
async fn next_outside(bridged: &mut Option<Bridged>) -> Option<DialogEvent> {
    match bridged {
        Some(bridged) => bridged.sip.events.recv().await,
        None => std::future::pending().await,
    }
}

/// How a transfer under way went: our call to the number rang out, or
/// (`None`) a trunk that took a REFER did not say how it went in time.
async fn transfer_news(transfer: &mut Option<Transfer>) -> Option<Result<OutgoingCall, String>> {
    match transfer {
        Some(Transfer::Dialling { ringing, .. }) => Some(ringing.await.unwrap_or_else(|e| Err(format!("the call out failed: {e}")))),
        Some(Transfer::Referred { until, .. }) => {
            tokio::time::sleep_until(*until).await;
            None
        }
        None => std::future::pending().await,
    }
}
