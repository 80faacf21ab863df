//! `/api/caller`: the simulated customer phone of the caller view. No
//! sign-in (a caller is not a user); same-origin only; one call per socket,
//! ended when the socket closes.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::Extension;
use axum::http::HeaderMap;
use axum::response::Response;
use earshot_domain::{as_seen_by_customer, CallEvent, EventError, NewCall, Origin};
use earshot_protocol::{ApiError, CallId, CallKind, Change, ClientMsg, CustomerCall, Direction, ErrorCode, NumberId, Outcome, Request, ServerMsg};
use earshot_sfu::LegRole;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ws::close_code;
use tokio::sync::{broadcast, watch};

use super::serve::ClientSlot;
use super::live::{admit, error, join_media, not_answered, read};
use super::socket::{answer_within, close_after, frames, send_all, send_close, server_stopping, Frame, Heartbeat, LastTold, MAX_FRAME_BYTES};
use super::client::ClientAddr;
use super::{AppError, AppState};
use crate::live::{Batch, LiveHandle};
use crate::media::customer_holder;
use crate::throttle::{locked, try_again, Throttle};

pub async fn upgrade(
    State(state): State<AppState>,
    Extension(ClientAddr(address)): Extension<ClientAddr>,
    slot: Option<Extension<ClientSlot>>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let caller = Caller {
        live: state.live.clone(),
        dials: Arc::clone(&state.dials),
        address,
        stopping: state.stopping.clone(),
        heartbeat: state.heartbeat,
        call: None,
        deltas: None,
        told: LastTold::default(),
    };
    Ok(ws.max_message_size(MAX_FRAME_BYTES).on_upgrade(move |socket| async move {
        let _place = slot; // a forwarded client's place, for the socket's life
        caller.serve(socket).await
    }))
}

async fn say_goodbye(socket: &mut WebSocket) {
    send_close(socket, close_code::AWAY, "the server is restarting: call again in a moment").await;
}

struct Caller {
    live: LiveHandle,
    /// Dials per client address back off (anonymous callers cannot flood).
    dials: Arc<Mutex<Throttle<IpAddr>>>,
    address: IpAddr,
    stopping: watch::Receiver<bool>,
    /// Ping period: a caller silent for three has hung up, whatever TCP says.
    heartbeat: Duration,
    call: Option<CallId>,
    deltas: Option<broadcast::Receiver<Batch>>,
    /// What the caller was last told of their call.
    told: LastTold<Option<CustomerCall>>,
}

impl Caller {
    async fn serve(mut self, mut socket: WebSocket) {
        let mut heartbeat = Heartbeat::new(self.heartbeat);
        let mut stopping = self.stopping.clone();
        loop {
            let outgoing = tokio::select! {
                _ = server_stopping(&mut stopping) => {
                    say_goodbye(&mut socket).await;
                    break;
                }
                frame = socket.recv() => {
                    heartbeat.heard();
                    match frame {
                        Some(Ok(Message::Text(text))) => match read(&text) {
                            Ok(ClientMsg { id, request }) => match answer_within(id, self.answer(id, request), server_stopping(&mut stopping)).await {
                                Ok(replies) => frames(replies),
                                Err(()) => {
                                    say_goodbye(&mut socket).await;
                                    break;
                                }
                            },
                            Err(refusal) => frames(vec![refusal]),
                        },
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        Some(Ok(Message::Binary(_))) => frames(vec![error(ErrorCode::MalformedRequest, "send JSON text frames")]),
                        Some(Err(e)) => {
                            close_after(&mut socket, e).await;
                            break;
                        }
                        _ => break,
                    }
                }
                beat = heartbeat.beat() => match beat {
                    Ok(ping) => ping,
                    Err(silent) => {
                        tracing::info!("caller silent for {silent:?}: the call ends");
                        break;
                    }
                },
                delta = async { match &mut self.deltas { Some(d) => d.recv().await, None => std::future::pending().await } } => match delta {
                    Ok(batch) => batch.iter().filter_map(|delta| self.on_delta(&delta.change)).map(Frame::message).collect(),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            };
            if send_all(&mut socket, outgoing, heartbeat.dead_after()).await.is_err() {
                tracing::info!("caller took nothing for {:?}: the call ends", heartbeat.dead_after());
                break;
            }
        }
        // The phone was put down: the call ends.
        self.hang_up().await;
    }

    async fn answer(&mut self, id: u32, request: Request) -> Vec<ServerMsg> {
        if let Err(error) = admit(&request, None) {
            return vec![ServerMsg::Reply { id, outcome: Outcome::refused(error) }];
        }
        let outcome = match request {
            Request::Dial { number, phone, offer } => self.dial(number, phone, offer).await,
            Request::HangUp => match self.hang_up().await {
                true => Outcome::Ok,
                false => Outcome::refused(ApiError::new(ErrorCode::NoCall, "you have no call")),
            },
            _ => Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, "a caller may only dial and hang up")),
        };
        vec![ServerMsg::Reply { id, outcome }]
    }

    async fn dial(&mut self, number: NumberId, phone: String, offer: String) -> Outcome {
        if self.call.is_some() {
            return Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, "hang up before dialling again"));
        }
        if let Err(wait) = locked(&self.dials).attempt(self.address, Instant::now()) {
            return Outcome::refused(ApiError::new(ErrorCode::RateLimited, try_again("too many calls from this address", wait)));
        }
        // Watch first, so the answer by an agent cannot be missed.
        match self.live.watch().await {
            Ok(deltas) => self.deltas = Some(deltas),
            Err(why) => return Outcome::refused(not_answered(why)),
        }
        let new = NewCall { origin: Origin::Caller, number, customer_phone: phone, direction: Direction::Inbound, kind: CallKind::Regular };
        let call = match self.live.dial(new).await {
            Ok(Ok(call)) => call,
            Ok(Err(EventError::UnknownNumber(_))) => return Outcome::refused(ApiError::new(ErrorCode::NotFound, "that is not one of the company's numbers")),
            Ok(Err(EventError::LinesBusy)) => return Outcome::refused(ApiError::new(ErrorCode::Busy, "all our lines are busy: please call again later")),
            Ok(Err(_)) => return Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, "your phone number must be + and 6 to 15 digits")),
            Err(why) => return Outcome::refused(not_answered(why)),
        };
        self.call = Some(call);
        let answer = join_media(&self.live, call, LegRole::Customer, customer_holder(call), offer).await;
        if matches!(answer, Outcome::Refused { .. }) {
            self.hang_up().await;
        }
        answer
    }

    /// Ends the call, if any; whether there was one.
    async fn hang_up(&mut self) -> bool {
        let Some(call) = self.call.take() else { return false };
        let _ = self.live.call_event(CallEvent::Ended { call }).await; // already ended is fine
        true
    }

    /// The caller's view of their call, when it changed: only what
    /// [`as_seen_by_customer`] lets through, so a coach joining, a hand, a
    /// phrase or a signal sends nothing at all.
    fn on_delta(&mut self, change: &Change) -> Option<ServerMsg> {
        let mine = self.call?;
        let call = match change {
            Change::CallUpdated { call } if call.id == mine => Some(as_seen_by_customer(call)),
            Change::CallEnded { call } if *call == mine => {
                self.call = None;
                None
            }
            _ => return None,
        };
        self.told.tell_news(call).map(|call| ServerMsg::CustomerCall { call })
    }
}
