//! Durable state: what the server was told survives a crash, and the
//! coaching audit log holds every attempt, for admins only.

use std::process::{Command, Stdio};

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_protocol::{AuditAction, AuditEntry, AuditLog, CallId, ContactDetail, Outcome, Request, CALLER_PAGE_PHONE};
use serde_json::Value;

use crate::helpers::{spawn_app, spawn_app_with, ALEX, ALEX_ID, SAM};
use crate::media::coach_offer;
use crate::process::{Data, Server};

const ADA: &str = "ada@earshot.demo"; // admin, Live Monitoring+
const GRACE: &str = "grace@earshot.demo"; // admin without Live Monitoring
const PRIYA: &str = "priya@earshot.demo"; // supervisor, Live Monitoring+
const OMAR: &str = "omar@earshot.demo"; // supervisor, Live Monitoring

fn ok(outcome: (Outcome, Vec<earshot_protocol::ServerMsg>)) {
    assert_eq!(outcome.0, Outcome::Ok);
}

fn entries(log: Value) -> Vec<AuditEntry> {
    serde_json::from_value::<AuditLog>(log).expect("an audit log").entries
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_everything() {
    restart_keeps_everything_on(Data::dir()).await;
}

/// The same on PostgreSQL, when `cargo xtask test` started one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_everything_on_postgresql() {
    match Data::postgres().await {
        Some(data) => restart_keeps_everything_on(data).await,
        None => eprintln!("skipped: EARSHOT_TEST_POSTGRES names no server"),
    }
}

async fn restart_keeps_everything_on(data: Data) {
    let server = Server::start(&data);
    let site = &server.site;
    let (sam, ada, alex, priya) =
        (site.session_cookie(SAM).await, site.session_cookie(ADA).await, site.session_cookie(ALEX).await, site.session_cookie(PRIYA).await);

    // A caller reaches Alex, who is online and available; Sam coaches,
    // whispers, stops, leaves.
    let mut agent = site.live_client_with(&alex).await;
    ok(agent.request(Request::WatchMyCall).await);
    agent.go_available().await;
    let mut caller = site.caller_client().await;
    let phone = CALLER_PAGE_PHONE.to_owned();
    let (dialled, _) = caller.request(Request::Dial { number: earshot_domain::seed::SALES, phone, offer: coach_offer() }).await;
    let Outcome::Answer { call, .. } = dialled else { panic!("the caller's call: {dialled:?}") };
    let mut coach = site.live_client_with(&sam).await;
    ok(coach.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await);
    ok(coach.request(Request::SetWhisper { on: true }).await);
    ok(coach.request(Request::SetWhisper { on: false }).await);
    ok(coach.request(Request::LeaveCoaching).await);

    // Alex holds, tags, comments and hangs up: each "done" only once kept.
    ok(agent.request(Request::Hold { on: true }).await);
    ok(agent.request(Request::Hold { on: false }).await);
    ok(agent.request(Request::Tag { tag: "refund".into() }).await);
    ok(agent.request(Request::Comment { text: "Wants the March invoice refunded.".into() }).await);
    ok(agent.request(Request::HangUp).await);
    let signed_out = site.client.delete(site.url("/api/session")).header("origin", site.origin()).header("cookie", &priya).send().await.unwrap();
    assert_eq!(signed_out.status(), 204);
    server.kill();

    let server = Server::start(&data);
    let site = &server.site;
    let (status, me) = site.get_json("/api/session", &sam).await;
    assert_eq!((status, me["name"].as_str()), (200, Some("Sam Rivera")), "Sam is still signed in");
    assert_eq!(site.get_json("/api/session", &priya).await.1, Value::Null, "a sign-out holds across the restart");

    let detail = site.call_detail(call, &sam).await;
    assert!(!detail.live);
    assert_eq!((detail.tags, detail.comments), (vec!["refund".to_owned()], vec!["Wants the March invoice refunded.".to_owned()]));
    let said: Vec<&str> = detail.timeline.iter().map(|e| e.what.as_str()).collect();
    assert_eq!(
        said,
        [
            "Call started",
            "Answered by Alex Morgan",
            "Sam Rivera started coaching (agent notified)",
            "Sam Rivera started whispering to the agent",
            "Sam Rivera stopped whispering",
            "Sam Rivera stopped coaching",
            "Put on hold",
            "Taken off hold",
            "Tagged “refund”",
            "Comment added",
            "Call ended",
        ]
    );
    let contact = detail.call.customer.contact.expect("the caller page's contact");
    let (_, page) = site.get_json(&format!("/api/contacts/{}", contact.id.0), &sam).await;
    let page: ContactDetail = serde_json::from_value(page).unwrap();
    assert_eq!(page.calls.iter().map(|c| c.id).collect::<Vec<CallId>>(), [call], "the contact's history, from the store");

    let (status, log) = site.get_json(&format!("/api/audit?coach=2&agent={}", ALEX_ID.0), &ada).await;
    assert_eq!(status, 200);
    let actions: Vec<(AuditAction, Option<CallId>, Option<bool>)> = entries(log).iter().rev().map(|e| (e.action, e.call, e.notified_agent)).collect();
    assert_eq!(
        actions,
        [
            (AuditAction::Started, Some(call), Some(true)),
            (AuditAction::WhisperOn, Some(call), None),
            (AuditAction::WhisperOff, Some(call), None),
            (AuditAction::Left, Some(call), None),
        ]
    );
    server.kill();
}

