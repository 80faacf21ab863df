//! The live state of the contact centre, kept in step with the server over
//! one WebSocket.

pub mod model;
mod socket;

pub use model::{format_duration, Applied, Kpis, LiveState};
pub use socket::{provide_live, Connection, Endpoint, Live};
