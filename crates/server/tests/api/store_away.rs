//! A database that stops answering: what the audit log records reaches the
//! audio only once it is kept, and changes are refused with a clear error
//! rather than piled up in memory; nothing is lost once it is back.

use std::time::{Duration, Instant};

use earshot_domain::Command;
use earshot_protocol::{ErrorCode, Outcome, Request, UserId};
use earshot_server::live::{Actor, Unavailable};
use earshot_server::Database;
use sqlx::Connection;

use crate::helpers::{spawn_app_with, SAM};
use crate::peer::{Offering, RealCall, COACH, CUSTOMER};

const PRIYA: UserId = UserId(3);

#[tokio::test]
async fn a_whisper_reaches_the_agent_once_kept_and_changes_are_refused_while_the_database_is_away() {
    let dir = std::env::temp_dir().join(format!("earshot-away-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir); // a failed run's, under a reused pid
    let app = spawn_app_with(|config| config.database = Database::Dir(dir.clone())).await;
    let real = RealCall::start(&app, Offering::new(2).await).await;
    let (mut sam, mut sam_again) = (app.live_client(SAM).await, app.live_client(SAM).await);
    let offering = Offering::new(2).await;
    let (started, _) = sam.request(Request::StartCoaching { call: real.call, notify_agent: true, offer: Some(offering.sdp.clone()) }).await;
    let Outcome::Answer { sdp, .. } = started else { panic!("coaching starts: {started:?}") };
    let coach = offering.connect(&sdp, COACH);
    until("the coach hears the customer", || coach.heard(CUSTOMER) > 0).await;

    // Another process takes the file: every write waits, then fails busy.
    let file = dir.join(earshot_store::SQLITE_FILE);
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.unwrap();
    let whisper = sam.send(Request::SetWhisper { on: true }).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(real.agent.heard(COACH), 0, "no whisper reaches the agent before its record is kept");

    // Once the writer sees the database away, a change is refused at once.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let asked = tokio::time::timeout(Duration::from_millis(200), app.live.command(Actor { user: PRIYA, from: [127, 0, 0, 1].into() }, Command::LeaveCoaching)).await;
        if asked == Ok(Err(Unavailable::StoreAway)) {
            break;
        }
        assert!(Instant::now() < deadline, "changes are refused once the database is away: {asked:?}");
    }
    let (refused, _) = sam_again.request(Request::SetWhisper { on: false }).await;
    let Outcome::Refused { error } = refused else { panic!("refused while the database is away: {refused:?}") };
    assert_eq!(error.code, ErrorCode::Unavailable, "{error:?}");
    assert!(error.message.contains("nothing was changed"), "{}", error.message);
    assert_eq!(real.agent.heard(COACH), 0, "still no whisper");

    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    drop(holder);
    let (kept, _) = sam.reply(whisper).await;
    assert_eq!(kept, Outcome::Ok, "the whisper is kept once the database is back");
    until("the agent hears the coach once the whisper is kept", || real.agent.heard(COACH) > 0).await;
    let cookie = app.session_cookie("ada@earshot.demo").await;
    let (status, audit) = app.get_json("/api/audit?coach=2", &cookie).await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"whisper_on"), "the whisper is in the audit log: {actions:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
