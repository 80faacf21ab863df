//! Several nodes: three real server processes on one private
//! `nats-server -js` and one PostgreSQL database, the node that owns the
//! company's core killed under dashboards, an agent, a caller and a coach
//! spread over them.

use std::time::{Duration, Instant};

use earshot_cluster::private::PrivateNats;
use earshot_protocol::{AuditAction, AuditEntry, AuditLog, CallDetail, Outcome, Request, ServerMsg, Snapshot, CALLER_PAGE_PHONE};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_killed_another_node_takes_the_company_and_nothing_acknowledged_is_lost() {
    let Some(data) = Data::postgres_named("nodes").await else {
        eprintln!("skipped: EARSHOT_TEST_POSTGRES names no server");
        return;
    };
    let nats = PrivateNats::start().expect("a private nats-server (cargo xtask test installs it)");
    // A first, so it seeds the demo company and takes the lease.
    let a = node(&data, &nats, "a");
    let sam = a.site.session_cookie(SAM).await;
    dashboard(&a.site, &sam, Instant::now() + TAKEOVER_WITHIN).await;
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
    // Every dashboard left is told the state moved, and picks it up from
    // the new owner.
    for dashboard_on in [&mut on_b, &mut on_c] {
        let (code, why) = dashboard_on.closed_within(TAKEOVER_WITHIN).await;
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

    // The call's record: each acknowledged record once, and its end with why.
    let (status, detail) = c.site.get_json(&format!("/api/calls/{}", call.0), &sam).await;
    assert_eq!(status, 200, "{detail}");
    let detail: CallDetail = serde_json::from_value(detail).unwrap();
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
    let actions: Vec<AuditAction> = log.iter().rev().map(|e| e.action).collect();
    assert_eq!(actions, [AuditAction::Started, AuditAction::Ended], "{log:?}");

    // Every dashboard agrees with the owner.
    let now = Instant::now() + Duration::from_secs(5);
    let (_, on_b) = dashboard(&b.site, &sam, now).await;
    let (_, on_c) = dashboard(&c.site, &sam, now).await;
    assert_eq!(state(&on_b), state(&on_c));
}
