//! `cargo xtask bench sip`: phone calls, in two parts.
//!
//! 1. **The audio, ramped to the knee.** Each call: a phone leg in the
//!    customer's seat — a trunk's socket in this process sending 20 ms of
//!    G.711 μ-law 50 times a second — and a str0m agent peer speaking
//!    Opus, both on real UDP sockets against the real server's media
//!    shards. What the trunk sends is decoded and Opus-encoded for the
//!    agent; what the agent says is decoded and G.711-encoded for the
//!    trunk. The same ramp with a str0m customer instead gives what the
//!    transcoding costs per call. The knee, as in `bench sfu`: loss toward
//!    the agent above 0.1 %, or the median hop twice the lightest load's.
//! 2. **Call setup over SIP**, through the whole server, with the demo's
//!    12 agents available: each INVITE to the Support number timed to its
//!    200 OK — the core queueing the call (kept in the store), an agent
//!    taking it, the answer sent. SIPp (Debian's `sip-tester`) places 300
//!    calls at 10 a second and times them to the millisecond, its finest;
//!    an rsipstack client then times 300 more to the microsecond.

mod line;
#[path = "../sfu/peer.rs"]
mod peer;
// Shared with `bench sfu`, which also reads the process's memory.
#[allow(dead_code)]
#[path = "../sfu/proc_stat.rs"]
mod proc_stat;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_server::media::{self, Dialogue, MediaConfig, MediaHandle};
use earshot_sfu::{LegRole, RoomId};

use peer::Counters;

/// This machine's, which the load and the shards share.
const CORES: f64 = 2.0;

/// Who calls in: a phone line, or (for comparison) a browser.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Customer {
    Phone,
    Browser,
}

/// What one step of the ramp measured.
struct Step {
    server_cores: f64,
    hop_p50: Duration,
    hop_p99: Duration,
    /// Customer frames the agent should have heard and did not.
    loss: f64,
    /// Packets the trunk was sent per 20 ms, per call (1: one each frame).
    phone_packets_per_frame: f64,
    generator_cores: f64,
    /// Datagrams the kernel dropped for want of a socket's receive buffer.
    kernel_drops: u64,
}

fn main() {
    str0m::crypto::from_feature_flags().install_process_default();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("generator").enable_all().build().unwrap();
    let ramp: Vec<usize> = std::env::var("EARSHOT_BENCH_CALLS").map_or_else(
        |_| vec![10, 25, 50, 100, 150, 200, 300, 400, 500],
        |calls| calls.split(',').map(|n| n.trim().parse().expect("EARSHOT_BENCH_CALLS: counts like 50")).collect(),
    );
    println!("Phone calls' audio, one media shard (a phone leg and a str0m agent per call, both speaking):");
    println!("  calls | server CPU | per call | hop p50 | hop p99 | loss to agent (kernel drops) | to trunk /20 ms | generator CPU | same calls from browsers: CPU, per call");
    let mut baseline = None;
    let mut knee = None;
    for &calls in &ramp {
        let phone = runtime.block_on(step(Customer::Phone, calls, Duration::from_secs(5)));
        let browser = runtime.block_on(step(Customer::Browser, calls, Duration::from_secs(5)));
        let per_call = |cores: f64| cores * 100.0 / calls as f64;
        println!(
            "  {calls:>5} | {:>5.2} cores | {:>5.2} % | {:>5.0} µs | {:>5.0} µs | {:>11.2} % ({:>5}) | {:>15.2} | {:>7.2} cores | {:.2} cores, {:.2} %",
            phone.server_cores,
            per_call(phone.server_cores),
            phone.hop_p50.as_secs_f64() * 1e6,
            phone.hop_p99.as_secs_f64() * 1e6,
            phone.loss * 100.0,
            phone.kernel_drops,
            phone.phone_packets_per_frame,
            phone.generator_cores,
            browser.server_cores,
            per_call(browser.server_cores),
        );
        let p50 = *baseline.get_or_insert(phone.hop_p50);
        if phone.loss > 0.001 || phone.hop_p50 > p50 * 2 {
            println!("  knee passed at {calls} calls ({})", if phone.loss > 0.001 { "loss above 0.1 %" } else { "median hop doubled" });
            break;
        }
        knee = Some((calls, phone, browser));
    }
    if let Some((calls, phone, browser)) = knee {
        let transcoding = (phone.server_cores - browser.server_cores) * 1e6 / calls as f64;
        println!(
            "  at the knee ({calls} calls): {:.0} phone calls per core of media CPU; transcoding (G.711 ↔ Opus both ways) \
             {transcoding:.0} µs of CPU per call-second = {:.2} % of a core per call",
            calls as f64 / phone.server_cores,
            transcoding / 1e4,
        );
        if phone.server_cores + 0.5 > CORES {
            println!("  (the load generator shares these {CORES} cores: past about one core of server CPU the figures are the machine's, not the server's)");
        }
    }
    runtime.block_on(setup_times(300));
}

