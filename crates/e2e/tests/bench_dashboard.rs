//! `cargo xtask bench dashboard`: Sam's Calls tab in headless Chromium on a
//! centre of `EARSHOT_BENCH_CALLS` live calls (default 10,000) while the
//! server changes `EARSHOT_BENCH_CHANGES` of them a second (default 1,000;
//! `earshot_server::load`). Measured in the page: the app's own marks
//! (socket open → snapshot in → snapshot on screen), long tasks
//! (PerformanceObserver), frame times (a requestAnimationFrame loop), DOM
//! nodes and rows, JS heap. Figures are printed, never asserted.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::Duration;

use earshot_domain::seed::centre_directory;
use earshot_e2e::{spawn_app, Chromedriver};
use earshot_server::{load, Config};
use serde_json::json;

const WINDOW: Duration = Duration::from_secs(10);

fn from_env(name: &str, default: u32) -> u32 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test]
#[ignore = "a benchmark: run with `cargo xtask bench dashboard`"]
async fn bench_dashboard() {
    let (calls, changes) = (from_env("EARSHOT_BENCH_CALLS", 10_000) as usize, from_env("EARSHOT_BENCH_CHANGES", 1_000));
    let app = spawn_app(|config| config.seed = Config::with_directory(centre_directory(calls)).seed).await;
    let ids = load::put_through(&app.live, calls).await;
    let driver = Chromedriver::start().await;
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    sam.wait_for_text("[data-testid=calls] tbody tr[data-testid]").await;
    let marks = sam
        .execute(
            "const at = name => performance.getEntriesByName(name).map(m => m.startTime).pop();
             return [at('earshot:live-open'), at('earshot:snapshot'), at('earshot:snapshot-shown')];",
            json!([]),
        )
        .await;
    let at = |i: usize| marks[i].as_f64().expect("the app marks its live socket and snapshot");
    println!("{calls} live calls, {changes} changes a second from the server, {:.0} s:", WINDOW.as_secs_f64());
    println!("  live socket open → snapshot in: {:.0} ms; snapshot in → on screen: {:.0} ms", at(1) - at(0), at(2) - at(1));

    // Long tasks and every frame's time while the calls change.
    sam.execute(
        "window.__long = []; window.__frames = [];
         new PerformanceObserver(list => window.__long.push(...list.getEntries().map(e => e.duration))).observe({ type: 'longtask' });
         let last = performance.now();
         const frame = now => { window.__frames.push(now - last); last = now; if (!window.__stop) requestAnimationFrame(frame); };
         requestAnimationFrame(frame);",
        json!([]),
    )
    .await;
    let running = Arc::new(AtomicBool::new(true));
    let feed = load::feed(app.live.clone(), ids, changes, Arc::new(AtomicU64::new(0)), Arc::clone(&running), |_| {});
    tokio::time::sleep(WINDOW).await;
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let made = tokio::task::spawn_blocking(move || feed.join().expect("the feed runs")).await.unwrap();
    let page = sam
        .execute(
            "window.__stop = true;
             const frames = window.__frames.slice(1).sort((a, b) => a - b);
             const q = p => frames[Math.min(frames.length - 1, Math.floor(frames.length * p))];
             return { long: window.__long, frames: frames.length, p50: q(0.5), p95: q(0.95), max: frames[frames.length - 1],
                      nodes: document.getElementsByTagName('*').length,
                      rows: document.querySelectorAll('[data-testid=calls] tbody tr[data-testid]').length,
                      held: document.querySelectorAll(`[data-testid=calls] tbody tr[data-state=\"On hold\"]`).length,
                      heap: performance.memory ? performance.memory.usedJSHeapSize : null };",
            json!([]),
        )
        .await;
    let long: Vec<f64> = page["long"].as_array().map(|l| l.iter().filter_map(|d| d.as_f64()).collect()).unwrap_or_default();
    println!("  {made} changes made; long tasks (> 50 ms): {} (longest {:.0} ms)", long.len(), long.iter().copied().fold(0.0, f64::max));
    println!(
        "  frames: {}, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        page["frames"],
        page["p50"].as_f64().unwrap_or(0.0),
        page["p95"].as_f64().unwrap_or(0.0),
        page["max"].as_f64().unwrap_or(0.0)
    );
    println!(
        "  DOM: {} elements, {} call rows ({} of them on hold now: the changes reached the page); JS heap {:.1} MB",
        page["nodes"],
        page["rows"],
        page["held"],
        page["heap"].as_f64().unwrap_or(0.0) / 1e6
    );
    sam.quit().await;
}
