//! CPU time of this process and of its threads by name, from /proc.

use std::time::Duration;

/// Clock ticks per second of /proc's times (Linux: 100).
const TICKS: f64 = 100.0;

/// utime + stime of a `/proc/…/stat` line.
fn cpu(stat: &str) -> Option<Duration> {
    // Fields after the name in parentheses (which may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / TICKS))
}

/// The whole process's CPU time.
pub fn process() -> Duration {
    std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| cpu(&s)).unwrap_or_default()
}

/// The CPU time of this process's threads whose name starts with `prefix`.
pub fn threads(prefix: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return Duration::ZERO };
    tasks
        .filter_map(Result::ok)
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|name| name.starts_with(prefix)))
        .filter_map(|task| std::fs::read_to_string(task.path().join("stat")).ok().and_then(|s| cpu(&s)))
        .sum()
}

/// Resident memory, in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find_map(|line| line.strip_prefix("VmRSS:")?.trim().strip_suffix("kB")?.trim().parse().ok()).unwrap_or(0)
}

/// UDP datagrams the kernel dropped for want of receive buffer, machine-wide.
pub fn udp_receive_buffer_drops() -> u64 {
    let snmp = std::fs::read_to_string("/proc/net/snmp").unwrap_or_default();
    let mut udp = snmp.lines().filter(|line| line.starts_with("Udp:"));
    let (Some(names), Some(values)) = (udp.next(), udp.next()) else { return 0 };
    let at = names.split_whitespace().position(|name| name == "RcvbufErrors");
    at.and_then(|at| values.split_whitespace().nth(at)?.parse().ok()).unwrap_or(0)
}
