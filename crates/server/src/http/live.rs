//! `/api/live`: the WebSocket shell around the live core and the SFU. It
//! reads JSON into protocol types, asks the core (and the SFU), and writes
//! JSON back; no rule lives here.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use axum::extract::ws::{close_code, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use earshot_domain::{as_seen_by_agent, CallEvent, CoachingError, Command, Core, EventError};
use earshot_protocol::{
    Access, ApiError, Asker, CallId, CallView, Change, ClientMsg, ErrorCode, Me, MyCall, Outcome, RaisedHand, Request, Role, ServerMsg, UserId, UserView,
    CLOSE_ACCOUNT_CHANGED, CLOSE_SESSION_ENDED, MAX_CLIENT_MESSAGE_BYTES,
};
use earshot_sfu::{LegRole, RoomId};
use tokio::sync::{broadcast, watch};

use super::client::ClientAddr;
use super::serve::ClientSlot;
use super::session::{session_token, CurrentUser};
use super::socket::{answer_within, close_after, frames, send_all, send_close, server_stopping, Frame, Heartbeat, LastTold, MAX_FRAME_BYTES};
use super::session::unavailable;
use super::{AppError, AppState};
use crate::auth::{Auth, Ended, Token};
use crate::throttle::{locked, try_again, Flood, RateLimit};
use crate::live::{Actor, Batch, Delta, LiveHandle, Unavailable};
use crate::media::{user_holder, user_seat, Effect, JoinRefused, MediaHandle};

/// Batches written to a socket in one go at most: a socket that fell
/// behind catches up in few writes, and still hears its own requests'
/// replies between them.
const BATCHES_PER_WRITE: usize = 16;

/// `/api/live?window=N`: the app window the socket serves (a random id per
/// page load), so the coach's audio is known to play in this window.
#[derive(serde::Deserialize)]
pub struct Window {
    #[serde(default)]
    window: u64,
}

/// Refuses foreign origins and anonymous users before upgrading.
pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(Window { window }): Query<Window>,
    slot: Option<axum::Extension<ClientSlot>>,
    ClientAddr(from): ClientAddr,
    user: Result<CurrentUser, AppError>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let CurrentUser(me) = user?;
    // The extractor found this session live; it may end between the two reads.
    let session = session_token(&headers).ok_or_else(not_signed_in)?;
    let (_, expires) = state.auth.session(&session, crate::now()).await.map_err(unavailable)?.ok_or_else(not_signed_in)?;
    let expires = Instant::now() + Duration::from_millis(expires.0.saturating_sub(crate::now().0));
    let ends = Ends {
        stopping: state.stopping.clone(),
        // One timer for the socket's life, not a new one per message.
        expiry: Box::pin(tokio::time::sleep_until(expires)),
        session,
        user: me.id,
        ended: state.auth.ended(),
        auth: state.auth.clone(),
    };
    let connection = Connection {
        live: state.live.clone(),
        media: state.media.clone(),
        actor: Actor { user: me.id, from },
        me,
        window,
        heartbeat: state.heartbeat,
        floods: Arc::clone(&state.floods),
        deltas: None,
        dashboard: false,
        follow_again: false,
        my_call: None,
        last_call: None,
        my_row: None,
        told: LastTold::default(),
        checking_path: false,
    };
    Ok(ws.max_message_size(MAX_FRAME_BYTES).on_upgrade(move |socket| async move {
        let _place = slot; // a forwarded client's place, for the socket's life
        connection.serve(socket, ends).await
    }))
}

/// One signed-in user's socket.
struct Connection {
    live: LiveHandle,
    media: MediaHandle,
    me: Me,
    /// `me`, from the client's address: who the core hears from.
    actor: Actor,
    /// The app window this socket serves.
    window: u64,
    /// Ping period; three without a word from the peer and it is dead.
    heartbeat: Duration,
    /// What each user may do only at a steady rate.
    floods: Arc<std::sync::Mutex<RateLimit<(earshot_protocol::UserId, Flood)>>>,
    /// Every change, once subscribed or watching.
    deltas: Option<broadcast::Receiver<Batch>>,
    /// Subscribed to the dashboard: every delta goes out as it is.
    dashboard: bool,
    /// A subscription this socket asked for found the company between
    /// nodes: after the refusal it closes (1001), and the app subscribes
    /// again with back-off, by then to the node that took the company.
    follow_again: bool,
    /// Agents watching their own call: the call they are on.
    my_call: Option<Option<CallId>>,
    /// The agent's call as last heard, and their own row (their presence).
    last_call: Option<CallView>,
    my_row: Option<UserView>,
    /// What the agent was last told of it.
    told: LastTold<MyCall>,
    /// An audio path check's connection is open.
    checking_path: bool,
}

