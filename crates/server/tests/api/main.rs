//! Black-box tests of the server over real HTTP and WebSocket on port 0.

mod admin;
mod audio;
mod authorization;
mod connections;
mod durable;
mod floods;
mod helpers;
mod hostile;
mod live;
mod live_state;
mod media;
mod nodes;
mod peer;
mod phrases;
mod presence;
mod privacy;
mod process;
mod races;
mod session;
mod shards;
mod stalls;
mod store_away;
