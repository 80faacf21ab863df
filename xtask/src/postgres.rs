//! A throwaway PostgreSQL server for the tests: Debian's `postgresql`,
//! a fresh cluster in the system's temp directory on a free port of
//! 127.0.0.1, stopped and removed when the tests are done.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{output, root, run, step, Result};
use crate::tools::ensure_debian;

/// A running cluster; stopped and removed on drop.
pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    /// initdb refuses to run as root: the cluster then belongs to `nobody`.
    as_nobody: bool,
    /// The `postgres` database of the cluster's superuser `earshot`.
    pub url: String,
}

impl Cluster {
    pub fn start() -> Result<Cluster> {
        step("starting a throwaway PostgreSQL for the store's tests");
        ensure_debian("/usr/lib/postgresql", "postgresql")?;
        let bin = newest_bin()?;
        let dir = cluster_dir(&root());
        let _ = std::fs::remove_dir_all(&dir); // a cluster a killed run left behind
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let as_nobody = output("id", &["-u"]).is_some_and(|uid| uid == "0");
        if as_nobody {
            run(Command::new("chown").arg("nobody").arg(&dir))?;
        }
        let port = free_port()?;
        let data = dir.join("data");
        let mut cluster = Cluster { bin, dir, as_nobody, url: String::new() };
        run(cluster.command("initdb").arg("-D").arg(&data).args(["-U", "earshot", "--auth=trust", "-E", "UTF8", "--no-sync"]).arg("--no-instructions"))?;
        // Throwaway data: no fsync. The socket directory is the cluster's own.
        let options = format!("-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200", cluster.dir.display());
        let log = cluster.dir.join("log");
        run(cluster.command("pg_ctl").arg("-D").arg(&data).args(["-o", &options, "-l"]).arg(log).args(["-w", "start"]))?;
        cluster.url = format!("postgres://earshot@127.0.0.1:{port}/postgres");
        println!("    {}", cluster.url);
        Ok(cluster)
    }

    /// One of PostgreSQL's programs, run as the cluster's owner.
    fn command(&self, program: &str) -> Command {
        if !self.as_nobody {
            return Command::new(self.bin.join(program));
        }
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(self.bin.join(program));
        command
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.command("pg_ctl").arg("-D").arg(data).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where the cluster of the checkout at `root` lives: in the temp
/// directory, which its owner `nobody` can enter wherever the checkout is
/// (a checkout under `/root` is closed to them), one per checkout.
fn cluster_dir(root: &Path) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    root.hash(&mut hasher);
    std::env::temp_dir().join(format!("earshot-postgres-{:016x}", hasher.finish()))
}

/// `/usr/lib/postgresql/<newest>/bin`.
fn newest_bin() -> Result<PathBuf> {
    let versions = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(versions)
        .map_err(|e| format!("cannot read {}: {e}", versions.display()))?
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .max()
        .ok_or_else(|| format!("no PostgreSQL version under {}", versions.display()))?;
    Ok(versions.join(newest.to_string()).join("bin"))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_cluster_is_where_nobody_can_reach_it_wherever_the_checkout_is() {
        for checkout in ["/root/earshot", "/tmp/earshot", "/home/dev/src/earshot"] {
            let dir = cluster_dir(Path::new(checkout));
            // Every folder on the way that exists lets others pass (`o+x`).
            for folder in dir.ancestors().skip(1).filter(|f| f.exists()) {
                let mode = std::fs::metadata(folder).unwrap().permissions().mode();
                assert_ne!(mode & 0o001, 0, "{} is closed to nobody, on the way to {}", folder.display(), dir.display());
            }
        }
        assert_ne!(cluster_dir(Path::new("/root/a")), cluster_dir(Path::new("/root/b")), "one per checkout");
    }
}
