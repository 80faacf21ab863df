//! The task that owns the core: one mutation at a time, then every output
//! drained, the deltas published (at most once a [`PUBLISH_EVERY`]), then
//! wait for the next request or deadline.

use std::time::Duration;

use earshot_domain::{Core, Origin, Output};
use earshot_protocol::{Millis, ServerMsg};
use earshot_sfu::RoomId;
use earshot_simulator::{SimConfig, Simulator};
use earshot_store::{NotKept, Writer};
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

use super::{AdminChange, Actor, ContactChange, ContactDone, NumberChange, Batch, Delta, LiveHandle, Request, Subscription, Unavailable};
use crate::listen::Ears;
use crate::media::{Effect, MediaHandle};
use crate::now;
use crate::supervise;

/// Batches a slow subscriber may fall behind before it is resynchronised.
const BROADCAST_CAPACITY: usize = 4096;

/// The shortest time between two publications. A change after a quiet spell
/// goes out at once; under load, changes gather for at most this long (about
/// a dashboard's frame), and each of thousands of sockets is woken and
/// written once for all of them.
pub const PUBLISH_EVERY: Duration = Duration::from_millis(10);

/// How often a simulator paused by an away database looks again.
const STORE_AWAY_RECHECK: Duration = Duration::from_millis(500);

/// Starts the task owning `core`; it ends when every [`LiveHandle`] is dropped.
pub fn spawn(core: Core, simulator: Option<SimConfig>, media: MediaHandle, ears: Ears, store: Writer) -> LiveHandle {
    let (tx, rx) = mpsc::channel(256);
    let simulator = simulator.map(|config| Simulator::new(config, &core, now()));
    let (deltas, _) = broadcast::channel(BROADCAST_CAPACITY);
    let owner = Owner { core, simulator, deltas, pending: Vec::new(), published: Instant::now(), media, ears, store, actor: None };
    // A thread of its own: under load the core is not queued behind
    // thousands of socket tasks (every delta would wait for them).
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the live core");
    supervise::thread("live-core", move || runtime.block_on(owner.run(rx)))
        .expect("a thread for the live core");
    LiveHandle { route: super::Route::Core(tx) }
}

struct Owner {
    core: Core,
    simulator: Option<Simulator>,
    deltas: broadcast::Sender<Batch>,
    /// Deltas made since the last publication, in order.
    pending: Vec<Delta>,
    published: Instant,
    media: MediaHandle,
    /// The calls' listener follows holds and ends.
    ears: Ears,
    /// Writes the core's records, in order.
    store: Writer,
    /// Who asked for the change being made: the next flush notes their
    /// address on the log entries of their own acts.
    actor: Option<Actor>,
}