/// What closes a socket whatever it is doing: the server stopping, the
/// expiry or end of the session it was opened with, a change to its user.
struct Ends {
    stopping: watch::Receiver<bool>,
    expiry: std::pin::Pin<Box<tokio::time::Sleep>>,
    session: Token,
    user: UserId,
    ended: broadcast::Receiver<Ended>,
    auth: Arc<Auth>,
}

enum End {
    Stopping,
    /// The deltas it followed stopped: the company's core moved to
    /// another node (or this server stops).
    Moved,
    Expired,
    SignedOut,
    /// Deactivated.
    Deactivated,
    /// Their password changed in another session.
    PasswordChanged,
    /// Their role or access changed.
    AccountChanged,
}

impl Ends {
    async fn next(&mut self) -> End {
        loop {
            tokio::select! {
                _ = server_stopping(&mut self.stopping) => return End::Stopping,
                _ = &mut self.expiry => return End::Expired,
                ended = self.ended.recv() => {
                    let end = match ended {
                        Ok(Ended::Session(key)) => (key == self.session.key()).then_some(End::SignedOut),
                        Ok(Ended::Sessions { user, keep }) if user == self.user && keep != Some(self.session.key()) => {
                            Some(if keep.is_some() { End::PasswordChanged } else { End::Deactivated })
                        }
                        Ok(Ended::Changed(user)) => (user == self.user).then_some(End::AccountChanged),
                        Ok(Ended::Sessions { .. }) => None,
                        // Too many ends at once to tell: ask. (`auth` holds
                        // the sender, so the channel never closes.) A store
                        // that cannot say keeps the socket: its expiry still
                        // holds. A change of role it missed is told at the
                        // next request's check.
                        Err(_) => matches!(self.auth.session(&self.session, crate::now()).await, Ok(None)).then_some(End::SignedOut),
                    };
                    if let Some(end) = end {
                        return end;
                    }
                }
            }
        }
    }
}

impl End {
    async fn say(self, socket: &mut WebSocket) {
        match self {
            End::Stopping => send_close(socket, close_code::AWAY, "the server is restarting: reconnecting").await,
            End::Moved => send_close(socket, close_code::AWAY, "the company's live state moved to another server: reconnecting").await,
            End::Expired => close(socket, "your session has expired: sign in again").await,
            End::SignedOut => close(socket, "you signed out").await,
            End::Deactivated => close(socket, "your account was deactivated").await,
            End::PasswordChanged => close(socket, "your password was changed in another window: sign in again").await,
            End::AccountChanged => send_close(socket, CLOSE_ACCOUNT_CHANGED, "your account changed: reloading").await,
        }
    }
}

