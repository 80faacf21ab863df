//! The real server binary, run as a process of its own (killed with
//! SIGKILL, stopped with SIGSTOP), on a data directory or a PostgreSQL
//! database.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::helpers::Site;

/// The real server binary, on its own data directory.
pub struct Server {
    child: Child,
    pub site: Site,
    /// What it printed before it said it runs.
    pub said: Vec<String>,
}

/// Where a test server keeps its data: a directory, or a PostgreSQL database.
pub enum Data {
    Dir(PathBuf),
    Postgres(String),
}

impl Data {
    pub fn dir() -> Data {
        Data::dir_named("restart")
    }

    /// A data directory of this test's own.
    pub fn dir_named(test: &str) -> Data {
        Data::Dir(std::env::temp_dir().join(format!("earshot-{test}-{}", std::process::id())))
    }

    pub async fn postgres() -> Option<Data> {
        Data::postgres_named("restart").await
    }

    /// A fresh database of this test's own on the server
    /// `EARSHOT_TEST_POSTGRES` names, if any.
    pub async fn postgres_named(test: &str) -> Option<Data> {
        let server = std::env::var("EARSHOT_TEST_POSTGRES").ok()?;
        let name = format!("earshot_{test}_{}", std::process::id());
        let url = earshot_store::Store::create_database(&server, &name).await.expect("the test PostgreSQL server");
        Some(Data::Postgres(url))
    }

    pub fn args(&self) -> [&OsStr; 2] {
        match self {
            Data::Dir(dir) => ["--data".as_ref(), dir.as_os_str()],
            Data::Postgres(url) => ["--database".as_ref(), url.as_ref()],
        }
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        if let Data::Dir(dir) = self {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Server {
    /// The demo company, without its simulator; its phone line on a port
    /// of its own (the demo's would take 5060 for each server).
    pub fn start(data: &Data) -> Server {
        Server::start_with(data, &["--demo", "--no-simulator", "--sip-bind", "127.0.0.1:0"])
    }

    pub fn start_with(data: &Data, flags: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_earshot-server"))
            // Ports of its own: these servers run side by side.
            .args(["--port", "0", "--media-bind", "127.0.0.1:0"])
            .args(flags)
            .args(data.args())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let running = "Earshot is running at http://";
        let mut said = Vec::new();
        for line in stdout.by_ref().map_while(Result::ok) {
            if let Some(addr) = line.split_once(running).and_then(|(_, rest)| rest.split('/').next()?.parse().ok()) {
                // Its log from then on, in the test's output (shown when it fails).
                std::thread::spawn(move || stdout.map_while(Result::ok).for_each(|line| eprintln!("[{addr}] {line}")));
                return Server { child, site: Site::at(addr), said };
            }
            said.push(line);
        }
        panic!("the server never said where it runs: {said:?}");
    }

    /// Sends it `signal` (`STOP`, `CONT`).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill").arg(format!("-{signal}")).arg(self.child.id().to_string()).status().expect("kill runs");
        assert!(sent.success(), "SIG{signal} sent");
    }

    /// SIGKILL: no clean shutdown, nothing flushed on the way out.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

