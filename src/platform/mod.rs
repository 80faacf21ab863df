//! What the browser can do, and the page for browsers that cannot.

mod gate;
mod unsupported;

pub use gate::{assess, detect, BrowserFacts, Feature, Verdict};
pub use unsupported::Unsupported;
