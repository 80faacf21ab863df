//! A load source for the scale benchmarks: a centre's calls put through to
//! its agents (`seed::centre_directory`), then a feed that puts calls on
//! hold and takes them off at a chosen rate, through the core's handle as
//! telephony would.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, Direction, NumberId, UserId};

use crate::live::LiveHandle;

/// `calls` calls, call `i` answered by agent `i` of a centre directory.
pub async fn put_through(live: &LiveHandle, calls: usize) -> Vec<CallId> {
    let mut ids = Vec::with_capacity(calls);
    for start in (0..calls).step_by(200) {
        let answered = (start..calls.min(start + 200)).map(|i| answer(live, i));
        ids.extend(futures_util::future::join_all(answered).await);
    }
    ids
}

async fn answer(live: &LiveHandle, i: usize) -> CallId {
    let number = NumberId(((i + 1) % 3) as u32 + 1);
    let new = NewCall { origin: Origin::Simulated, number, customer_phone: format!("+4477{i:08}"), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = live.start_call(new).await.expect("the core runs");
    let agent = UserId(1001 + i as u32);
    live.call_event(CallEvent::Answered { call, agent }).await.expect("the core runs").expect("the agent answers");
    call
}

/// Changes `per_second` of `calls` a second (hold on, then off), round
/// them in order from the `made`-th change, on a thread of its own, until
/// `running` clears; `asking(i)` hears of each change to call `i` just
/// before it is asked. Returns how many it made.
pub fn feed(
    live: LiveHandle,
    calls: Vec<CallId>,
    per_second: u32,
    made: Arc<AtomicU64>,
    running: Arc<AtomicBool>,
    asking: impl Fn(usize) + Send + 'static,
) -> std::thread::JoinHandle<u64> {
    std::thread::Builder::new()
        .name("feed".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime for the feed");
            runtime.block_on(async move {
                // Every 10 ms, or one change a tick below 100 a second.
                let (every, per_tick) = if per_second >= 100 {
                    (Duration::from_millis(10), per_second as usize / 100)
                } else {
                    (Duration::from_secs(1) / per_second.max(1), 1)
                };
                let mut tick = tokio::time::interval(every);
                let mut made_here = 0;
                while running.load(Ordering::Relaxed) {
                    tick.tick().await;
                    for _ in 0..per_tick {
                        let next = made.fetch_add(1, Ordering::Relaxed) as usize;
                        let (index, round) = (next % calls.len(), next / calls.len());
                        made_here += 1;
                        asking(index);
                        let event = CallEvent::Hold { call: calls[index], on: round % 2 == 0 };
                        let live = live.clone();
                        tokio::spawn(async move { live.call_event(event).await });
                    }
                }
                made_here
            })
        })
        .expect("a thread for the feed")
}
