//! Noticing that a call's audio connection is gone for good: another window
//! took it over, the server let it go, or the network changed under it.

use super::sleep;

/// Polling period for connection state.
pub const CHECK_EVERY_MS: i32 = 250;
/// How long a connection may stay down before it counts as lost: ICE rides
/// out a short outage by itself.
const DOWN_FOR_MS: i32 = 5_000;

/// Waits while the connection is `current()`. True once `down()` has said
/// so for [`DOWN_FOR_MS`] in a row; false as soon as the connection is no
/// longer the current one. `down()` answers `None` while it cannot tell.
pub async fn went_down(down: impl Fn() -> Option<bool>, current: impl Fn() -> bool) -> bool {
    let mut down_for = 0;
    while down_for < DOWN_FOR_MS {
        sleep(CHECK_EVERY_MS).await;
        if !current() {
            return false;
        }
        down_for = if down() == Some(true) { down_for + CHECK_EVERY_MS } else { 0 };
    }
    true
}
