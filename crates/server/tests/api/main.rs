//! Black-box tests of the server over real HTTP and WebSocket on port 0.

mod audio;
mod authorization;
mod connections;
mod helpers;
mod live;
mod live_state;
mod media;
mod privacy;
mod session;
