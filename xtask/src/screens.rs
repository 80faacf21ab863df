//! `cargo xtask screens`: builds the app and writes a screenshot of every
//! screen at 1280×800 into `docs/screens/` (README shows them).

use crate::cmd::{root, run, step, Result};
use crate::run::build_dist;
use crate::test::e2e;
use crate::tools;

pub fn screens(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err("usage: cargo xtask screens".to_owned());
    }
    let tool_bin = tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    build_dist(&tool_bin)?;
    step("screenshots of every screen into docs/screens/");
    let dir = root().join("docs").join("screens");
    run(e2e(&["test", "--package", "earshot-e2e", "--test", "screens", "--", "--ignored"]).env("EARSHOT_SCREENS", &dir))
}