#[tokio::test]
async fn the_audit_csv_is_sent_page_by_page_as_it_is_read() {
    let app = spawn_app_with(|config| config.insider_rate.burst = 100_000).await;
    let call = app.answered_call(earshot_domain::seed::SUPPORT).await;
    let mut alex = app.live_client(ALEX).await;
    const REFUSALS: usize = 2_500; // three pages of the export
    for _ in 0..REFUSALS / 100 {
        let mut sent = Vec::new();
        for _ in 0..100 {
            sent.push(alex.send(Request::StartCoaching { call, notify_agent: false, offer: None }).await);
        }
        for id in sent {
            assert!(matches!(alex.reply(id).await.0, Outcome::Refused { .. }));
        }
    }

    let csv = app.client.get(app.url("/api/audit.csv")).header("cookie", app.session_cookie(ADA).await).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert_eq!(csv.headers().get("content-length"), None, "streamed: its length is not known before the last page is read");
    assert_eq!(csv.headers()["transfer-encoding"], "chunked");
    let csv = csv.text().await.unwrap();
    let rows: Vec<&str> = csv.split("\r\n").skip(1).filter(|row| !row.is_empty()).collect();
    assert_eq!(rows.len(), REFUSALS, "every entry once, across the pages");
    assert!(rows.iter().all(|row| row.contains(",Refused,Alex Morgan,10,")), "{}", rows[0]);
    assert!(rows.windows(2).all(|pair| pair[0][..23] >= pair[1][..23]), "newest first across page boundaries");
}

#[tokio::test]
async fn the_audit_log_records_refusals_and_only_admins_read_it() {
    let app = spawn_app().await;
    let call = app.answered_call(earshot_domain::seed::SUPPORT).await;
    let mut sam = app.live_client(SAM).await;
    ok(sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await);
    let mut omar = app.live_client(OMAR).await;
    assert!(matches!(omar.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await.0, Outcome::Refused { .. }));
    let mut alex = app.live_client(ALEX).await;
    assert!(matches!(alex.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0, Outcome::Refused { .. }));

    let ada = app.session_cookie(ADA).await;
    let (status, log) = app.get_json("/api/audit", &ada).await;
    assert_eq!(status, 200);
    let said: Vec<(String, AuditAction, String)> = entries(log).into_iter().rev().map(|e| (e.coach_name, e.action, e.detail)).collect();
    assert_eq!(
        said,
        [
            ("Sam Rivera".to_owned(), AuditAction::Started, String::new()),
            ("Omar Haddad".to_owned(), AuditAction::Refused, "Sam Rivera is already coaching this call".to_owned()),
            ("Alex Morgan".to_owned(), AuditAction::Refused, "agents cannot coach calls".to_owned()),
        ],
        "the second coach and the agent, refused, are in the log"
    );

    // Every admin reads it, with or without Live Monitoring; nobody else.
    let grace = app.session_cookie(GRACE).await;
    assert_eq!(app.get_json("/api/audit?agent=10", &grace).await.0, 200);
    let csv = app.client.get(app.url("/api/audit.csv")).header("cookie", &grace).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and three entries: {csv}");
    assert!(csv.lines().nth(2).unwrap().contains(",Refused,Omar Haddad,4,Alex Morgan,10,"), "{csv}");
    for (who, cookie) in [("a supervisor with Live Monitoring+", app.session_cookie(PRIYA).await), ("an agent", app.session_cookie(ALEX).await)] {
        assert_eq!(app.get_json("/api/audit", &cookie).await.0, 403, "{who}");
        assert_eq!(app.client.get(app.url("/api/audit.csv")).header("cookie", &cookie).send().await.unwrap().status(), 403, "{who}");
    }
    assert_eq!(app.client.get(app.url("/api/audit")).send().await.unwrap().status(), 401, "signed out");
    let (status, error) = app.get_json("/api/audit?coach=sam", &ada).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("malformed_request")), "a clear error for a bad filter: {error}");
}

