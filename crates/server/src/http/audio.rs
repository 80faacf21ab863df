//! The coach's audio processing, published for browsers to install: the
//! files the build put in `dist/audio/`, each with its SHA-256, hashed once
//! at start-up from the very bytes that are served (so the manifest cannot
//! disagree with the files).

use std::path::Path;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use earshot_protocol::audio::{DSP_FILE, PROCESSOR_FILE};
use earshot_protocol::{AudioFile, AudioManifest, ErrorCode};
use sha2::{Digest, Sha256};

use super::{AppError, AppState};
use crate::auth::hex;

/// The manifest of `dist/audio/`, or `None` when the app was built without
/// it (the API still runs; coaching then explains it cannot set up).
pub fn load(dist: Option<&Path>) -> std::io::Result<Option<AudioManifest>> {
    let Some(dir) = dist.map(|d| d.join("audio")) else { return Ok(None) };
    let mut files = Vec::new();
    for name in [PROCESSOR_FILE, DSP_FILE] {
        let bytes = match std::fs::read(dir.join(name)) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        files.push(AudioFile { name: name.to_owned(), sha256: hex(&Sha256::digest(&bytes)), bytes: bytes.len() as u64 });
    }
    Ok(Some(manifest(files)))
}

/// The version names the set of files: a hash of their hashes.
fn manifest(files: Vec<AudioFile>) -> AudioManifest {
    let mut all = Sha256::new();
    for file in &files {
        all.update(file.name.as_bytes());
        all.update(b"\0");
        all.update(file.sha256.as_bytes());
        all.update(b"\n");
    }
    let version = hex(&all.finalize())[..16].to_owned();
    AudioManifest { version, files }
}

pub async fn manifest_route(State(state): State<AppState>) -> Result<Response, AppError> {
    let Some(manifest) = state.audio.as_ref() else {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Internal,
            "this server was built without the audio processing (dist/audio): build the app with `cargo xtask run`",
        ));
    };
    let mut response = Json(manifest.as_ref().clone()).into_response();
    // Checked on every coaching session: never a stale copy.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifest_hashes_what_is_served_and_versions_the_set() {
        let dir = std::env::temp_dir().join(format!("earshot-audio-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("audio")).unwrap();
        assert_eq!(load(Some(&dir)).unwrap(), None, "nothing built: no manifest");
        std::fs::write(dir.join("audio").join(PROCESSOR_FILE), b"abc").unwrap();
        std::fs::write(dir.join("audio").join(DSP_FILE), b"\0asm").unwrap();
        let first = load(Some(&dir)).unwrap().unwrap();
        let processor = first.file(PROCESSOR_FILE).unwrap();
        // SHA-256("abc"), the FIPS 180-2 example.
        assert_eq!(processor.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!((processor.bytes, first.version.len()), (3, 16));
        std::fs::write(dir.join("audio").join(DSP_FILE), b"\0asm\x01").unwrap();
        let second = load(Some(&dir)).unwrap().unwrap();
        assert_ne!(first.version, second.version, "a changed file is a new version");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
