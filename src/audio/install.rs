//! Installing the coach's audio processing into Cache Storage, and
//! checking it each time: "installed" is what the cache holds — every file
//! present and matching the running server's manifest — never a flag.
//!
//! Files live in the cache `earshot-audio-<version>` under
//! `/audio/installed/<version>/<name>`, the path the service worker answers
//! (`public/audio-sw.js`). Installing a version deletes every other one.

use std::future::Future;

use earshot_protocol::{AudioFile, AudioManifest};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, CacheStorage, Response, ResponseInit};

use crate::media::js_error;

const CACHE_PREFIX: &str = "earshot-audio-";

/// The cache that holds `manifest`'s version.
pub fn cache_name(manifest: &AudioManifest) -> String {
    format!("{CACHE_PREFIX}{}", manifest.version)
}

/// Where an installed file is served from (by the service worker).
pub fn installed_url(manifest: &AudioManifest, name: &str) -> String {
    format!("/audio/installed/{}/{name}", manifest.version)
}

/// Why the cache does not hold the manifest's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    Missing(String),
    /// Present, but not the bytes the manifest names.
    Corrupted(String),
}

/// Checks every file of `manifest` in the cache, by SHA-256.
pub async fn verify(manifest: &AudioManifest) -> Result<Vec<Problem>, String> {
    let caches = caches()?;
    let mut problems = Vec::new();
    for file in &manifest.files {
        let hit = JsFuture::from(caches.match_with_str(&installed_url(manifest, &file.name))).await.map_err(js_error)?;
        match hit.dyn_into::<Response>() {
            Err(_) => problems.push(Problem::Missing(file.name.clone())),
            Ok(response) => {
                if !matches(file, &body(&response).await?).await? {
                    problems.push(Problem::Corrupted(file.name.clone()));
                }
            }
        }
    }
    Ok(problems)
}

/// Installs every file: downloaded with `download`, checked against the
/// manifest, then stored; `progress(bytes done, bytes in all)` after each.
/// A file that arrives damaged stops the install with the reason.
pub async fn install<D, F>(manifest: &AudioManifest, download: D, progress: impl Fn(u64, u64)) -> Result<(), String>
where
    D: Fn(AudioFile) -> F,
    F: Future<Output = Result<Vec<u8>, String>>,
{
    let total = manifest.files.iter().map(|f| f.bytes).sum();
    let mut done = 0;
    progress(done, total);
    let caches = caches()?;
    let cache: Cache = JsFuture::from(caches.open(&cache_name(manifest))).await.map_err(js_error)?.unchecked_into();
    for file in &manifest.files {
        let mut bytes = download(file.clone()).await.map_err(|e| format!("{} could not be downloaded: {e}", file.name))?;
        if !matches(file, &bytes).await? {
            return Err(format!("{} arrived damaged (its SHA-256 does not match the server's manifest): try again", file.name));
        }
        let init = ResponseInit::new();
        let headers = js_sys::Object::new();
        js_sys::Reflect::set(&headers, &"Content-Type".into(), &content_type(&file.name).into()).map_err(js_error)?;
        init.set_headers(&headers);
        let response = Response::new_with_opt_u8_array_and_init(Some(&mut bytes), &init).map_err(js_error)?;
        JsFuture::from(cache.put_with_str(&installed_url(manifest, &file.name), &response)).await.map_err(|e| format!("the browser would not store {}: {}", file.name, js_error(e)))?;
        done += file.bytes;
        progress(done, total);
    }
    remove_other_versions(&caches, manifest).await
}

/// The bytes of an installed file.
pub async fn read(manifest: &AudioManifest, name: &str) -> Result<Vec<u8>, String> {
    let hit = JsFuture::from(caches()?.match_with_str(&installed_url(manifest, name))).await.map_err(js_error)?;
    let response: Response = hit.dyn_into().map_err(|_| format!("{name} is not installed"))?;
    body(&response).await
}

async fn remove_other_versions(caches: &CacheStorage, manifest: &AudioManifest) -> Result<(), String> {
    let current = cache_name(manifest);
    for name in keys(caches).await? {
        if name.starts_with(CACHE_PREFIX) && name != current {
            JsFuture::from(caches.delete(&name)).await.map_err(js_error)?;
        }
    }
    Ok(())
}

async fn keys(caches: &CacheStorage) -> Result<Vec<String>, String> {
    let keys: Array = JsFuture::from(caches.keys()).await.map_err(js_error)?.unchecked_into();
    Ok(keys.iter().filter_map(|k| k.as_string()).collect())
}

fn caches() -> Result<CacheStorage, String> {
    web_sys::window().ok_or("no window")?.caches().map_err(|_| "this browser offers no Cache Storage here".to_owned())
}

async fn body(response: &Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?).await.map_err(js_error)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Whether `bytes` are exactly `file`: its length and its SHA-256.
async fn matches(file: &AudioFile, bytes: &[u8]) -> Result<bool, String> {
    Ok(bytes.len() as u64 == file.bytes && sha256_hex(bytes).await? == file.sha256)
}

pub async fn sha256_hex(bytes: &[u8]) -> Result<String, String> {
    let subtle = web_sys::window().ok_or("no window")?.crypto().map_err(js_error)?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_u8_array("SHA-256", bytes).map_err(js_error)?).await.map_err(js_error)?;
    Ok(Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".wasm") {
        "application/wasm"
    } else {
        "text/javascript"
    }
}
