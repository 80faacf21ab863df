//! The company's lease on a real NATS JetStream server (2.15.1, the one
//! `cargo xtask test` installs): one owner at a time, and when the owner
//! dies another node takes over at a higher epoch.

use std::time::Duration;

use earshot_cluster::lease::Timing;
use earshot_cluster::nats::{hold, leases, takeover_within};
use earshot_cluster::private::PrivateNats;
use tokio::sync::watch;

/// A short lease, so that the test takes seconds.
const TIMING: Timing = Timing { renew: Duration::from_millis(300), step_down: Duration::from_millis(1_000), expires: Duration::from_millis(1_200) };

/// A node holding the company's lease: its epoch as it changes.
async fn node(nats: &PrivateNats, name: &str) -> (watch::Receiver<Option<u64>>, tokio::task::JoinHandle<()>) {
    let client = async_nats::connect(nats.url()).await.expect("connected");
    let bucket = leases(&async_nats::jetstream::new(client), TIMING).await.expect("the leases' bucket");
    let (epoch, told) = watch::channel(None);
    let task = tokio::spawn(hold(bucket, "company.1".into(), name.into(), TIMING, epoch));
    (told, task)
}

async fn owns(epoch: &mut watch::Receiver<Option<u64>>, within: Duration) -> u64 {
    let owned = tokio::time::timeout(within, epoch.wait_for(Option::is_some)).await.expect("it takes the lease in time").expect("the node runs");
    owned.expect("just waited for it")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_owns_the_company_and_when_it_dies_another_takes_over_at_a_higher_epoch() {
    let nats = PrivateNats::start().expect("a private nats-server");
    let (mut a, a_task) = node(&nats, "node-a").await;
    let first = owns(&mut a, Duration::from_secs(5)).await;
    let (b, b_task) = node(&nats, "node-b").await;
    tokio::time::sleep(TIMING.expires * 3).await;
    assert_eq!((*a.borrow(), *b.borrow()), (Some(first), None), "A renews; B, trying all along, never owns it");

    a_task.abort(); // kill -9: no goodbye, the key simply stops being renewed
    let mut b = b;
    let second = owns(&mut b, takeover_within(TIMING) * 2).await;
    assert!(second > first, "a later owner's epoch is higher: {second} after {first}");

    // A comes back as a new process: it does not get the lease while B holds it.
    let (back, back_task) = node(&nats, "node-a").await;
    tokio::time::sleep(TIMING.expires * 2).await;
    assert_eq!((*back.borrow(), *b.borrow()), (None, Some(second)));
    b_task.abort();
    back_task.abort();
}
