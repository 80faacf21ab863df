//! The coach's audio processing, as the server publishes it for browsers
//! to install (`GET /api/audio/manifest`).

use serde::{Deserialize, Serialize};

/// The AudioWorklet processor (plain JavaScript).
pub const PROCESSOR_FILE: &str = "earshot-processor.js";
/// The processor's DSP (a bare wasm module, `crates/worklet`).
pub const DSP_FILE: &str = "earshot-dsp.wasm";
/// Where the server serves the files: `/audio/<name>`.
pub const AUDIO_PATH: &str = "/audio/";

/// Every file of the audio processing with its SHA-256, hashed by the
/// server from the bytes it serves. The browser installs exactly these.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioManifest {
    /// Changes whenever any file changes: names the browser's cache.
    pub version: String,
    pub files: Vec<AudioFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudioFile {
    /// [`PROCESSOR_FILE`] or [`DSP_FILE`].
    pub name: String,
    /// Lower-case hex.
    pub sha256: String,
    pub bytes: u64,
}

impl AudioManifest {
    pub fn file(&self, name: &str) -> Option<&AudioFile> {
        self.files.iter().find(|f| f.name == name)
    }
}
