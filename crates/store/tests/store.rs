//! The store's test suite, run against SQLite (a temp file) and, when
//! `EARSHOT_TEST_POSTGRES` names a server (`cargo xtask test` starts one),
//! against PostgreSQL: the same tests, each on a database of its own.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use earshot_domain::seed::demo_directory;
use earshot_domain::{CallEvent, Command, Core, NewCall, Origin};
use earshot_protocol::{AttentionSettings, AuditAction, AuditQuery, CallKind, Direction, Millis, UserId};
use earshot_store::{Company, Epoch, Kept, NotKept, Store, Writer};

/// A database of one test's own.
struct Db {
    url: String,
    /// The SQLite file's directory, removed with the test.
    dir: Option<PathBuf>,
}

impl Db {
    fn unique() -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        format!("earshot_test_{}_{nanos}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
    }

    fn sqlite() -> Db {
        let dir = std::env::temp_dir().join(Self::unique());
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join(earshot_store::SQLITE_FILE).display());
        Db { url, dir: Some(dir) }
    }

    /// A fresh database on the server `EARSHOT_TEST_POSTGRES` names.
    async fn postgres() -> Option<Db> {
        let server = std::env::var("EARSHOT_TEST_POSTGRES").ok()?;
        let url = Store::create_database(&server, &Self::unique()).await.expect("the test PostgreSQL server");
        Some(Db { url, dir: None })
    }

    async fn open(&self) -> Store {
        Store::open(&self.url).await.expect("open and migrate")
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

macro_rules! on_every_database {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                super::$test(super::Db::sqlite()).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                match super::Db::postgres().await {
                    Some(db) => super::$test(db).await,
                    None => eprintln!("skipped: EARSHOT_TEST_POSTGRES names no server"),
                }
            })*
        }
    };
}

on_every_database!(
    the_company_is_seeded_once_and_read_back_whole,
    sessions_live_until_they_expire_or_are_closed,
    every_record_of_a_call_is_written_through_in_order,
    the_audit_log_is_filtered_by_coach_agent_number_and_time,
    the_audit_log_is_read_in_pages_that_neither_skip_nor_repeat,
    calls_cut_off_by_a_crash_are_ended_on_the_next_start,
    a_closed_store_opens_again_with_everything,
    a_record_the_database_refuses_holds_up_nothing_after_it,
    attention_settings_are_kept_once_saved_and_replaced_whole,
    the_phone_lines_rules_are_kept_once_saved_and_replaced_whole,
    users_are_added_under_the_next_id_and_an_email_only_once,
    people_an_admin_changes_are_kept_with_the_companys_log,
    a_password_link_works_once_until_it_expires_and_a_new_one_replaces_it,
    numbers_an_admin_adds_and_removes_are_kept_with_who_takes_them,
    ten_thousand_contacts_imported_are_kept_in_one_record,
    a_stale_owner_writes_nothing_once_a_newer_one_holds_the_fence,
);

/// Test databases are named exactly as asked, and a name is never SQL.
#[tokio::test]
async fn a_test_database_is_named_as_its_url_says_and_a_name_is_never_sql() {
    let refused = Store::create_database("postgres://nowhere/postgres", "x; DROP DATABASE postgres").await;
    assert!(matches!(&refused, Err(sqlx::Error::Configuration(why)) if why.to_string().contains("not a database name")), "{refused:?}");
    let Ok(server) = std::env::var("EARSHOT_TEST_POSTGRES") else { return eprintln!("skipped: EARSHOT_TEST_POSTGRES names no server") };
    // Unquoted, PostgreSQL would make it earshot_case_…, and the URL would name nothing.
    let url = Store::create_database(&server, &format!("Earshot_Case_{}", Db::unique())).await.unwrap();
    Store::open(&url).await.expect("the database its URL names");
}

const T0: Millis = Millis(1_764_000_000_000);

fn demo_company() -> Company {
    let directory = demo_directory();
    let password_hashes = directory.users().filter(|u| u.id != UserId(6)).map(|u| (u.id, format!("$argon2id$v=19$hash-of-{}", u.id.0))).collect();
    Company { directory, password_hashes }
}