impl Connection {
    async fn serve(mut self, mut socket: WebSocket, mut ends: Ends) {
        let user = self.me.id;
        tracing::info!(user = user.0, "live connection opened");
        self.live.connected(user).await;
        let mut heartbeat = Heartbeat::new(self.heartbeat);
        loop {
            let outgoing = tokio::select! {
                frame = socket.recv() => {
                    heartbeat.heard();
                    match frame {
                        Some(Ok(Message::Text(text))) => match read(&text) {
                            Ok(ClientMsg { id, request }) => match answer_within(id, self.answer(id, request), ends.next()).await {
                                Ok(replies) => frames(replies),
                                Err(end) => {
                                    end.say(&mut socket).await;
                                    break;
                                }
                            },
                            Err(refusal) => frames(vec![refusal]),
                        },
                        Some(Ok(Message::Binary(_))) => frames(vec![error(ErrorCode::MalformedRequest, "send JSON text frames")]),
                        Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                        Some(Ok(Message::Close(_))) | None => break,
                        Some(Err(e)) => {
                            tracing::info!(user = user.0, "live connection failed: {e}");
                            close_after(&mut socket, e).await;
                            break;
                        }
                    }
                }
                end = ends.next() => {
                    end.say(&mut socket).await;
                    break;
                }
                beat = heartbeat.beat() => match beat {
                    Ok(ping) => ping,
                    Err(silent) => {
                        // Its seat is not held beyond the usual grace.
                        tracing::info!(user = user.0, "live peer silent for {silent:?}: dropped");
                        break;
                    }
                },
                batch = next_batch(&mut self.deltas) => match batch {
                    Ok(batch) => match self.with_waiting(&batch) {
                        Ok(frames) => frames,
                        Err(broadcast::error::TryRecvError::Lagged(_)) => frames(self.resync().await),
                        Err(_) => {
                            End::Moved.say(&mut socket).await;
                            break;
                        }
                    },
                    // Too slow to keep up: start over from a fresh snapshot.
                    Err(broadcast::error::RecvError::Lagged(_)) => frames(self.resync().await),
                    Err(broadcast::error::RecvError::Closed) => {
                        End::Moved.say(&mut socket).await;
                        break;
                    }
                },
            };
            if send_all(&mut socket, outgoing, heartbeat.dead_after()).await.is_err() {
                tracing::info!(user = user.0, "live peer took nothing for {:?}: dropped", heartbeat.dead_after());
                break;
            }
            if self.follow_again {
                End::Moved.say(&mut socket).await;
                break;
            }
        }
        self.end_audio_check();
        self.live.disconnected(user).await;
        tracing::info!(user = user.0, "live connection closed");
    }

    /// The replies to one client request. Refused attempts to listen or to
    /// speak are audited, a row each: a user refused too often is told to
    /// wait before the core (and the audit log) hears of more.
    async fn answer(&mut self, id: u32, request: Request) -> Vec<ServerMsg> {
        let audited = Command::try_from(request.clone()).is_ok_and(|command| command.audited_when_refused());
        if audited {
            if let Err(error) = self.may(Flood::RefusedCoaching) {
                return vec![ServerMsg::Reply { id, outcome: Outcome::refused(error) }];
            }
        }
        let replies = self.respond(id, request).await;
        if audited && matches!(replies.last(), Some(ServerMsg::Reply { outcome: Outcome::Refused { .. }, .. })) {
            let _ = self.take(Flood::RefusedCoaching); // counted; the next one waits
        }
        replies
    }