/// Percentiles of `times` (sorted here).
fn percentiles(times: &mut [f64]) -> impl Fn(f64) -> f64 + '_ {
    times.sort_by(f64::total_cmp);
    |fraction: f64| times.get(((times.len().max(1) - 1) as f64 * fraction).round() as usize).copied().unwrap_or(f64::NAN)
}

/// `calls` calls from `customer`s to speaking agents on one fresh shard,
/// for `window` of speech.
async fn step(customer: Customer, calls: usize, window: Duration) -> Step {
    let config = MediaConfig { shards: 1, ..MediaConfig::default() };
    let (ears, _unheard) = earshot_server::listen::channel();
    let media = media::spawn(&config, Dialogue::default(), ears).expect("the media shards start");
    let speaking = Arc::new(AtomicBool::new(false));
    let mut customers = Vec::new();
    let mut agents = Vec::new();
    for call in 0..calls {
        let room = RoomId(call as u64 + 1);
        customers.push(match customer {
            Customer::Phone => line::join(&media, room, &speaking).await,
            Customer::Browser => peer::join(&media, room, LegRole::Customer, 1, true, &speaking).await,
        });
        agents.push(peer::join(&media, room, LegRole::Agent, 2, true, &speaking).await);
    }
    peer::all_connected(customers.iter().chain(&agents).map(|(counters, _)| &**counters)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let drops_before = proc_stat::udp_receive_buffer_drops();
    speaking.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await; // warm
    let before = Measure::take(&media, &customers, &agents).await;
    tokio::time::sleep(window).await;
    let after = Measure::take(&media, &customers, &agents).await;
    speaking.store(false, Ordering::Relaxed);
    for (_, task) in customers.iter().chain(&agents) {
        task.abort();
    }
    let seconds = after.at.duration_since(before.at).as_secs_f64();
    let hops = after.hops.since(&before.hops);
    let sent = after.customers_sent - before.customers_sent;
    let heard = after.agents_heard - before.agents_heard;
    let frames = seconds / peer::FRAME.as_secs_f64() * calls as f64;
    let server = after.server.saturating_sub(before.server).as_secs_f64();
    Step {
        server_cores: server / seconds,
        generator_cores: (after.process.saturating_sub(before.process).as_secs_f64() - server) / seconds,
        kernel_drops: proc_stat::udp_receive_buffer_drops() - drops_before,
        hop_p50: hops.percentile(0.5),
        hop_p99: hops.percentile(0.99),
        loss: sent.saturating_sub(heard) as f64 / sent.max(1) as f64,
        phone_packets_per_frame: (after.customers_heard - before.customers_heard) as f64 / frames,
    }
}

/// The counters at one moment.
struct Measure {
    at: Instant,
    server: Duration,
    process: Duration,
    hops: media::Hops,
    customers_sent: u64,
    customers_heard: u64,
    agents_heard: u64,
}

type Peers = [(Arc<Counters>, tokio::task::JoinHandle<()>)];

impl Measure {
    async fn take(media: &MediaHandle, customers: &Peers, agents: &Peers) -> Measure {
        let sum = |peers: &Peers, count: fn(&Counters) -> u64| peers.iter().map(|(c, _)| count(c)).sum();
        let hops = media.hops().await;
        Measure {
            at: Instant::now(),
            server: proc_stat::threads("media-"),
            process: proc_stat::process(),
            hops,
            customers_sent: sum(customers, |c| c.sent.load(Ordering::Relaxed)),
            customers_heard: sum(customers, |c| c.heard.load(Ordering::Relaxed)),
            agents_heard: sum(agents, |c| c.heard.load(Ordering::Relaxed)),
        }
    }
}

/// `calls` SIPp calls, 10 a second, to the demo's Support number with
/// every agent available: each INVITE's time to its 200 OK.
async fn setup_times(calls: usize) {
    use earshot_server::{Application, Config};
    use earshot_sip::line::LineConfig;
    use earshot_sip::trunk::Trunks;

    let trunks = Trunks { allowed: vec!["127.0.0.1/32".parse().unwrap()], account: None };
    let line = LineConfig { bind: "127.0.0.1:0".parse().unwrap(), trunks, max_calls: LineConfig::MAX_CALLS, outbound: None };
    let config = Config { addr: "127.0.0.1:0".parse().unwrap(), sip: Some(line), ..Config::demo() };
    let app = Application::build(config).await.expect("the server starts");
    let (sip, live) = (app.sip_addr().expect("the phone line is on"), app.live());
    tokio::spawn(app.run_until_stopped());
    let agents: Vec<_> = live.directory().await.unwrap().users().filter(|u| u.role == earshot_protocol::Role::Agent).map(|u| u.id).collect();
    for &agent in &agents {
        live.connected(agent).await;
        live.set_presence(agent, true, String::new()).await.unwrap().unwrap();
    }
    let dir = std::env::temp_dir().join(format!("earshot-bench-sip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let free = || std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let mut sipp = Command::new("sipp");
    sipp.current_dir(&dir).args(["-sn", "uac", "-s", "+441615550200", "-m", &calls.to_string(), "-r", "10", "-l", &agents.len().to_string()]);
    sipp.args(["-trace_rtt", "-rtt_freq", "1", "-i", "127.0.0.1", "-p", &free(), "-mp", &free(), "-timeout", "120s", "-nostdin", "-nd"]);
    sipp.arg(sip.to_string()).stdout(Stdio::null()).stderr(Stdio::null());
    let status = tokio::task::spawn_blocking(move || sipp.status().expect("sipp runs (cargo xtask bench sip installs it)")).await.unwrap();
    let csv = std::fs::read_dir(&dir).unwrap().filter_map(Result::ok).find(|e| e.file_name().to_string_lossy().ends_with("_rtt.csv")).expect("SIPp's response times");
    let text = std::fs::read_to_string(csv.path()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // `date_ms;response_time_ms;rtd_no` per call, after a header.
    let mut times: Vec<f64> = text.lines().skip(1).filter_map(|l| l.split(';').nth(1)?.trim().parse().ok()).collect();
    let answered = times.len();
    let at = percentiles(&mut times);
    println!("\nCall setup over SIP, 10 calls/s, {} agents available:", agents.len());
    println!(
        "  SIPp's uac: {answered} of {calls} calls answered{}; INVITE → 200 OK by its clock, which counts whole milliseconds: p50 {:.0} ms, p99 {:.0} ms",
        if status.success() { "" } else { " (SIPp counted failures)" },
        at(0.5),
        at(0.99),
    );
    let mut times = dialled(sip, calls).await;
    let answered = times.len();
    let at = percentiles(&mut times);
    println!("  rsipstack client: {answered} of {calls} calls answered; INVITE → 200 OK p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", at(0.5), at(0.99), at(1.0));
}

/// `calls` calls to the Support number at `sip`, 10 a second, each hung
/// up half a second after its answer: the milliseconds to each answer.
async fn dialled(sip: std::net::SocketAddr, calls: usize) -> Vec<f64> {
    use earshot_sip::line::{Line, LineConfig};
    use earshot_sip::trunk::Trunks;

    let caller = LineConfig { bind: "127.0.0.1:0".parse().unwrap(), trunks: Trunks::default(), max_calls: 1, outbound: None };
    let (line, _refused) = Line::start(caller).await.expect("the calling side's SIP endpoint");
    // Where the calls' ringback and silence go, unread.
    let rtp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let offer = earshot_sip::sdp::offer(rtp.local_addr().unwrap(), 1, 1);
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut placed = Vec::new();
    for _ in 0..calls {
        tick.tick().await;
        let (dialer, offer) = (line.dialer(), offer.clone());
        placed.push(tokio::spawn(async move {
            let started = Instant::now();
            let call = dialer.dial("+441615550200", Some("+447700900123"), sip, offer, Default::default()).await.ok()?;
            let took = started.elapsed().as_secs_f64() * 1e3;
            tokio::time::sleep(Duration::from_millis(500)).await;
            call.hang_up().await;
            Some(took)
        }));
    }
    let mut times = Vec::new();
    for call in placed {
        times.extend(call.await.ok().flatten());
    }
    times
}