async fn a_record_the_database_refuses_holds_up_nothing_after_it(db: Db) {
    let store = seeded(&db).await;
    assert_eq!(store.last_call_id().await.unwrap(), 0);
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let first = maria_calls(&mut core, T0);
    let started = core.call(first).unwrap().clone();
    core.apply(T0, CallEvent::Ended { call: first }).unwrap();
    assert_eq!(write_out(&mut core, &writer).await, Ok(()));
    // The same call started twice: a broken primary key, refused every time.
    writer.write(earshot_domain::Record::CallStarted(started));
    assert_eq!(writer.committed().await, Err(NotKept), "who waits on a refused record is never told it is kept");
    let second = maria_calls(&mut core, T0);
    core.handle(T0, SAM, Command::StartCoaching { call: second, notify_agent: true }).unwrap();
    assert_eq!(write_out(&mut core, &writer).await, Ok(()));
    assert_eq!(writer.waiting(), 0);
    assert_eq!(store.call(second).await.unwrap().as_ref(), core.call(second), "what came after is kept");
    let before = store.call(first).await.unwrap().unwrap();
    assert_eq!(before.timeline.last().unwrap().entry.what, "Call ended", "what came before, untouched");
    assert_eq!(store.audit(&AuditQuery::default(), 10).await.unwrap().len(), 1);
}

/// Two nodes' writers on one database: once the newer epoch has raised
/// the fence, the older one's records are left out, and its waiters told so.
async fn a_stale_owner_writes_nothing_once_a_newer_one_holds_the_fence(db: Db) {
    let store = seeded(&db).await;
    let fenced = |epoch| {
        let store = store.clone();
        async move {
            let (writer, task) = Writer::fenced(store, Epoch(epoch)).await.map_err(|e| e.map(|e| e.to_string()))?;
            tokio::spawn(task);
            Ok::<_, Option<String>>(writer)
        }
    };
    let old = fenced(5).await.unwrap();
    let mut core = Core::new(demo_directory());
    let kept = maria_calls(&mut core, T0);
    assert_eq!(write_out(&mut core, &old).await, Ok(()), "the owner writes");

    let new = fenced(6).await.unwrap();
    assert_eq!(fenced(5).await.err(), Some(None), "an epoch the fence is past cannot start a writer");
    assert_eq!(store.close_cut_off_calls("the owner stopped", Some(Epoch(5))).await.unwrap(), None, "nor end the new owner's calls");
    assert_eq!(store.ended_calls_of(store.call(kept).await.unwrap().unwrap().contact.unwrap(), 10).await.unwrap(), [], "still live");
    assert!(!old.is_deposed(), "told at its next write, not before");
    core.apply(T0, CallEvent::Ended { call: kept }).unwrap();
    assert_eq!(write_out(&mut core, &old).await, Err(NotKept), "a stale owner's change is never told kept");
    assert!(old.is_deposed());
    tokio::time::timeout(std::time::Duration::from_secs(1), old.deposed()).await.expect("the deposed writer says so");
    let left_out = maria_calls(&mut core, T0);
    assert_eq!(write_out(&mut core, &old).await, Err(NotKept), "nor any after it");
    assert_eq!(old.waiting(), 0, "what it was given is counted out");
    assert_ne!(store.call(kept).await.unwrap().unwrap().timeline.last().unwrap().entry.what, "Call ended", "the stale end is not kept");
    assert_eq!(store.call(left_out).await.unwrap(), None);

    let mut next = Core::new(demo_directory()).with_first_id(left_out.0 + 1);
    let call = maria_calls(&mut next, T0);
    assert_eq!(write_out(&mut next, &new).await, Ok(()), "the new owner writes");
    assert_eq!(store.call(call).await.unwrap().as_ref(), next.call(call));
}

