//! Earshot on several nodes: what lets one node own a company's live core
//! while others serve its connections. Rules with no I/O, driven by shells
//! that talk to NATS JetStream and PostgreSQL.
//!
//! - [`lease`]: one owner per company, by a renewed lease in a revisioned
//!   key-value bucket; its epoch fences the owner's writes;
//! - [`nats`]: the lease's shell over NATS JetStream KV (async-nats);
//! - [`private`]: a private NATS server for tests and benches.

pub mod lease;
pub mod nats;
pub mod private;
