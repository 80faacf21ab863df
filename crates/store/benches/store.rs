//! `cargo xtask bench store`: what durability costs. For SQLite (a file on
//! this machine's disk, fsync on every commit) and, when
//! `EARSHOT_BENCH_POSTGRES` names a server, PostgreSQL:
//!
//! - the wait a user's "done" takes: one hold's records, then the commit;
//! - how many records per second the writer keeps up with when calls pour
//!   in (many to a transaction);
//! - reading a call's record and filtering a big audit log.

use std::time::{Duration, Instant};

use earshot_domain::seed::{demo_directory, SALES};
use earshot_domain::{CallEvent, Command, Core, NewCall, Origin, Output};
use earshot_protocol::{AuditQuery, CallKind, Direction, Millis, UserId};
use earshot_store::{Company, Store, Writer};

const SAM: UserId = UserId(2);
const CALLS: usize = 2_000;
const HOLDS: usize = 500;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = std::env::current_dir().unwrap().join("target").join("bench-store");
        let _ = std::fs::remove_dir_all(&dir);
        report("SQLite", Store::open_dir(&dir).await.expect("SQLite")).await;
        let _ = std::fs::remove_dir_all(&dir);
        match std::env::var("EARSHOT_BENCH_POSTGRES") {
            Ok(server) => {
                let url = Store::create_database(&server, "earshot_bench").await.expect("the PostgreSQL server");
                report("PostgreSQL", Store::open(&url).await.unwrap()).await;
            }
            Err(_) => println!("PostgreSQL: skipped (EARSHOT_BENCH_POSTGRES names no server)"),
        }
    });
}

async fn report(name: &str, store: Store) {
    let directory = demo_directory();
    assert!(store.seed_if_empty(&Company { directory: directory.clone(), password_hashes: Default::default() }).await.unwrap());
    let writer = Writer::spawn(store.clone()).await.unwrap();
    let mut core = Core::new(directory).with_first_id(1);
    let t0 = Millis(1_764_000_000_000);

    // Calls pour in: each answered, coached (whisper on and off), tagged,
    // commented and ended — all handed over at once.
    let mut records = 0;
    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..CALLS {
        let at = Millis(t0.0 + i as u64);
        let call = core.start_call(at, NewCall { origin: Origin::Simulated, number: SALES, customer_phone: "+447700900100".into(), direction: Direction::Inbound, kind: CallKind::Regular });
        core.apply(at, CallEvent::Answered { call, agent: UserId(10) }).unwrap();
        core.handle(at, SAM, Command::StartCoaching { call, notify_agent: i % 2 == 0 }).unwrap();
        core.handle(at, SAM, Command::SetWhisper { on: true }).unwrap();
        core.handle(at, SAM, Command::SetWhisper { on: false }).unwrap();
        core.handle(at, SAM, Command::LeaveCoaching).unwrap();
        core.apply(at, CallEvent::Tagged { call, tag: "refund".into() }).unwrap();
        core.apply(at, CallEvent::Commented { call, text: "Wants the March invoice refunded.".into() }).unwrap();
        core.apply(at, CallEvent::Ended { call }).unwrap();
        records += hand_over(&mut core, &writer);
        calls.push(call);
    }
    writer.committed().await.expect("kept");
    let poured = started.elapsed();

    // One user's "done" at a time: a hold on or off (a timeline entry and
    // the call's state), then its commit.
    let live = core.start_call(t0, NewCall { origin: Origin::Simulated, number: SALES, customer_phone: "+447700900101".into(), direction: Direction::Inbound, kind: CallKind::Regular });
    core.apply(t0, CallEvent::Answered { call: live, agent: UserId(11) }).unwrap();
    hand_over(&mut core, &writer);
    writer.committed().await.expect("kept");
    let mut waits = Vec::with_capacity(HOLDS);
    for i in 0..HOLDS {
        core.apply(t0, CallEvent::Hold { call: live, on: i % 2 == 0 }).unwrap();
        let asked = Instant::now();
        hand_over(&mut core, &writer);
        writer.committed().await.expect("kept");
        waits.push(asked.elapsed());
    }

    let mut reads = Vec::new();
    for call in calls.iter().step_by(CALLS / 200) {
        let asked = Instant::now();
        store.call(*call).await.unwrap().unwrap();
        reads.push(asked.elapsed());
    }
    let asked = Instant::now();
    let found = store.audit(&AuditQuery { coach: Some(SAM), from: Some(Millis(t0.0 + 500)), ..AuditQuery::default() }, 500).await.unwrap();
    let audit_query = asked.elapsed();
    assert_eq!(found.len(), 500);

    println!("{name}:");
    println!("  {CALLS} calls poured in: {records} records in {:.2} s = {:.0} records/s ({:.0} calls/s)", poured.as_secs_f64(), records as f64 / poured.as_secs_f64(), CALLS as f64 / poured.as_secs_f64());
    println!("  a user's \"done\" (a hold's records, then the commit), {HOLDS} in a row: {}", percentiles(&mut waits));
    println!("  a call's whole record read back, {} calls: {}", reads.len(), percentiles(&mut reads));
    println!("  the audit log, {} entries, one coach since a time, newest 500: {:.2} ms", CALLS * 4, audit_query.as_secs_f64() * 1000.0);
    drop(writer);
    store.close().await;
}

/// Hands the core's records to the writer; returns how many.
fn hand_over(core: &mut Core, writer: &Writer) -> usize {
    let mut n = 0;
    while let Some(output) = core.poll_output() {
        if let Output::Record(record) = output {
            writer.write(record);
            n += 1;
        }
    }
    n
}

fn percentiles(samples: &mut [Duration]) -> String {
    samples.sort();
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0;
    format!("p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms", at(0.5), at(0.95), at(0.99), at(1.0))
}

