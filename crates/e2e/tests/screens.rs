//! `cargo xtask screens`: a screenshot of every screen at 1280×800 into
//! `docs/screens/` (ignored in the test run; the command runs it).

use earshot_e2e::screens::every_screen;
use earshot_e2e::{spawn_app, Browser, Chromedriver};

#[tokio::test]
#[ignore = "run by `cargo xtask screens`"]
async fn screens() {
    let dir = std::env::var_os("EARSHOT_SCREENS").expect("EARSHOT_SCREENS names the folder: run `cargo xtask screens`");
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    every_screen(&app, &driver, async |screen: &str, browser: &Browser| {
        // Let a just-changed screen finish drawing (meters, fonts).
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        std::fs::write(dir.join(format!("{screen}.png")), browser.screenshot().await).unwrap();
    })
    .await;
}