/// SQLite alone: another process holding the file is how a database is
/// away on one machine (PostgreSQL's is the same `failing` path).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_away_is_said_so_and_loses_nothing() {
    use sqlx::Connection;
    let db = Db::sqlite();
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut holder = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.unwrap();
    let mut core = Core::new(demo_directory());
    let call = maria_calls(&mut core, T0);
    let kept = tokio::spawn({
        let writer = writer.clone();
        let records: Vec<_> = std::iter::from_fn(|| core.poll_output())
            .filter_map(|output| if let earshot_domain::Output::Record(r) = output { Some(r) } else { None })
            .collect();
        async move {
            records.into_iter().for_each(|record| writer.write(record));
            writer.committed().await
        }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !writer.away() {
        assert!(std::time::Instant::now() < deadline, "the writer says the database is away");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(writer.waiting() > 0, "what waits is counted");
    assert!(!kept.is_finished(), "nothing is told kept while the database is away");
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    drop(holder);
    assert_eq!(kept.await.unwrap(), Ok(()), "kept once the database is back");
    assert!(!writer.away());
    assert_eq!(writer.waiting(), 0);
    assert_eq!(store.call(call).await.unwrap().as_ref(), core.call(call), "nothing lost");
}

async fn seeded(db: &Db) -> Store {
    let store = db.open().await;
    assert!(store.seed_if_empty(&demo_company()).await.unwrap());
    store
}

async fn the_company_is_seeded_once_and_read_back_whole(db: Db) {
    let store = db.open().await;
    assert!(store.is_empty().await.unwrap());
    let company = demo_company();
    // Servers starting at once on one empty database: one seeds it.
    let (first, second) = tokio::join!(store.seed_if_empty(&company), store.seed_if_empty(&company));
    assert_eq!([first.unwrap(), second.unwrap()].iter().filter(|&&seeded| seeded).count(), 1, "seeded once");
    assert!(!store.is_empty().await.unwrap());
    assert!(!store.seed_if_empty(&company).await.unwrap(), "a seeded store is left as it is");

    let read = store.company().await.unwrap();
    let users = |c: &Company| c.directory.users().cloned().collect::<Vec<_>>();
    assert_eq!(users(&read), users(&company), "roles, access, numbers");
    assert_eq!(read.directory.numbers().collect::<Vec<_>>(), company.directory.numbers().collect::<Vec<_>>());
    assert_eq!(read.directory.contacts().collect::<Vec<_>>(), company.directory.contacts().collect::<Vec<_>>());
    assert_eq!(read.password_hashes, company.password_hashes, "a user without a hash cannot sign in");
}

async fn sessions_live_until_they_expire_or_are_closed(db: Db) {
    let store = seeded(&db).await;
    let later = Millis(T0.0 + 60_000);
    store.open_session("hash-a", UserId(2), later).await.unwrap();
    store.open_session("hash-b", UserId(2), Millis(T0.0 + 10)).await.unwrap();

    assert_eq!(store.session("hash-a", T0).await.unwrap(), Some((UserId(2), later)));
    assert_eq!(store.session("hash-b", Millis(T0.0 + 10)).await.unwrap(), None, "expired");
    assert_eq!(store.session("nobody's", T0).await.unwrap(), None);
    assert!(store.has_session(UserId(2), T0).await.unwrap());
    assert_eq!(store.purge_sessions(Millis(T0.0 + 10)).await.unwrap(), 1, "only the expired one");

    assert_eq!(store.close_session("hash-a").await.unwrap(), Some(UserId(2)));
    assert_eq!(store.close_session("hash-a").await.unwrap(), None, "closing twice finds nothing");
    assert_eq!(store.session("hash-a", T0).await.unwrap(), None);
    assert!(!store.has_session(UserId(2), T0).await.unwrap());
    assert!(store.open_session("hash-c", UserId(999), later).await.is_err(), "only a user of the company signs in");
}

/// Drains the core's records into the writer and waits for the commit.
async fn write_out(core: &mut Core, writer: &Writer) -> Kept {
    while let Some(output) = core.poll_output() {
        if let earshot_domain::Output::Record(record) = output {
            writer.write(record);
        }
    }
    writer.committed().await
}

const SAM: UserId = UserId(2);
const PRIYA: UserId = UserId(3);
const ALEX: UserId = UserId(10);
const BEA: UserId = UserId(11);

fn maria_calls(core: &mut Core, at: Millis) -> earshot_protocol::CallId {
    let maria = core.directory().contacts().next().unwrap().phones[0].clone();
    // Alex's softphone is open and he is available: the caller goes to him.
    if !core.is_online(ALEX) {
        core.connected(at, ALEX);
        core.set_presence(at, ALEX, true, "").unwrap();
    }
    let call = core.start_call(at, NewCall { origin: Origin::Caller, number: earshot_domain::seed::SALES, customer_phone: maria, direction: Direction::Inbound, kind: CallKind::Regular });
    assert_eq!(core.call(call).and_then(|c| c.agent), Some(ALEX), "put through to Alex");
    call
}

async fn every_record_of_a_call_is_written_through_in_order(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let call = maria_calls(&mut core, T0);
    core.handle(T0, SAM, Command::StartCoaching { call, notify_agent: false }).unwrap();
    core.handle(T0, SAM, Command::SetWhisper { on: true }).unwrap();
    core.apply(T0, CallEvent::Hold { call, on: true }).unwrap();
    core.apply(T0, CallEvent::Tagged { call, tag: "refund".into() }).unwrap();
    core.apply(T0, CallEvent::Commented { call, text: "Wants a refund; “urgent”, O'Brien's order.".into() }).unwrap();
    core.apply(T0, CallEvent::Hold { call, on: false }).unwrap();
    write_out(&mut core, &writer).await.expect("kept");
    assert_eq!(store.call(call).await.unwrap().as_ref(), core.call(call), "a live call, whole in the store");

    core.connected(T0, BEA);
    core.set_presence(T0, BEA, true, "").unwrap(); // in, and free to take it
    core.apply(T0, CallEvent::TransferredToAgent { call, agent: BEA }).unwrap();
    core.set_presence(T0, BEA, false, "").unwrap(); // the next caller is Alex's again
    let live = core.call(call).unwrap().clone();
    core.apply(Millis(T0.0 + 5_000), CallEvent::Ended { call }).unwrap();
    write_out(&mut core, &writer).await.expect("kept");
    let kept = store.call(call).await.unwrap().expect("the ended call");
    assert_eq!(kept.agent, Some(BEA), "transfer history");
    assert_eq!((kept.tags.as_slice(), kept.comments.len()), (["refund".to_owned()].as_slice(), 1));
    assert_eq!(kept.timeline[..live.timeline.len()], live.timeline[..]);
    let said: Vec<&str> = kept.timeline.iter().map(|l| l.entry.what.as_str()).collect();
    for expected in ["Put on hold", "Taken off hold", "Transferred to Bea Santos", "Sam Rivera started whispering to the agent", "Call ended"] {
        assert!(said.contains(&expected), "{expected:?} in {said:?}");
    }

    let maria = kept.contact.unwrap();
    let second = maria_calls(&mut core, Millis(T0.0 + 10_000));
    core.apply(Millis(T0.0 + 11_000), CallEvent::Ended { call: second }).unwrap();
    let live_one = maria_calls(&mut core, Millis(T0.0 + 20_000));
    write_out(&mut core, &writer).await.expect("kept");
    assert_eq!(store.last_call_id().await.unwrap(), live_one.0, "new ids start above it");
    let past: Vec<_> = store.ended_calls_of(maria, 10).await.unwrap().iter().map(|c| (c.id, c.tags.len())).collect();
    assert_eq!(past, [(second, 0), (call, 1)], "ended calls only, newest first, with their notes");
    assert!(store.call(live_one).await.unwrap().is_some());
}

async fn the_audit_log_is_filtered_by_coach_agent_number_and_time(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let first = maria_calls(&mut core, T0);
    core.handle(T0, SAM, Command::StartCoaching { call: first, notify_agent: true }).unwrap();
    let _ = core.handle(Millis(T0.0 + 1), PRIYA, Command::StartCoaching { call: first, notify_agent: false });
    core.handle(Millis(T0.0 + 2), SAM, Command::LeaveCoaching).unwrap();
    core.apply(Millis(T0.0 + 3), CallEvent::Ended { call: first }).unwrap();
    let support = core.start_call(Millis(T0.0 + 4), NewCall { origin: Origin::Simulated, number: earshot_domain::seed::SUPPORT, customer_phone: "+447700900901".into(), direction: Direction::Inbound, kind: CallKind::Regular });
    core.apply(Millis(T0.0 + 4), CallEvent::Answered { call: support, agent: UserId(13) }).unwrap();
    core.handle(Millis(T0.0 + 5), PRIYA, Command::StartCoaching { call: support, notify_agent: false }).unwrap();
    write_out(&mut core, &writer).await.expect("kept");

    let all = store.audit(&AuditQuery::default(), 100).await.unwrap();
    let actions: Vec<_> = all.iter().map(|e| (e.coach, e.action)).collect();
    assert_eq!(actions, [(PRIYA, AuditAction::Started), (SAM, AuditAction::Left), (PRIYA, AuditAction::Refused), (SAM, AuditAction::Started)], "newest first");
    assert_eq!(all[2].detail, "Sam Rivera is already coaching this call");
    assert_eq!((all[3].agent_name.as_deref(), all[3].notified_agent), (Some("Alex Morgan"), Some(true)));

    let by = |query: AuditQuery| {
        let store = store.clone();
        async move { store.audit(&query, 100).await.unwrap().iter().map(|e| e.at.0 - T0.0).collect::<Vec<_>>() }
    };
    assert_eq!(by(AuditQuery { coach: Some(PRIYA), ..AuditQuery::default() }).await, [5, 1]);
    assert_eq!(by(AuditQuery { agent: Some(ALEX), ..AuditQuery::default() }).await, [2, 1, 0]);
    assert_eq!(by(AuditQuery { number: Some(earshot_domain::seed::SUPPORT), ..AuditQuery::default() }).await, [5]);
    assert_eq!(by(AuditQuery { from: Some(Millis(T0.0 + 1)), to: Some(Millis(T0.0 + 5)), ..AuditQuery::default() }).await, [2, 1]);
    assert_eq!(by(AuditQuery { coach: Some(SAM), agent: Some(UserId(13)), ..AuditQuery::default() }).await, Vec::<u64>::new());
    assert_eq!(store.audit(&AuditQuery::default(), 2).await.unwrap().len(), 2, "at most the limit");
}

async fn the_audit_log_is_read_in_pages_that_neither_skip_nor_repeat(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let call = maria_calls(&mut core, T0);
    core.handle(T0, SAM, Command::StartCoaching { call, notify_agent: false }).unwrap();
    // 25 refusals in the same millisecond: pages must split ties by id.
    let refused = |core: &mut Core, times: usize, at: Millis| (0..times).for_each(|_| drop(core.handle(at, PRIYA, Command::StartCoaching { call, notify_agent: false })));
    refused(&mut core, 25, Millis(T0.0 + 1));
    write_out(&mut core, &writer).await.expect("kept");

    let query = AuditQuery::default();
    let (mut read, mut after) = store.audit_page(&query, None, 10).await.unwrap();
    // Entries appended while the pages are read come after the first page: none of them appears.
    refused(&mut core, 5, Millis(T0.0 + 1));
    write_out(&mut core, &writer).await.expect("kept");
    while let Some(cursor) = after {
        let (page, next) = store.audit_page(&query, Some(cursor), 10).await.unwrap();
        assert!(page.len() <= 10);
        read.extend(page);
        after = next;
    }
    assert_eq!(read.len(), 26, "25 refusals and the start, each once");
    assert_eq!(read.last().map(|e| e.action), Some(AuditAction::Started), "oldest last");
    assert_eq!(store.audit(&query, 100).await.unwrap().len(), 31, "the 5 appended are there for the next read");
}

async fn calls_cut_off_by_a_crash_are_ended_on_the_next_start(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let call = maria_calls(&mut core, T0);
    core.handle(Millis(T0.0 + 7), SAM, Command::StartCoaching { call, notify_agent: false }).unwrap();
    write_out(&mut core, &writer).await.expect("kept");

    assert_eq!(store.close_cut_off_calls("the server stopped", None).await.unwrap(), Some(1));
    assert_eq!(store.close_cut_off_calls("the server stopped", None).await.unwrap(), Some(0), "once");
    let kept = store.call(call).await.unwrap().unwrap();
    let last = kept.timeline.last().unwrap();
    assert_eq!((last.entry.what.as_str(), last.entry.at), ("Call cut off: the server stopped", Millis(T0.0 + 7)));
    let past = store.ended_calls_of(kept.contact.unwrap(), 10).await.unwrap();
    assert_eq!(past.len(), 1, "ended now");
    let newest = &store.audit(&AuditQuery::default(), 1).await.unwrap()[0];
    assert_eq!((newest.coach, newest.action, newest.call), (SAM, AuditAction::Ended, Some(call)), "the coaching ended too");
    assert_eq!(newest.detail, "the call was cut off: the server stopped");
}

async fn a_closed_store_opens_again_with_everything(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let call = maria_calls(&mut core, T0);
    core.handle(T0, SAM, Command::StartCoaching { call, notify_agent: true }).unwrap();
    write_out(&mut core, &writer).await.expect("kept");
    store.open_session("hash", SAM, Millis(T0.0 + 60_000)).await.unwrap();
    drop(writer);
    store.close().await;

    let again = db.open().await;
    assert!(!again.is_empty().await.unwrap());
    assert_eq!(again.session("hash", T0).await.unwrap(), Some((SAM, Millis(T0.0 + 60_000))));
    assert_eq!(again.call(call).await.unwrap().as_ref(), core.call(call));
    let writer = Writer::spawn(again.clone()).await.unwrap();
    core.handle(T0, SAM, Command::LeaveCoaching).unwrap();
    write_out(&mut core, &writer).await.expect("kept");
    assert_eq!(again.audit(&AuditQuery::default(), 10).await.unwrap().len(), 2, "numbered on after the entries kept");
}

async fn attention_settings_are_kept_once_saved_and_replaced_whole(db: Db) {
    let store = seeded(&db).await;
    assert_eq!(store.attention_settings().await.unwrap(), None, "the server's defaults until an admin saves");
    let saved = AttentionSettings { long_hold_ms: 300_000, raised_voice_db: 12, agent_talk_percent: 60, phrases: vec!["cancel my account".into(), "refund".into()], ..Default::default() };
    store.save_attention_settings(&saved).await.unwrap();
    let none = AttentionSettings { phrases: Vec::new(), ..saved.clone() };
    store.save_attention_settings(&none).await.unwrap();
    store.close().await;
    assert_eq!(db.open().await.attention_settings().await.unwrap(), Some(none));
}

async fn the_phone_lines_rules_are_kept_once_saved_and_replaced_whole(db: Db) {
    let store = seeded(&db).await;
    assert_eq!(store.phone_line_settings().await.unwrap(), None, "the flags' rules until an admin saves");
    let saved = earshot_protocol::PhoneLineSettings { trunks: vec!["192.0.2.0/24".into(), "2001:db8::1/128".into()], max_calls: 40, account: None, password: None, outbound: Some("192.0.2.10:5060".into()) };
    store.save_phone_line_settings(&saved).await.unwrap();
    let nobody = earshot_protocol::PhoneLineSettings { trunks: Vec::new(), max_calls: 1, account: Some("carrier".into()), password: Some("ledger-violet-harbour".into()), outbound: None };
    store.save_phone_line_settings(&nobody).await.unwrap();
    store.close().await;
    assert_eq!(db.open().await.phone_line_settings().await.unwrap(), Some(nobody));
}

async fn users_are_added_under_the_next_id_and_an_email_only_once(db: Db) {
    let store = db.open().await;
    let admin = earshot_domain::User {
        id: UserId(0), // given by the store
        name: "Pat Boss".into(),
        email: "Pat@Example.com".into(),
        role: earshot_protocol::Role::Admin,
        access: earshot_protocol::MonitoringAccess::LiveMonitoringPlus,
        numbers: Vec::new(),
        active: true,
    };
    assert_eq!(store.add_user(&admin, Some("$argon2id$v=19$pat")).await.unwrap(), Some(UserId(1)), "the first user of an empty store");
    assert!(!store.is_empty().await.unwrap());
    assert_eq!(store.add_user(&admin, None).await.unwrap(), None, "an email only once");
    let lower = earshot_domain::User { email: "pat@example.com".into(), ..admin.clone() };
    assert_eq!(store.add_user(&lower, None).await.unwrap(), None, "whatever its case");
    let other = earshot_domain::User { email: "sam@example.com".into(), ..admin.clone() };
    assert_eq!(store.add_user(&other, None).await.unwrap(), Some(UserId(2)));

    let company = store.company().await.unwrap();
    let pat = company.directory.user(UserId(1)).unwrap();
    assert_eq!((pat.name.as_str(), pat.email.as_str(), pat.role), ("Pat Boss", "pat@example.com", earshot_protocol::Role::Admin));
    assert_eq!(company.password_hashes.get(&UserId(1)).map(String::as_str), Some("$argon2id$v=19$pat"));
    assert_eq!(company.password_hashes.get(&UserId(2)), None, "no password: cannot sign in");
}

async fn people_an_admin_changes_are_kept_with_the_companys_log(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let form = earshot_protocol::PersonForm {
        name: "Lee Chan".into(),
        email: "lee@example.com".into(),
        role: earshot_protocol::Role::Agent,
        access: earshot_protocol::MonitoringAccess::None,
        numbers: vec![earshot_domain::seed::SUPPORT],
    };
    let lee = core.save_person(T0, UserId(1), None, &form).unwrap();
    core.set_active(Millis(T0.0 + 1), UserId(1), SAM, false).unwrap();
    assert_eq!(write_out(&mut core, &writer).await, Ok(()));

    let company = store.company().await.unwrap();
    assert_eq!(company.directory.user(lee.id), Some(&lee), "added whole");
    assert_eq!(company.password_hashes.get(&lee.id), None, "with no password until their link");
    assert!(!company.directory.user(SAM).unwrap().active, "deactivated, not deleted");
    assert!(company.password_hashes.contains_key(&SAM), "their password kept for a return");
    let (entries, _) = store.admin_page(&earshot_protocol::AdminQuery::default(), None, 10).await.unwrap();
    let actions: Vec<_> = entries.iter().map(|e| (e.action, e.subject.as_str())).collect();
    assert_eq!(actions, [(earshot_protocol::AdminAction::PersonDeactivated, "Sam Rivera"), (earshot_protocol::AdminAction::PersonAdded, "Lee Chan")]);
    let since = earshot_protocol::AdminQuery { from: Some(Millis(T0.0 + 1)), ..Default::default() };
    assert_eq!(store.admin_page(&since, None, 10).await.unwrap().0.len(), 1, "filtered by time");
}

async fn a_password_link_works_once_until_it_expires_and_a_new_one_replaces_it(db: Db) {
    let store = seeded(&db).await;
    let later = Millis(T0.0 + 3_600_000);
    store.put_password_link("first", Some(SAM), later).await.unwrap();
    assert_eq!(store.password_link("first", T0).await.unwrap(), Some(Some(SAM)));
    assert_eq!(store.password_link("first", later).await.unwrap(), None, "expired");
    store.put_password_link("second", Some(SAM), later).await.unwrap();
    assert_eq!(store.password_link("first", T0).await.unwrap(), None, "replaced");
    store.put_password_link("setup", None, later).await.unwrap();
    assert_eq!(store.use_password_link("setup", T0).await.unwrap(), Some(None), "the setup link: for nobody yet");
    assert_eq!(store.use_password_link("setup", T0).await.unwrap(), None, "once");
    assert_eq!(store.use_password_link("second", T0).await.unwrap(), Some(Some(SAM)), "another's setup link left it alone");
}

async fn numbers_an_admin_adds_and_removes_are_kept_with_who_takes_them(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let form = earshot_protocol::NumberForm { name: "Refunds".into(), e164: "+442079460958".into(), people: vec![SAM] };
    let refunds = core.save_number(T0, UserId(1), None, &form).unwrap();
    core.remove_number(T0, UserId(1), earshot_domain::seed::BILLING).unwrap();
    assert_eq!(write_out(&mut core, &writer).await, Ok(()));

    let directory = store.company().await.unwrap().directory;
    assert_eq!(directory.live_number(refunds.id), Some(&refunds));
    assert!(directory.user(SAM).unwrap().is_assigned_to(refunds.id), "its people");
    assert!(directory.live_number(earshot_domain::seed::BILLING).is_none(), "removed");
    assert_eq!(directory.number(earshot_domain::seed::BILLING).map(|n| n.name.as_str()), Some("Billing"), "its name kept for past calls");
    assert!(!directory.users().any(|u| u.is_assigned_to(earshot_domain::seed::BILLING)), "nobody takes it");
}

async fn ten_thousand_contacts_imported_are_kept_in_one_record(db: Db) {
    let store = seeded(&db).await;
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(demo_directory());
    let mut csv = String::from("name,phone,company,notes\n");
    for i in 0..10_000 {
        let name = if matches!(i, 99 | 4_999 | 8_999) { String::new() } else { format!("Person {i}") };
        csv.push_str(&format!("{name},+44 20 3{i:07},,\n"));
    }
    assert_eq!(core.import_contacts(T0, UserId(1), &csv, None, true), Ok((9_997, 3)));
    let started = std::time::Instant::now();
    assert_eq!(write_out(&mut core, &writer).await, Ok(()));
    eprintln!("10,000-line import written in {:?}", started.elapsed());
    let directory = store.company().await.unwrap().directory;
    assert_eq!(directory.contacts().count(), demo_directory().contacts().count() + 9_997);
    let last = directory.contact_for_phone("+442030009999").expect("the last line's contact");
    assert_eq!(last.name, "Person 9999");
}