impl Owner {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        loop {
            let wait = self.next_deadline().map(|at| Duration::from_millis(at.0.saturating_sub(now().0)));
            let publish = (!self.pending.is_empty()).then(|| self.published + PUBLISH_EVERY);
            tokio::select! {
                request = rx.recv() => match request {
                    Some(Request::Stop { reply }) => {
                        // Their records stay live: the next owner ends them.
                        let rooms: Vec<_> = self.core.live_calls().map(|call| RoomId(call.id.0)).collect();
                        for room in rooms {
                            self.follow(Effect::Close { room });
                        }
                        let _ = reply.send(());
                        break;
                    }
                    Some(request) => self.on_request(request),
                    None => break,
                },
                _ = sleep(wait) => self.on_timeout(now()),
                _ = sleep_until(publish) => self.publish(),
            }
            self.flush();
        }
    }

    fn next_deadline(&self) -> Option<Millis> {
        // The simulated centre pauses while the database is away, looking
        // again every so often.
        let sim = self.simulator.as_ref().map(|sim| match self.store.away() {
            true => Millis(now().0 + STORE_AWAY_RECHECK.as_millis() as u64),
            false => sim.poll_timeout(),
        });
        sim.into_iter().chain(self.core.poll_timeout()).min()
    }

    fn on_timeout(&mut self, now: Millis) {
        if let Some(sim) = &mut self.simulator {
            if sim.poll_timeout() <= now && !self.store.away() {
                sim.handle_timeout(now, &mut self.core);
            }
        }
        if self.core.poll_timeout().is_some_and(|at| at <= now) {
            self.core.handle_timeout(now);
        }
    }

    fn on_request(&mut self, request: Request) {
        let now = now();
        // A dropped reply receiver means the asker gave up; nothing to do.
        match request {
            Request::Subscribe { user, reply } => {
                // What is pending is in the snapshot: the new subscriber's
                // first batch is the first change after it.
                self.publish();
                let subscription = self.core.check_viewer(user).map(|()| Subscription {
                    snapshot: self.core.snapshot(now),
                    deltas: self.deltas.subscribe(),
                });
                let _ = reply.send(subscription);
            }
            Request::Watch { reply } => {
                self.publish();
                let _ = reply.send(self.deltas.subscribe());
            }
            Request::MyCall { agent, reply } => {
                let call = self.core.live_calls().find(|c| c.agent == Some(agent)).map(|c| c.id);
                let _ = reply.send(call.and_then(|id| self.core.snapshot_call(id)));
            }
            Request::Call { call, reply } => {
                let _ = reply.send(self.core.snapshot_call(call));
            }
            Request::UserRow { user, reply } => {
                let _ = reply.send(self.core.user_row(user));
            }
            Request::SetPresence { user, available, reason, reply } => {
                let _ = reply.send(self.core.set_presence(now, user, available, &reason));
            }
            Request::AvailableAgents { reply } => {
                let _ = reply.send(self.core.available_agents());
            }
            // Changes: refused unmade while the database is away, so
            // that nothing piles up in memory behind it.
            Request::Command { reply, .. } if self.store.away() => refuse(reply),
            Request::Refused { reply, .. } if self.store.away() => refuse(reply),
            Request::StartCall { reply, .. } if self.store.away() => refuse(reply),
            Request::Dial { reply, .. } if self.store.away() => refuse(reply),
            Request::Event { reply, .. } if self.store.away() => refuse(reply),
            Request::Admin { reply, .. } if self.store.away() => refuse(reply),
            Request::Number { reply, .. } if self.store.away() => refuse(reply),
            Request::ContactChange { reply, .. } if self.store.away() => refuse(reply),
            Request::NotePassword { reply, .. } if self.store.away() => refuse(reply),
            Request::NoteSetting { reply, .. } if self.store.away() => refuse(reply),
            Request::Command { actor, command, reply } => {
                let done = self.acting(actor).handle(now, actor.user, command);
                self.reply_when_kept(reply, done);
            }
            Request::Refused { actor, command, why, reply } => {
                self.acting(actor).refused(now, actor.user, &command, &why);
                self.reply_when_kept(reply, ());
            }
            Request::CallDetail { user, call, reply } => {
                let _ = reply.send(self.core.call_detail_for(user, call));
            }
            Request::Contact { user, contact, reply } => {
                let _ = reply.send(self.core.check_viewer(user).map(|()| self.core.contact_calls(contact)));
            }
            // Answered once the outputs are out: the customer's seat is
            // granted before the caller's socket can ask to join it.
            Request::StartCall { call, reply } => {
                let call = self.core.start_call(now, call);
                self.flush();
                let _ = reply.send(Ok(call));
            }
            Request::Dial { call, reply } => {
                let call = self.core.dial(now, call);
                self.flush();
                let _ = reply.send(Ok(call));
            }
            Request::Event { event, reply } => {
                let done = self.core.apply(now, event);
                self.reply_when_kept(reply, done);
            }
            Request::Connected { user } => self.core.connected(now, user),
            Request::Disconnected { user } => self.core.disconnected(now, user),
            Request::Directory { reply } => {
                let _ = reply.send(self.core.shared_directory());
            }
            Request::Admin { change, reply } => {
                let done = match change {
                    AdminChange::SavePerson { actor, id, form } => self.acting(actor).save_person(now, actor.user, id, &form),
                    AdminChange::SetActive { actor, id, active } => self.acting(actor).set_active(now, actor.user, id, active),
                    AdminChange::FirstAdmin { form, from } => {
                        self.core.add_first_admin(now, &form).inspect(|admin| self.actor = Some(Actor { user: admin.id, from }))
                    }
                };
                self.reply_when_kept(reply, done);
            }
            Request::Number { change, reply } => {
                let done = match change {
                    NumberChange::Save { actor, id, form } => self.acting(actor).save_number(now, actor.user, id, &form).map(Some),
                    NumberChange::Remove { actor, id } => self.acting(actor).remove_number(now, actor.user, id).map(|()| None),
                };
                self.reply_when_kept(reply, done);
            }
            Request::ContactChange { change, reply } => {
                let done = match change {
                    ContactChange::Save { actor, id, form } => self.acting(actor).save_contact(now, actor.user, id, &form).map(ContactDone::Saved),
                    ContactChange::Remove { actor, id } => self.acting(actor).remove_contact(now, actor.user, id).map(|()| ContactDone::Removed),
                    ContactChange::Import { actor, import } => self
                        .acting(actor)
                        .import_contacts(now, actor.user, &import.csv, import.region.as_deref(), import.skip_invalid)
                        .map(|(added, skipped)| ContactDone::Imported { added, skipped }),
                };
                self.reply_when_kept(reply, done);
            }
            Request::NotePassword { actor, person, action, reply } => {
                let done = self.acting(actor).note_password(now, actor.user, person, action);
                self.reply_when_kept(reply, done);
            }
            Request::NoteSetting { actor, action, subject, before, after, reply } => {
                let done = self.acting(actor).note_setting(now, actor.user, action, &subject, before, after);
                self.reply_when_kept(reply, done);
            }
            Request::Settings { settings, phrases, reply } => {
                self.core.set_long_hold(Duration::from_millis(settings.long_hold_ms));
                self.ears.settings(crate::listen::thresholds(&settings), phrases);
                let _ = reply.send(());
            }
            Request::JoinAudio { call, role, holder, offer, reply } => {
                // After the seat's grant on the media's queue; answered
                // without holding up the core.
                let joining = self.media.join(RoomId(call.0), role, holder, offer);
                tokio::spawn(async move {
                    let _ = reply.send(joining.await);
                });
            }
            Request::Stop { .. } => unreachable!("the run loop stops"),
        }
    }

    /// The core, to make a change `actor` asked for.
    fn acting(&mut self, actor: Actor) -> &mut Core {
        self.actor = Some(actor);
        &mut self.core
    }

    /// Answers once what the request changed is committed: a user told
    /// "done" never loses it to a crash. The core goes on meanwhile.
    fn reply_when_kept<T: Send + 'static>(&mut self, reply: oneshot::Sender<Result<T, Unavailable>>, answer: T) {
        self.flush();
        self.store.after_commit(move |kept| {
            let _ = reply.send(kept.map(|()| answer).map_err(|NotKept| Unavailable::NotKept)); // the asker may have gone
        });
    }

    /// Serialises each delta once for every subscriber; the media follows the
    /// calls; the store keeps the records.
    fn flush(&mut self) {
        // What the audit log and the timeline record (a whisper, a hold)
        // reaches the audio only once it is kept: after every record made
        // with it, whichever order the core gave them in.
        let mut when_kept = Vec::new();
        let actor = self.actor.take();
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::Delta { seq, change } => {
                    let message = ServerMsg::Delta { seq, change };
                    // Protocol types always serialise.
                    let json = serde_json::to_string(&message).expect("protocol types serialise");
                    let ServerMsg::Delta { change, .. } = message else { unreachable!("built just above") };
                    self.pending.push(Delta { seq, change, json: json.into() });
                }
                Output::CoachJoined { call, .. } if self.core.call(call).is_some_and(|c| c.origin == Origin::Simulated) => {
                    self.follow(Effect::of(&output).expect("a coach's seat"));
                    self.media.simulate(RoomId(call.0));
                }
                Output::Record(mut record) => {
                    if let Some(actor) = actor {
                        record.came_from(actor.user, actor.from);
                    }
                    self.store.write(record)
                }
                other => match Effect::of(&other) {
                    Some(effect) if effect.waits_for_commit() => when_kept.push(effect),
                    Some(effect) => self.follow(effect),
                    None => tracing::debug!(?other, "output with no consumer"),
                },
            }
        }
        if !when_kept.is_empty() {
            let (media, ears) = (self.media.clone(), self.ears.clone());
            self.store.after_commit(move |kept| {
                if kept.is_ok() {
                    when_kept.into_iter().for_each(|effect| follow(&media, &ears, effect));
                }
            });
        }
        if self.published.elapsed() >= PUBLISH_EVERY {
            self.publish();
        }
    }

    fn follow(&self, effect: Effect) {
        follow(&self.media, &self.ears, effect);
    }

    /// Hands every pending delta to every subscriber, as one batch.
    fn publish(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let batch: Batch = std::mem::take(&mut self.pending).into();
        let _ = self.deltas.send(batch); // no subscribers is fine
        self.published = Instant::now();
    }
}

/// The call's audio, and the listener that hears it, follow `effect`.
fn follow(media: &MediaHandle, ears: &Ears, effect: Effect) {
    match effect {
        Effect::Hold { room, on } => ears.held(room, on),
        Effect::Close { room } => ears.ended(room),
        _ => {}
    }
    media.apply(effect);
}

/// A change refused before it is made: the database is away.
fn refuse<T>(reply: oneshot::Sender<Result<T, Unavailable>>) {
    let _ = reply.send(Err(Unavailable::StoreAway)); // the asker may have gone
}

async fn sleep(wait: Option<Duration>) {
    match wait {
        Some(wait) => tokio::time::sleep(wait).await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
