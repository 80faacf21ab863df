//! Accessibility checks with axe-core, run in the page as it is now.
//! `cargo xtask test` installs axe-core from npm and names its script in
//! `EARSHOT_AXE`.

use serde_json::json;

use crate::Browser;

/// The serious and critical violations axe finds on the page, one line each
/// (rule, help, where).
pub async fn serious_violations(browser: &Browser) -> Vec<String> {
    let path = std::env::var_os("EARSHOT_AXE").expect("EARSHOT_AXE is not set: run these tests with `cargo xtask test`");
    let axe = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read axe-core at {}: {e}", path.to_string_lossy()));
    // WebDriver runs the script as the page's own function: no CSP to pass.
    let script = format!(
        "{axe}\n;const done = arguments[arguments.length - 1];
        window.axe.run(document, {{ resultTypes: ['violations'] }}).then(
            r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${{v.id}} (${{v.impact}}): ${{v.help}} at ${{v.nodes.map(n => n.target.join(' ')).join(', ')}}`)),
            e => done([`axe could not run: ${{e}}`]));"
    );
    let found = browser.execute_async(&script, json!([])).await;
    found.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}