    async fn respond(&mut self, id: u32, request: Request) -> Vec<ServerMsg> {
        if let Err(error) = admit(&request, Some((self.me.role, self.me.access))) {
            // An attempt to listen or to speak is audited even when the gate stops it.
            if let Ok(command) = Command::try_from(request) {
                self.live.refused(self.actor, command, error.message.clone()).await;
            }
            return vec![ServerMsg::Reply { id, outcome: Outcome::refused(error) }];
        }
        let mut before = Vec::new();
        let outcome = match request {
            Request::Subscribe => match async { self.take(Flood::Subscribes)?; self.subscribe().await }.await {
                Ok(snapshot) => {
                    before.push(snapshot);
                    Outcome::Ok
                }
                Err(error) => Outcome::refused(error),
            },
            Request::StartCoaching { call, notify_agent, offer } => self.start_coaching(call, notify_agent, offer).await,
            Request::ReconnectCoaching { call, offer } => self.reconnect_coaching(call, offer).await,
            Request::CheckAudioPath { offer } => self.check_audio_path(offer).await,
            Request::EndAudioCheck => {
                self.end_audio_check();
                Outcome::Ok
            }
            Request::WatchMyCall => match self.watch_my_call().await {
                Ok(mine) => {
                    before.push(mine);
                    Outcome::Ok
                }
                Err(error) => Outcome::refused(error),
            },
            Request::JoinMyCall { offer } => self.join_my_call(offer).await,
            Request::HangUp => self.on_my_call(|call| Ok(CallEvent::Ended { call })).await,
            Request::Hold { on } => match self.take(Flood::Holds) {
                Ok(()) => self.on_my_call(|call| Ok(CallEvent::Hold { call, on })).await,
                Err(error) => Outcome::refused(error),
            },
            Request::Tag { tag } => match self.take(Flood::Notes) {
                Ok(()) => self.on_my_call(|call| bounded(&tag, 1..=40, "a tag").map(|tag| CallEvent::Tagged { call, tag })).await,
                Err(error) => Outcome::refused(error),
            },
            // Rate-limited like notes: each change is on every dashboard.
            Request::SetPresence { available, reason } => match self.take(Flood::Notes).and_then(|()| bounded(&reason, 0..=UserView::MAX_REASON, "a reason")) {
                Ok(reason) => match self.live.set_presence(self.me.id, available, reason).await {
                    Ok(Ok(())) => Outcome::Ok,
                    Ok(Err(_)) => Outcome::refused(ApiError::new(ErrorCode::NotFound, "the server does not know you as an agent")),
                    Err(why) => Outcome::refused(not_answered(why)),
                },
                Err(error) => Outcome::refused(error),
            },
            Request::Transfer { to } => self.on_my_call(|call| Ok(CallEvent::TransferredToAgent { call, agent: to })).await,
            // Rate-limited like notes: each one is a call out through the trunk.
            Request::TransferOutside { number } => match self.take(Flood::Notes) {
                Ok(()) => self.on_my_call(|call| outside_number(&number).map(|number| CallEvent::TransferOutsideAsked { call, number })).await,
                Err(error) => Outcome::refused(error),
            },
            Request::Comment { text } => match self.take(Flood::Notes) {
                Ok(()) => self.on_my_call(|call| bounded(&text, 1..=1000, "a comment").map(|text| CallEvent::Commented { call, text })).await,
                Err(error) => Outcome::refused(error),
            },
            // Rate-limited like notes: a hand raised again and again would
            // ring every supervisor's dashboard.
            Request::RaiseHand { reason } => match (self.take(Flood::Notes), bounded(&reason, 0..=RaisedHand::MAX_REASON, "a reason for help")) {
                (Ok(()), Ok(reason)) => self.on_my_call(|call| Ok(CallEvent::HandRaised { call, reason })).await,
                (Err(error), _) | (_, Err(error)) => Outcome::refused(error),
            },
            Request::LowerHand => self.on_my_call(|call| Ok(CallEvent::HandLowered { call })).await,
            other => match Command::try_from(other) {
                Ok(command) => outcome(self.live.command(self.actor, command).await),
                Err(other) => Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, format!("unsupported request {other:?}"))),
            },
        };
        before.push(ServerMsg::Reply { id, outcome });
        before
    }

    async fn subscribe(&mut self) -> Result<ServerMsg, ApiError> {
        let subscription = self.live.subscribe(self.me.id).await.map_err(|why| self.not_followed(why))?.map_err(|e| refused(&e))?;
        self.deltas = Some(subscription.deltas);
        self.dashboard = true;
        Ok(ServerMsg::Snapshot(subscription.snapshot))
    }

    /// Why a subscription was not made, noting one the company's move
    /// caused (see `follow_again`).
    fn not_followed(&mut self, why: Unavailable) -> ApiError {
        self.follow_again |= matches!(why, Unavailable::NoOwner | Unavailable::Late);
        not_answered(why)
    }

    async fn resync(&mut self) -> Vec<ServerMsg> {
        if self.dashboard {
            return self.subscribe().await.into_iter().collect();
        }
        // Watching one call: re-read it.
        self.watch_my_call().await.into_iter().collect()
    }

    /// Joins the domain session, then the media with the offer: one round trip.
    async fn start_coaching(&mut self, call: CallId, notify_agent: bool, offer: Option<String>) -> Outcome {
        let joined = outcome(self.live.command(self.actor, Command::StartCoaching { call, notify_agent }).await);
        let (Outcome::Ok, Some(offer)) = (&joined, offer) else { return joined };
        let refused = match self.live.join_audio(call, LegRole::Coach, user_holder(self.me.id), offer).await {
            Ok(Ok(sdp)) => return self.audio_here(Outcome::Answer { call, sdp }).await,
            // The session ended before its audio joined: there is nothing to undo.
            Ok(Err(refused @ JoinRefused::NoSeat)) => return join_refused(LegRole::Coach, refused),
            Ok(Err(refused)) => join_refused(LegRole::Coach, refused),
            Err(why) => Outcome::refused(not_answered(why)),
        };
        // No audio, no session: undo the join so nobody is blocked.
        let _ = self.live.command(self.actor, Command::LeaveCoaching).await;
        refused
    }

    /// The session goes on, listening; the new connection replaces the old
    /// one. A session that ends meanwhile has no seat left to join.
    async fn reconnect_coaching(&mut self, call: CallId, offer: String) -> Outcome {
        let reconnected = outcome(self.live.command(self.actor, Command::ReconnectCoaching { call }).await);
        if reconnected != Outcome::Ok {
            return reconnected;
        }
        let answer = join_media(&self.live, call, LegRole::Coach, user_holder(self.me.id), offer).await;
        self.audio_here(answer).await
    }

    /// After the media answered: the coach's audio plays in this window now.
    async fn audio_here(&self, answer: Outcome) -> Outcome {
        if matches!(answer, Outcome::Answer { .. }) {
            // The session may have ended meanwhile: then there is nothing to place.
            let _ = self.live.command(self.actor, Command::AudioIn { window: self.window }).await;
        }
        answer
    }

    /// The setup's audio path check: a leg alone in the user's own check
    /// room, so nothing is ever forwarded to or from it. Only dashboards
    /// (whom the core let subscribe) coach, so only they check.
    async fn check_audio_path(&mut self, offer: String) -> Outcome {
        if !self.dashboard {
            return Outcome::refused(ApiError::new(ErrorCode::NoMonitoringAccess, "the audio path check is part of coaching setup: open the dashboard first"));
        }
        self.checking_path = true;
        let seat = user_seat(self.me.id, 0);
        self.media.apply(Effect::Grant { room: check_room(self.me.id), role: LegRole::Coach, seat });
        match self.media.join(check_room(self.me.id), LegRole::Coach, seat.holder, offer).await {
            Ok(sdp) => Outcome::PathCheck { sdp },
            Err(refused) => join_refused(LegRole::Coach, refused),
        }
    }

    fn end_audio_check(&mut self) {
        if std::mem::take(&mut self.checking_path) {
            self.media.apply(Effect::Close { room: check_room(self.me.id) });
        }
    }

    async fn watch_my_call(&mut self) -> Result<ServerMsg, ApiError> {
        self.deltas = Some(self.live.watch().await.map_err(|why| self.not_followed(why))?);
        let call = self.live.my_call(self.me.id).await.map_err(|why| self.not_followed(why))?;
        self.my_row = self.live.user_row(self.me.id).await.map_err(|why| self.not_followed(why))?;
        self.my_call = Some(call.as_ref().map(|c| c.id));
        self.last_call = call;
        Ok(ServerMsg::MyCall(self.told.tell(self.agent_view())))
    }

    async fn join_my_call(&mut self, offer: String) -> Outcome {
        let call = match self.current_call().await {
            Ok(call) => call,
            Err(error) => return Outcome::refused(error),
        };
        join_media(&self.live, call.id, LegRole::Agent, user_holder(self.me.id), offer).await
    }

    /// An agent's action on their own call: hang up, hold, tag, comment.
    async fn on_my_call(&mut self, event: impl FnOnce(CallId) -> Result<CallEvent, ApiError>) -> Outcome {
        let event = match self.current_call().await.and_then(|call| event(call.id)) {
            Ok(event) => event,
            Err(error) => return Outcome::refused(error),
        };
        match self.live.call_event(event).await {
            Ok(Ok(())) => Outcome::Ok,
            Ok(Err(EventError::AgentBusy(_) | EventError::UnknownUser(_) | EventError::NotAnAgent(_))) => {
                Outcome::refused(ApiError::new(ErrorCode::AgentUnavailable, "that colleague is no longer available"))
            }
            Ok(Err(EventError::NoOutsideLine)) => {
                Outcome::refused(ApiError::new(ErrorCode::NoOutsideLine, "only a call from a phone line can go to an outside number"))
            }
            Ok(Err(EventError::TransferUnderWay)) => {
                Outcome::refused(ApiError::new(ErrorCode::TransferUnderWay, "the call is being transferred to an outside number already"))
            }
            Ok(Err(EventError::BadPhone)) => Outcome::refused(bad_outside_number()),
            Ok(Err(EventError::TooManyTags)) => {
                Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, format!("a call takes at most {} tags", Core::MAX_TAGS)))
            }
            Ok(Err(EventError::TooManyComments)) => {
                Outcome::refused(ApiError::new(ErrorCode::MalformedRequest, format!("a call takes at most {} comments", Core::MAX_COMMENTS)))
            }
            Ok(Err(_)) => Outcome::refused(ApiError::new(ErrorCode::NoCall, "your call has just ended")),
            Err(why) => Outcome::refused(not_answered(why)),
        }
    }

    /// One more `flood` from this user, unless they do it too often.
    fn take(&self, flood: Flood) -> Result<(), ApiError> {
        let taken = locked(&self.floods).take((self.me.id, flood), std::time::Instant::now());
        taken.map_err(|wait| too_fast(flood, wait))
    }

    /// Whether this user may do one more `flood` now, counting none.
    fn may(&self, flood: Flood) -> Result<(), ApiError> {
        locked(&self.floods).wait(&(self.me.id, flood), std::time::Instant::now()).map_err(|wait| too_fast(flood, wait))
    }

    async fn current_call(&self) -> Result<CallView, ApiError> {
        self.live.my_call(self.me.id).await.map_err(not_answered)?.ok_or_else(|| ApiError::new(ErrorCode::NoCall, "you have no call"))
    }

    /// `first`'s frames and those of the batches already waiting behind it
    /// (a bounded few), so that a socket that fell behind catches up in
    /// one write.
    fn with_waiting(&mut self, first: &Batch) -> Result<Vec<Frame>, broadcast::error::TryRecvError> {
        let mut out = self.on_batch(first);
        for _ in 1..BATCHES_PER_WRITE {
            let Some(deltas) = &mut self.deltas else { break };
            match deltas.try_recv() {
                Ok(batch) => out.extend(self.on_batch(&batch)),
                Err(broadcast::error::TryRecvError::Empty) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    fn on_batch(&mut self, batch: &Batch) -> Vec<Frame> {
        batch.iter().flat_map(|delta| self.on_delta(delta)).collect()
    }

    fn on_delta(&mut self, delta: &Delta) -> Vec<Frame> {
        let mut out = Vec::new();
        if self.dashboard {
            out.push(Frame::Json(delta.json.clone()));
        }
        if let Some(mine) = &mut self.my_call {
            let me = self.me.id;
            let changed = match &delta.change {
                Change::CallUpdated { call } if call.agent == Some(me) => {
                    *mine = Some(call.id);
                    self.last_call = Some(call.clone());
                    true
                }
                Change::CallUpdated { call } if *mine == Some(call.id) => {
                    *mine = None;
                    self.last_call = None;
                    true
                }
                Change::CallEnded { call } if *mine == Some(*call) => {
                    *mine = None;
                    self.last_call = None;
                    true
                }
                Change::UserUpdated { user } if user.id == me => {
                    self.my_row = Some(user.clone());
                    true
                }
                _ => false,
            };
            if let Some(mine) = changed.then(|| self.agent_view()).and_then(|view| self.told.tell_news(view)) {
                out.push(Frame::message(ServerMsg::MyCall(mine)));
            }
        }
        out
    }

    /// The agent's row and call as they may see it (no silent coach).
    fn agent_view(&self) -> MyCall {
        let call = self.last_call.clone().map(as_seen_by_agent);
        let coached_by = call.as_ref().and_then(|c| c.coaching.as_ref()).map(|s| s.coach_name.clone());
        MyCall { me: self.my_row.clone(), call, agent_name: Some(self.me.name.clone()), coached_by }
    }
}

/// An outside number as an agent typed it (`+44 20 7946 0123`,
/// `0044…`), in E.164.
fn outside_number(typed: &str) -> Result<String, ApiError> {
    earshot_sip::trunk::dialled(typed.trim()).ok_or_else(bad_outside_number)
}

fn bad_outside_number() -> ApiError {
    ApiError::new(ErrorCode::MalformedRequest, "not a phone number: give it in international form, such as +44 20 7946 0123")
}

fn too_fast(flood: Flood, wait: Duration) -> ApiError {
    ApiError::new(ErrorCode::RateLimited, try_again(flood.too_fast(), wait))
}

/// A client frame's message, or the error that says why it is not one.
pub fn read(text: &str) -> Result<ClientMsg, ServerMsg> {
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        let message = format!("messages are limited to {MAX_CLIENT_MESSAGE_BYTES} bytes");
        return Err(error(ErrorCode::MessageTooLarge, &message));
    }
    serde_json::from_str(text).map_err(|e| error(ErrorCode::MalformedRequest, &format!("cannot read this message: {e}")))
}

/// Closes the socket with 1008 (policy violation: no session) and why.
async fn close(socket: &mut WebSocket, reason: &'static str) {
    send_close(socket, CLOSE_SESSION_ENDED, reason).await;
}

fn not_signed_in() -> AppError {
    AppError::new(axum::http::StatusCode::UNAUTHORIZED, ErrorCode::NotSignedIn, "sign in first")
}

async fn next_batch(deltas: &mut Option<broadcast::Receiver<Batch>>) -> Result<Batch, broadcast::error::RecvError> {
    match deltas {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Audio path checks get media rooms of their own, one per user, far above
/// any call's.
fn check_room(user: earshot_protocol::UserId) -> RoomId {
    RoomId(1 << 63 | u64::from(user.0))
}

/// Puts `holder` in `call`'s media room as `role`: the SFU's answer to
/// `offer`, or why not.
pub async fn join_media(live: &LiveHandle, call: CallId, role: LegRole, holder: u64, offer: String) -> Outcome {
    match live.join_audio(call, role, holder, offer).await {
        Ok(Ok(sdp)) => Outcome::Answer { call, sdp },
        Ok(Err(refused)) => join_refused(role, refused),
        Err(why) => Outcome::refused(not_answered(why)),
    }
}

/// A refused join as the client reads it.
fn join_refused(role: LegRole, refused: JoinRefused) -> Outcome {
    Outcome::refused(match (refused, role) {
        (JoinRefused::NoSeat, LegRole::Coach) => ApiError::new(ErrorCode::NotCoaching, "your coaching session ended before its audio connected"),
        (JoinRefused::NoSeat, LegRole::Agent) => ApiError::new(ErrorCode::NoCall, "this call is no longer yours"),
        (JoinRefused::NoSeat, LegRole::Customer) => ApiError::new(ErrorCode::NoCall, "your call has ended"),
        (JoinRefused::Offer(why), _) => ApiError::new(ErrorCode::MediaRefused, why),
        (JoinRefused::Stopping, _) => not_answered(Unavailable::Stopping),
    })
}

/// Trimmed `text` of 1 to `max` characters, or a clear refusal.
/// An optional reason: empty is fine, too long is not.
/// `text` trimmed, if it has `lengths` characters; else what it must have.
fn bounded(text: &str, lengths: std::ops::RangeInclusive<usize>, what: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if lengths.contains(&text.chars().count()) {
        return Ok(text.to_owned());
    }
    let (least, most) = lengths.into_inner();
    let must = if least == 0 { format!("at most {most}") } else { format!("{least} to {most}") };
    Err(ApiError::new(ErrorCode::MalformedRequest, format!("{what} must have {must} characters")))
}

fn outcome(result: Result<Result<(), CoachingError>, Unavailable>) -> Outcome {
    match result {
        Ok(Ok(())) => Outcome::Ok,
        Ok(Err(refusal)) => Outcome::refused(refused(&refusal)),
        Err(unavailable) => Outcome::refused(not_answered(unavailable)),
    }
}

/// A domain refusal as the wire carries it.
/// The protocol's gate, before any rule runs: whether `asker` may send
/// `request` at all (deny by default), and if not, why in the app's terms.
pub fn admit(request: &Request, asker: Asker) -> Result<(), ApiError> {
    let access = request.access();
    if access.admits(asker) {
        return Ok(());
    }
    Err(match (access, asker) {
        (_, None) => ApiError::new(ErrorCode::MalformedRequest, "a caller may only dial and hang up"),
        (Access::Callers, Some(_)) => ApiError::new(ErrorCode::MalformedRequest, "callers dial on /api/caller"),
        (Access::Agents | Access::AgentsAndCallers, Some(_)) => ApiError::new(ErrorCode::NoCall, "only agents take calls"),
        (_, Some((Role::Agent, _))) => refused(&CoachingError::AgentsCannotCoach),
        (_, Some(_)) => refused(&CoachingError::NoMonitoringAccess),
    })
}

pub fn refused(refusal: &CoachingError) -> ApiError {
    ApiError::new(refusal.code(), refusal.to_string())
}

/// Why the core did not answer, as the wire carries it.
pub fn not_answered(why: Unavailable) -> ApiError {
    let code = match why {
        Unavailable::StoreAway | Unavailable::NoOwner | Unavailable::Late => ErrorCode::Unavailable,
        Unavailable::Stopping | Unavailable::NotKept => ErrorCode::Internal,
    };
    ApiError::new(code, why.to_string())
}

pub fn error(code: ErrorCode, message: &str) -> ServerMsg {
    ServerMsg::Error { error: ApiError::new(code, message) }
}
