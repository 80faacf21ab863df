//! Several nodes: real server processes on one private `nats-server -js`
//! and one PostgreSQL database, with dashboards, agents, a caller and a
//! coach spread over them: the node that owns the company's core killed,
//! or stopped past its lease; nats-server restarted under changes; and who
//! may sign in, changed on one node, changed on all.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_cluster::private::PrivateNats;
use earshot_protocol::{AuditAction, AuditEntry, AuditLog, Change, Outcome, Request, ServerMsg, Snapshot, UserId, UserStatus, UserView, CALLER_PAGE_PHONE};

use crate::helpers::{LiveClient, Site, ALEX, SAM};
use crate::media::coach_offer;
use crate::process::{Data, Server};

const ADA: &str = "ada@earshot.demo";

/// How long the company may go without an owner when its owner dies: the
/// lease's expiry (about 6 s) and the takeover.
const TAKEOVER_WITHIN: Duration = Duration::from_secs(10);

/// The demo company, without its simulator, on node `name` of the cluster
/// `nats` serves.
fn node(data: &Data, nats: &PrivateNats, name: &str) -> Server {
    Server::start_with(data, &["--demo", "--no-simulator", "--nats", &nats.url(), "--node", name])
}

/// A dashboard on `site` and its first snapshot, asked again while the
/// company's core is between owners, until `deadline`.
async fn dashboard(site: &Site, cookie: &str, deadline: Instant) -> (LiveClient, Snapshot) {
    loop {
        let mut client = site.live_client_with(cookie).await;
        let (outcome, before) = client.request(Request::Subscribe).await;
        if let Some(snapshot) = before.into_iter().find_map(|m| if let ServerMsg::Snapshot(s) = m { Some(s) } else { None }) {
            return (client, snapshot);
        }
        assert!(Instant::now() < deadline, "no snapshot in time: {outcome:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What two dashboards must agree on: all but the clock and the sequence.
fn state(snapshot: &Snapshot) -> impl PartialEq + std::fmt::Debug + '_ {
    (&snapshot.numbers, &snapshot.users, &snapshot.calls)
}

fn ok(outcome: (Outcome, Vec<ServerMsg>)) {
    assert_eq!(outcome.0, Outcome::Ok);
}

/// A database and a NATS server of `test`'s own, and node A on them,
/// owning the company; `None` without a PostgreSQL server to test on.
async fn cluster(test: &str) -> Option<(Data, PrivateNats, Server)> {
    let Some(data) = Data::postgres_named(test).await else {
        eprintln!("skipped: EARSHOT_TEST_POSTGRES names no server");
        return None;
    };
    let nats = PrivateNats::start().expect("a private nats-server (cargo xtask test installs it)");
    // A first, so it seeds the demo company and takes the lease.
    let a = node(&data, &nats, "a");
    let sam = a.site.session_cookie(SAM).await;
    dashboard(&a.site, &sam, Instant::now() + TAKEOVER_WITHIN).await;
    Some((data, nats, a))
}

/// The users a dashboard on `site` shows, kept as the app keeps them: its
/// snapshot, then each delta in order (one the snapshot already has is
/// skipped; after a gap, or when the socket ends, it subscribes again),
/// until nothing comes for `quiet` once `changing` is false. And how
/// often it started over.
async fn users_followed(site: Site, cookie: String, quiet: Duration, changing: Arc<AtomicBool>) -> (BTreeMap<UserId, UserView>, usize) {
    let mut restarts = 0;
    'subscribed: loop {
        let (mut client, snapshot) = dashboard(&site, &cookie, Instant::now() + TAKEOVER_WITHIN).await;
        let (mut seq, mut users) = (snapshot.seq, users(snapshot));
        loop {
            match client.next_within(quiet).await {
                Ok(None) if !changing.load(Ordering::Relaxed) => return (users, restarts),
                Ok(None) => {}
                Ok(Some(ServerMsg::Delta { seq: next, change })) if next == seq + 1 => {
                    seq = next;
                    match change {
                        Change::UserUpdated { user } => drop(users.insert(user.id, user)),
                        Change::UserRemoved { user } => drop(users.remove(&user)),
                        _ => {}
                    }
                }
                Ok(Some(ServerMsg::Delta { seq: next, .. })) if next <= seq => {}
                Ok(Some(ServerMsg::Delta { .. })) | Err(_) => {
                    restarts += 1;
                    continue 'subscribed;
                }
                Ok(Some(_)) => {}
            }
        }
    }
}

/// The users of a snapshot, by id.
fn users(snapshot: Snapshot) -> BTreeMap<UserId, UserView> {
    snapshot.users.into_iter().map(|user| (user.id, user)).collect()
}

/// Whether `site`'s dashboards show someone named `name`.
async fn shows(site: &Site, cookie: &str, name: &str) -> bool {
    let (_, snapshot) = dashboard(site, cookie, Instant::now() + TAKEOVER_WITHIN).await;
    snapshot.users.iter().any(|user| user.name == name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_killed_another_node_takes_the_company_and_nothing_acknowledged_is_lost() {
    let Some((data, nats, a)) = cluster("killed").await else { return };
    let sam = a.site.session_cookie(SAM).await;
    let (b, c) = (node(&data, &nats, "b"), node(&data, &nats, "c"));
    let soon = Instant::now() + Duration::from_secs(5);
    let (mut on_b, _) = dashboard(&b.site, &sam, soon).await;
    let (mut on_c, _) = dashboard(&c.site, &sam, soon).await;

    // Alex answers on B, the caller dials on C, Sam coaches from C: each
    // "done" comes only once the owner, A, has kept it.
    let alex = b.site.session_cookie(ALEX).await;
    let mut agent = b.site.live_client_with(&alex).await;
    ok(agent.request(Request::WatchMyCall).await);
    agent.go_available().await;
    let mut caller = c.site.caller_client().await;
    let dial = Request::Dial { number: earshot_domain::seed::SALES, phone: CALLER_PAGE_PHONE.to_owned(), offer: coach_offer() };
    let (dialled, _) = caller.request(dial).await;
    let Outcome::Answer { call, .. } = dialled else { panic!("the caller's call: {dialled:?}") };
    let mut coach = c.site.live_client_with(&sam).await;
    ok(coach.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await);
    ok(agent.request(Request::Tag { tag: "refund".into() }).await);
    ok(agent.request(Request::Comment { text: "Wants the March invoice refunded.".into() }).await);

    let killed = Instant::now();
    a.kill();
    // A dashboard that opens meanwhile (one that was on A) is told to try
    // again, and its socket closes, so that the app does, with back-off.
    tokio::time::sleep(Duration::from_millis(200)).await; // NATS hears A's connection go
    let mut early = b.site.live_client_with(&sam).await;
    let (refused, _) = early.request(Request::Subscribe).await;
    assert!(matches!(&refused, Outcome::Refused { error } if error.message.contains("try again")), "{refused:?}");
    assert_eq!(early.closed_within(Duration::from_secs(5)).await.0, 1001);
    // Every dashboard left is told the state moved, and picks it up from
    // the new owner.
    // Both read at once: a pong owed while the other waited would meet a
    // closed connection.
    let (told_b, told_c) = tokio::join!(on_b.closed_within(TAKEOVER_WITHIN), on_c.closed_within(TAKEOVER_WITHIN));
    for (code, why) in [told_b, told_c] {
        assert_eq!(code, 1001, "{why}");
    }
    let (mut on_b, after_b) = dashboard(&b.site, &sam, killed + TAKEOVER_WITHIN).await;
    dashboard(&c.site, &sam, killed + TAKEOVER_WITHIN).await;
    eprintln!("the new owner's snapshot on every dashboard {:?} after the kill", killed.elapsed());
    assert!(after_b.calls.is_empty(), "the call's audio died with A: it ends: {:?}", after_b.calls);

    // A command right after, from a node that is not A.
    let mut agent = b.site.live_client_with(&alex).await;
    ok(agent.request(Request::WatchMyCall).await);
    agent.go_available().await;
    let presence = loop {
        match on_b.recv().await {
            ServerMsg::Delta { change, .. } => break change,
            _ => {}
        }
    };
    assert!(format!("{presence:?}").contains("Alex Morgan"), "the dashboard on B hears of it: {presence:?}");
    // And a new call, coached: its audit entry follows those the takeover wrote.
    let mut caller = c.site.caller_client().await;
    let dial = Request::Dial { number: earshot_domain::seed::SALES, phone: CALLER_PAGE_PHONE.to_owned(), offer: coach_offer() };
    let (dialled, _) = caller.request(dial).await;
    let Outcome::Answer { call: next, .. } = dialled else { panic!("the caller's call after: {dialled:?}") };
    let mut coach = b.site.live_client_with(&sam).await;
    ok(coach.request(Request::StartCoaching { call: next, notify_agent: true, offer: None }).await);

    // The call's record: each acknowledged record once, and its end with why.
    let detail = c.site.call_detail(call, &sam).await;
    assert!(!detail.live);
    assert_eq!((detail.tags, detail.comments), (vec!["refund".to_owned()], vec!["Wants the March invoice refunded.".to_owned()]));
    let said: Vec<&str> = detail.timeline.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        said,
        [
            "Call started",
            "Answered by Alex Morgan",
            "Sam Rivera started coaching (agent notified)",
            "Tagged “refund”",
            "Comment added",
            "Call cut off: the server that held the company's calls stopped during the call",
        ]
    );
    let ada = c.site.session_cookie(ADA).await;
    let (_, log) = c.site.get_json(&format!("/api/audit?agent={}", crate::helpers::ALEX_ID.0), &ada).await;
    let log: Vec<AuditEntry> = serde_json::from_value::<AuditLog>(log).unwrap().entries;
    let actions: Vec<_> = log.iter().rev().map(|e| (e.action, e.call)).collect();
    assert_eq!(actions, [(AuditAction::Started, Some(call)), (AuditAction::Ended, Some(call)), (AuditAction::Started, Some(next))], "{log:?}");

    // Every dashboard agrees with the owner.
    let now = Instant::now() + Duration::from_secs(5);
    let (_, on_b) = dashboard(&b.site, &sam, now).await;
    let (_, on_c) = dashboard(&c.site, &sam, now).await;
    assert_eq!(state(&on_b), state(&on_c));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_stopped_past_its_lease_keeps_no_write_and_steps_down_when_it_wakes() {
    let Some((data, nats, a)) = cluster("stopped").await else { return };
    let (sam, ada) = (a.site.session_cookie(SAM).await, a.site.session_cookie(ADA).await);
    let b = node(&data, &nats, "b");
    let soon = Instant::now() + Duration::from_secs(5);
    let (mut on_a, _) = dashboard(&a.site, &sam, soon).await;
    let (mut on_b, _) = dashboard(&b.site, &sam, soon).await;

    a.signal("STOP");
    let stopped = Instant::now();
    on_b.closed_within(TAKEOVER_WITHIN).await;
    dashboard(&b.site, &sam, stopped + TAKEOVER_WITHIN).await;
    eprintln!("B took the company {:?} after A stopped", stopped.elapsed());

    // A wakes believing it owns the company, and is asked for a change at
    // once: kept by the owner, B, or refused; never kept by A's stale core.
    a.signal("CONT");
    let woke = Instant::now();
    let lee = serde_json::json!({ "name": "Lee Chan", "email": "lee@example.com", "role": "agent", "access": "none", "numbers": [] });
    let (status, added) = a.site.post_json("/api/admin/users", &ada, lee).await;
    assert!(status == 200 || status >= 500, "{status}: {added}");
    let _ = on_a.ended_within(Duration::from_secs(5)).await; // its pongs were owed while it slept
    eprintln!("A stepped down {:?} after it woke; the change asked of it: {status}", woke.elapsed());
    assert_eq!(shows(&b.site, &sam, "Lee Chan").await, status == 200, "the owner's state has the change exactly when A said it was made");
    let (_, on_a) = dashboard(&a.site, &sam, Instant::now() + TAKEOVER_WITHIN).await;
    let (_, on_b) = dashboard(&b.site, &sam, Instant::now() + TAKEOVER_WITHIN).await;
    assert_eq!(state(&on_a), state(&on_b), "A follows B now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_node_recovers_and_resyncs_when_nats_restarts_under_changes() {
    let Some((data, mut nats, a)) = cluster("nats_restart").await else { return };
    let sam = a.site.session_cookie(SAM).await;
    let b = node(&data, &nats, "b");
    // A dashboard on each node follows it all.
    let changing = Arc::new(AtomicBool::new(true));
    let following: Vec<_> =
        [&a.site, &b.site].map(|site| tokio::spawn(users_followed(Site::at(site.addr), sam.clone(), Duration::from_secs(3), Arc::clone(&changing)))).into();
    // Four agents go available and back from B, each as often as it may,
    // while NATS is killed and started again; a socket closed under one
    // is opened again.
    let mut flipping = Vec::new();
    for agent in ["alex", "bea", "chen", "dara"] {
        let site = Site::at(b.site.addr);
        let cookie = site.session_cookie(&format!("{agent}@earshot.demo")).await;
        flipping.push(tokio::spawn(async move {
            let (mut done, mut refused, mut reconnected) = (0, Vec::new(), 0);
            let mut client = site.live_client_with(&cookie).await;
            for i in 0..12 {
                match client.try_request(Request::SetPresence { available: i % 2 == 0, reason: String::new() }).await {
                    Some(Outcome::Ok) => done += 1,
                    Some(other) => refused.push(other),
                    None => {
                        reconnected += 1;
                        client = site.live_client_with(&cookie).await;
                    }
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            (done, refused, reconnected, client) // kept open: no presence left to change after
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    nats.restart().expect("nats-server starts again");
    let (mut done, mut refused, mut reconnected, mut agents) = (0, Vec::new(), 0, Vec::new());
    for agent in flipping {
        let (d, r, c, client) = agent.await.unwrap();
        (done, reconnected) = (done + d, reconnected + c);
        refused.extend(r);
        agents.push(client);
    }
    eprintln!("presence changes through the restart: {done} done, {} refused, {reconnected} sockets opened again", refused.len());
    assert!(refused.iter().all(|r| format!("{r:?}").contains("try again")), "each refusal says to try again: {refused:?}");

    // After it, a change made on B reaches both nodes' dashboards alike.
    let deadline = Instant::now() + TAKEOVER_WITHIN;
    let mut agent = b.site.live_client(ALEX).await;
    ok(agent.request(Request::WatchMyCall).await);
    loop {
        let (outcome, _) = agent.request(Request::SetPresence { available: true, reason: String::new() }).await;
        if outcome == Outcome::Ok {
            break;
        }
        assert!(Instant::now() < deadline, "B's changes are refused still: {outcome:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    changing.store(false, Ordering::Relaxed);
    let mut followed = Vec::new();
    for follower in following {
        followed.push(follower.await.unwrap());
    }
    let (_, owners) = dashboard(&a.site, &sam, deadline).await;
    let (_, on_b) = dashboard(&b.site, &sam, deadline).await;
    assert_eq!(state(&owners), state(&on_b));
    let owners = users(owners);
    for (node, (shown, restarts)) in ["A", "B"].into_iter().zip(followed) {
        eprintln!("the dashboard on {node} started over {restarts} times");
        let differ: Vec<_> = owners.iter().filter(|(id, user)| shown.get(id) != Some(user)).map(|(id, user)| (user, shown.get(id))).collect();
        assert!(differ.is_empty(), "the dashboard on {node} shows what the owner has: {differ:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_sign_in_changes_on_every_node_at_once() {
    let Some((data, nats, a)) = cluster("accounts").await else { return };
    let b = node(&data, &nats, "b");
    const STRONG: &str = "ledger-violet-harbour-9";
    /// A sign-in's status on `site`, once it is `want` (other nodes hear
    /// of a change within moments), or the last one after 3 s.
    async fn signs_in(site: &Site, email: &str, password: &str, want: u16) -> u16 {
        let deadline = Instant::now() + Duration::from_secs(3);
        loop {
            let status = site.sign_in(email, password).await.status().as_u16();
            if status == want || Instant::now() > deadline {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // A person added on B sets their password through their link on A, and
    // signs in on B with it.
    let ada = b.site.session_cookie(ADA).await;
    let lee = serde_json::json!({ "name": "Lee Chan", "email": "lee@example.com", "role": "agent", "access": "none", "numbers": [] });
    let (status, added) = b.site.post_json("/api/admin/users", &ada, lee).await;
    assert_eq!(status, 200, "{added}");
    let token = added["link"]["path"].as_str().unwrap().split_once('#').unwrap().1.to_owned();
    tokio::time::sleep(Duration::from_millis(500)).await; // A hears of Lee
    let (status, me) = a.site.post_json("/api/links/redeem", "", serde_json::json!({ "token": token, "password": STRONG })).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(signs_in(&b.site, "lee@example.com", STRONG, 200).await, 200, "B knows Lee's password");

    // Sam changes his password on B: his session on A ends, its dashboard
    // closes, and A takes the new password only.
    let (sam_on_a, sam_on_b) = (a.site.session_cookie(SAM).await, b.site.session_cookie(SAM).await);
    let (mut dashboard_on_a, _) = dashboard(&a.site, &sam_on_a, Instant::now() + TAKEOVER_WITHIN).await;
    let change = serde_json::json!({ "current": earshot_domain::seed::DEMO_PASSWORD, "new": STRONG });
    let (status, changed) = b.site.put_json("/api/session/password", &sam_on_b, change).await;
    assert_eq!(status, 204, "{changed}");
    let (code, why) = dashboard_on_a.closed_within(Duration::from_secs(5)).await;
    assert_eq!((code, why.as_str()), (1008, "your password was changed in another window: sign in again"));
    assert_eq!(a.site.get_json("/api/session", &sam_on_a).await.1, serde_json::Value::Null, "signed out on A");
    assert_eq!(signs_in(&a.site, SAM, earshot_domain::seed::DEMO_PASSWORD, 401).await, 401, "the old password, refused on A");
    assert_eq!(signs_in(&a.site, SAM, STRONG, 200).await, 200, "the new one, taken");

    // Signed out on B, the session's sockets on A close too.
    let (mut dashboard_on_a, _) = dashboard(&a.site, &sam_on_b, Instant::now() + TAKEOVER_WITHIN).await;
    let signed_out = b.site.client.delete(b.site.url("/api/session")).header("origin", b.site.origin()).header("cookie", &sam_on_b).send().await.unwrap();
    assert_eq!(signed_out.status(), 204);
    assert_eq!(dashboard_on_a.closed_within(Duration::from_secs(5)).await, (1008, "you signed out".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_killed_takes_its_agents_offline_after_the_grace() {
    let Some((data, nats, a)) = cluster("gateway").await else { return };
    let b = node(&data, &nats, "b");
    let mut alex = b.site.live_client(ALEX).await;
    ok(alex.request(Request::WatchMyCall).await);
    alex.go_available().await;
    let sam = a.site.session_cookie(SAM).await;
    let (mut on_a, snapshot) = dashboard(&a.site, &sam, Instant::now() + TAKEOVER_WITHIN).await;
    let alex_id = crate::helpers::ALEX_ID;
    assert_eq!(snapshot.users.iter().find(|u| u.id == alex_id).map(|u| u.status), Some(UserStatus::Available));

    // B dies with Alex's softphone on it: no goodbye reaches the owner.
    let killed = Instant::now();
    b.kill();
    let deadline = killed + Duration::from_secs(6 + 30 + 10); // silent, then the grace
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match on_a.next_within(left).await {
            Ok(Some(ServerMsg::Delta { change: Change::UserUpdated { user }, .. })) if user.id == alex_id && user.status == UserStatus::Offline => break,
            Ok(Some(_)) => {}
            Ok(None) => panic!("Alex still online {:?} after his node died", killed.elapsed()),
            Err(ended) => panic!("A's dashboard ended: {ended}"),
        }
    }
    eprintln!("Alex offline {:?} after his node died", killed.elapsed());
}
