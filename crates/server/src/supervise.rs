//! The threads and tasks the server cannot go on without — the live core,
//! the database writer, the media shards, the listener, the spotters, the
//! password checkers — run here: if one panics, the process says which and
//! why, and exits with [`EXIT_CODE`], so a service manager restarts it. Left
//! alone, the others would answer "the server is shutting down" forever.
//!
//! A connection's own task is not supervised: its panic ends that
//! connection only.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The process's exit status when a supervised part failed (`EX_SOFTWARE`).
pub const EXIT_CODE: i32 = 70;

/// Starts a named thread the server cannot go on without.
pub fn thread<T: Send + 'static>(
    name: impl Into<String>,
    run: impl FnOnce() -> T + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<T>> {
    let name = name.into();
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || match catch_unwind(AssertUnwindSafe(run)) {
            Ok(done) => done,
            Err(panic) => failed(&name, &*panic),
        })
}

/// Spawns, on the current runtime, a task the server cannot go on without.
pub fn task(name: impl Into<String>, run: impl Future<Output = ()> + Send + 'static) {
    let name = name.into();
    let running = tokio::spawn(run);
    tokio::spawn(async move {
        if let Err(e) = running.await {
            if e.is_panic() {
                failed(&name, &*e.into_panic());
            } // cancelled: its runtime is shutting down
        }
    });
}

fn failed(name: &str, panic: &(dyn Any + Send)) -> ! {
    let why = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message");
    let said = format!(
        "earshot-server: the {name} failed ({why}); the server cannot go on without it and stops"
    );
    tracing::error!("{said}");
    eprintln!("{said}");
    std::process::exit(EXIT_CODE)
}

#[cfg(test)]
mod tests {
    use std::process::Command;
    use std::time::Duration;

    use super::*;

    /// Set in the child process a test runs: what it should make fail.
    const CHILD: &str = "EARSHOT_SUPERVISE_CHILD";

    /// Runs this test binary again, for `test` alone, as a child that makes
    /// `what` fail; returns its exit code and what it wrote to stderr.
    fn child(test: &str, what: &str) -> (Option<i32>, String) {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", test, "--nocapture", "--test-threads=1"])
            .env(CHILD, what)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn a_thread_that_panics_stops_the_process_and_says_which_and_why() {
        if std::env::var_os(CHILD).is_some() {
            let _ = thread("live core", || panic!("the directory lost a user"));
            std::thread::sleep(Duration::from_secs(10));
            return; // not reached: the process has exited
        }
        let (code, said) = child(
            "supervise::tests::a_thread_that_panics_stops_the_process_and_says_which_and_why",
            "thread",
        );
        assert_eq!(code, Some(EXIT_CODE), "{said}");
        assert!(
            said.contains("earshot-server: the live core failed (the directory lost a user); the server cannot go on without it and stops"),
            "{said}"
        );
    }

    #[test]
    fn a_task_that_panics_stops_the_process_and_one_that_ends_does_not() {
        if std::env::var_os(CHILD).is_some() {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                task("done task", async {});
                tokio::time::sleep(Duration::from_millis(100)).await;
                let row = 7;
                task("database writer", async move {
                    panic!("row {row} is not a row")
                });
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
            return;
        }
        let (code, said) = child(
            "supervise::tests::a_task_that_panics_stops_the_process_and_one_that_ends_does_not",
            "task",
        );
        assert_eq!(code, Some(EXIT_CODE), "{said}");
        assert!(
            said.contains("the database writer failed (row 7 is not a row)"),
            "{said}"
        );
        assert!(!said.contains("done task"), "{said}");
    }

    #[test]
    fn a_thread_that_ends_hands_back_what_it_made() {
        assert_eq!(thread("sum", || 2 + 2).unwrap().join().unwrap(), 4);
    }
}
