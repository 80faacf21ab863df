//! Phone calls from the SIP trunk: each call the line admits becomes a
//! call in the core on the number dialled, queued and put through to an
//! available agent as the caller view's are. Its audio is a phone leg on
//! the call's shard — the customer's seat, so the shard's one rule says
//! what it hears: the ringback while it waits (183, early media), the
//! agent once one takes it (200), never a coach.

use earshot_domain::{CallEvent, Core, EventError, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, CallState, Change, Direction};
use earshot_sfu::{LegId, LineEvent, PhoneLine, RoomId};
use earshot_sip::line::{DialogEvent, IncomingCall, Refusal};
use earshot_sip::sdp::Negotiated;
use tokio::sync::{broadcast, mpsc};

use crate::live::LiveHandle;
use crate::media::{customer_holder, MediaHandle};

/// Takes every call the line admits, each on a task of its own.
pub async fn serve(mut calls: mpsc::Receiver<IncomingCall>, live: LiveHandle, media: MediaHandle) {
    while let Some(call) = calls.recv().await {
        let (live, media) = (live.clone(), media.clone());
        tokio::spawn(async move {
            if let Some(taken) = PhoneCall::take(call, &live, &media).await {
                taken.follow(&live, &media).await;
            }
        });
    }
}

/// What a SIP dialog agreed, as the phone leg carries it.
fn phone_line(agreed: Negotiated) -> PhoneLine {
    PhoneLine { remote: agreed.remote, codec: agreed.codec, dtmf: agreed.dtmf, sends: agreed.direction.sends(), receives: agreed.direction.receives(), answered: false }
}

/// A phone call in the core, its audio joined, ringing.
struct PhoneCall {
    sip: IncomingCall,
    call: CallId,
    leg: LegId,
    /// What the leg carries now.
    line: PhoneLine,
    /// Our answer, sent with the 183 and again with the 200.
    sdp: String,
    /// Each new answer in the dialog says so (RFC 3264 §8).
    version: u64,
    deltas: broadcast::Receiver<crate::live::Batch>,
    lines: mpsc::UnboundedReceiver<LineEvent>,
}

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
        let new = NewCall { origin: Origin::Caller, number, customer_phone: phone, direction: Direction::Inbound, kind: CallKind::Regular };
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
        let (events, lines) = mpsc::unbounded_channel();
        let line = phone_line(agreed);
        let leg = match media.join_phone(room, customer_holder(call), line, events).await {
            Ok(leg) => leg,
            Err(why) => {
                refuse(Refusal::Unavailable, &format!("its audio did not join: {why:?}"));
                let _ = live.call_event(CallEvent::Ended { call }).await;
                return None;
            }
        };
        sip.early_media(&sdp);
        tracing::info!(call = call.0, number = number.0, "a phone call from the SIP trunk");
        Some(PhoneCall { sip, call, leg, line, sdp, version: 1, deltas, lines })
    }

    /// Until the call ends, on either side.
    async fn follow(mut self, live: &LiveHandle, media: &MediaHandle) {
        let room = RoomId(self.call.0);
        loop {
            tokio::select! {
                batch = self.deltas.recv() => match batch {
                    Ok(batch) => {
                        for delta in batch.iter() {
                            match &delta.change {
                                Change::CallUpdated { call } if call.id == self.call && call.state != CallState::Waiting && !self.line.answered => {
                                    self.sip.answer(&self.sdp);
                                    self.line.answered = true;
                                    media.set_line(room, self.leg, self.line);
                                }
                                Change::CallEnded { call } if *call == self.call => {
                                    self.sip.hang_up().await;
                                    return;
                                }
                                _ => {}
                            }
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => {
                        self.sip.hang_up().await;
                        return;
                    }
                },
                event = self.sip.events.recv() => match event {
                    Some(DialogEvent::Reoffered { offer, reply }) => {
                        self.version += 1;
                        let answer = offer.answer(media.rtp_address(room), self.call.0, self.version).map(|(agreed, sdp)| {
                            self.line = PhoneLine { answered: self.line.answered, ..phone_line(agreed) };
                            media.set_line(room, self.leg, self.line);
                            self.sdp = sdp.clone();
                            sdp
                        });
                        let _ = reply.send(answer); // the dialog may have ended meanwhile
                    }
                    Some(DialogEvent::Ended { why }) => {
                        tracing::info!(call = self.call.0, "the phone call ended: {why}");
                        break;
                    }
                    None => break,
                },
                Some(event) = self.lines.recv() => match event {
                    LineEvent::Silent { .. } => {
                        tracing::info!(call = self.call.0, "the phone line sent no audio for too long since the answer: the call ends");
                        self.sip.hang_up().await;
                        break;
                    }
                    LineEvent::Digit { digit, .. } => {
                        let _ = live.call_event(CallEvent::Keypress { call: self.call, key: digit.key }).await; // an ended call hears no more
                    }
                },
            }
        }
        let _ = live.call_event(CallEvent::Ended { call: self.call }).await; // already ended is fine
    }
}
