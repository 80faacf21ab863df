//! `cargo xtask bench join`: from the coach's click on "Join and listen" to
//! the coach's media leg connected and to the first audio packet forwarded
//! to it, on a simulated call. Figures are printed, never asserted.

use std::time::{Duration, Instant};

use earshot_e2e::{spawn_app, wait_until, Chromedriver};
use earshot_sfu::LegRole;

const ROUNDS: usize = 10;

#[tokio::test]
#[ignore = "a benchmark: run with `cargo xtask bench join`"]
async fn bench_join_to_first_audio() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let coach = app.coach_dialog_on_simulated_call(&driver).await;
    // Set up once, beforehand: the figures are for a browser that has.
    coach.click("[data-testid=coach-dialog] .actions button:first-child").await;
    coach.set_up_audio().await;
    coach.click("[data-testid=calls] button.coach").await;

    let mut connected = Vec::new();
    let mut first_audio = Vec::new();
    for round in 0..ROUNDS {
        let join = if round == 0 { "[data-testid=join]" } else { "[data-testid=rejoin]" };
        coach.wait_for_text(join).await;
        let clicked = Instant::now();
        coach.click(join).await;
        let coach_leg = || async {
            app.media.report().await.into_iter().find(|r| r.role == LegRole::Coach)
        };
        let up = wait_until(Duration::from_secs(10), "the coach's leg to connect", || async {
            coach_leg().await.filter(|r| r.connected).map(|_| clicked.elapsed())
        })
        .await;
        let heard = wait_until(Duration::from_secs(10), "audio to the coach", || async {
            coach_leg().await.filter(|r| r.stats.forwarded_to_it.values().any(|t| t.packets > 0)).map(|_| clicked.elapsed())
        })
        .await;
        connected.push(up);
        first_audio.push(heard);
        coach.click("[data-testid=leave]").await;
    }

    for (what, mut samples) in [("media connected", connected), ("first audio packet", first_audio)] {
        samples.sort();
        println!(
            "join → {what}: min {:?}, median {:?}, max {:?} over {ROUNDS} joins",
            samples[0],
            samples[ROUNDS / 2],
            samples[ROUNDS - 1]
        );
    }
    coach.quit().await;
}