/// `earshot-server create-admin` on `data`, `password` on its standard input.
fn create_admin(data: &Data, email: &str, password: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-server"))
        .args(["create-admin", "--email", email, "--name", "Pat Boss"])
        .args(data.args())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary starts");
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), format!("{password}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_demo_the_company_starts_empty_and_its_first_admin_is_made_by_create_admin() {
    let data = Data::dir_named("production");
    let server = Server::start_with(&data, &[]);
    assert!(server.said.iter().any(|line| line.contains("the company has no admin yet")), "{:?}", server.said);
    assert!(!server.said.iter().any(|line| line.contains(DEMO_PASSWORD)), "no demo accounts printed: {:?}", server.said);
    assert_eq!(server.site.sign_in(ADA, DEMO_PASSWORD).await.status(), 401, "no demo company");
    server.kill();

    let password = "ledger-violet-harbour-9";
    for (weak, why) in [("short", "at least 12 characters"), (DEMO_PASSWORD, "the demo's published password"), ("password1234", "too easy to guess")] {
        let (made, said) = create_admin(&data, "pat@example.com", weak);
        assert!(!made && said.contains(why) && said.contains("nothing was created"), "{weak}: {said}");
    }
    let (made, said) = create_admin(&data, "Pat@Example.com", password);
    assert!(made && said.contains("Created admin Pat Boss <pat@example.com> (user 1)"), "{said}");
    let (made, said) = create_admin(&data, "pat@example.com", password);
    assert!(!made && said.contains("has an account already"), "{said}");

    let server = Server::start_with(&data, &[]);
    assert!(!server.said.iter().any(|line| line.contains("no admin yet")), "{:?}", server.said);
    let signed_in = server.site.sign_in("pat@example.com", password).await;
    assert_eq!(signed_in.status(), 200);
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let (status, me) = server.site.get_json("/api/session", &cookie).await;
    assert_eq!((status, me["role"].as_str(), me["access"].as_str()), (200, Some("admin"), Some("live_monitoring_plus")), "{me}");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await; // the demo's simulator places calls at once
    let mut dashboard = server.site.live_client_with(&cookie).await;
    let (_, before) = dashboard.request(Request::Subscribe).await;
    let snapshot = before.into_iter().find_map(|m| if let earshot_protocol::ServerMsg::Snapshot(s) = m { Some(s) } else { None }).expect("a snapshot");
    assert_eq!((snapshot.calls.len(), snapshot.users.len(), snapshot.numbers.len()), (0, 1, 0), "a company of one admin, no simulator");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_password_is_refused_without_demo_even_for_demo_accounts() {
    let data = Data::dir_named("demo-then-own");
    let server = Server::start(&data);
    assert_eq!(server.site.sign_in(ADA, DEMO_PASSWORD).await.status(), 200, "the demo");
    server.kill();

    let server = Server::start_with(&data, &[]);
    assert!(server.said.iter().any(|line| line.contains("accounts of the demo company")), "warned: {:?}", server.said);
    assert_eq!(server.site.sign_in(ADA, DEMO_PASSWORD).await.status(), 401, "refused without --demo");
    server.kill();
    let server = Server::start(&data);
    assert_eq!(server.site.sign_in(ADA, DEMO_PASSWORD).await.status(), 200, "and accepted with it again");
}
