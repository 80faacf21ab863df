//! The coach's audio processing in the browser: installed into Cache
//! Storage on first use and checked every session (`install.rs`), served to
//! the AudioWorklet by a service worker (`service_worker.rs`), and run as
//! the coach's audio graph (`worklet.rs`, DSP in `crates/dsp`).

pub mod install;
mod service_worker;
pub mod worklet;

use std::rc::Rc;

use earshot_protocol::audio::{AUDIO_PATH, DSP_FILE, PROCESSOR_FILE};
use earshot_protocol::{AudioFile, AudioManifest};
use gloo_net::http::Request;
use js_sys::{Uint8Array, WebAssembly};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, RequestCache, Url};

use crate::media::js_error;
pub use install::Problem;
pub use worklet::{CoachAudio, Control, Input, Level, Levels};

/// Where the coach's audio processing comes from, and how the worklet
/// loads the installed script.
#[derive(Clone)]
pub enum Source {
    /// The running server's manifest and files; the service worker serves
    /// the installed script from the cache.
    Server,
    /// Files in hand (the browser tests, whose page the test runner serves:
    /// it has no service worker, so the installed script loads from a
    /// blob: URL made of the cached bytes).
    InHand { manifest: AudioManifest, files: Rc<Vec<Vec<u8>>> },
}

impl Source {
    /// Files in hand, as `(name, bytes)`, published as `version`.
    pub async fn in_hand(version: &str, files: &[(&str, &[u8])]) -> Result<Self, String> {
        let mut listed = Vec::new();
        for (name, bytes) in files {
            listed.push(AudioFile { name: (*name).to_owned(), sha256: install::sha256_hex(bytes).await?, bytes: bytes.len() as u64 });
        }
        let manifest = AudioManifest { version: version.to_owned(), files: listed };
        Ok(Source::InHand { manifest, files: Rc::new(files.iter().map(|(_, bytes)| bytes.to_vec()).collect()) })
    }

    /// What is current, fetched fresh each time.
    pub async fn manifest(&self) -> Result<AudioManifest, String> {
        match self {
            Source::Server => crate::api::get_fresh("/api/audio/manifest")
                .await
                .map_err(|e| format!("the audio processing is not available from the server: {}", e.message)),
            Source::InHand { manifest, .. } => Ok(manifest.clone()),
        }
    }

    /// A file of the audio processing (never from the HTTP cache: the
    /// manifest decides what is current).
    pub async fn download(&self, file: AudioFile) -> Result<Vec<u8>, String> {
        match self {
            Source::Server => download(&file).await,
            Source::InHand { manifest, files } => {
                let index = manifest.files.iter().position(|f| f.name == file.name).ok_or("not in the manifest")?;
                Ok(files[index].clone())
            }
        }
    }

    /// The URL the worklet loads the installed script from.
    async fn processor_url(&self, manifest: &AudioManifest) -> Result<String, String> {
        match self {
            Source::Server => {
                service_worker::ensure_controlled().await?;
                Ok(install::installed_url(manifest, PROCESSOR_FILE))
            }
            Source::InHand { .. } => blob_url(&install::read(manifest, PROCESSOR_FILE).await?),
        }
    }
}

async fn download(file: &AudioFile) -> Result<Vec<u8>, String> {
    let response = Request::get(&format!("{AUDIO_PATH}{}", file.name))
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|e| format!("cannot reach the Earshot server: {e}"))?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    response.binary().await.map_err(|e| e.to_string())
}

fn blob_url(script: &[u8]) -> Result<String, String> {
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_u8_array_sequence_and_options(&js_sys::Array::of1(&Uint8Array::from(script)), &options).map_err(js_error)?;
    Url::create_object_url_with_blob(&blob).map_err(js_error)
}

/// Where this browser stands with the current audio processing.
pub enum Readiness {
    /// Installed and verified: coaching may start.
    Ready(Installation),
    /// Setup must run: nothing installed, another version, or a damaged entry.
    Setup { manifest: AudioManifest, problems: Vec<Problem> },
}

/// Checks the cache against the current manifest; when it holds every
/// file intact, gets the script served and compiles the DSP.
pub async fn readiness(source: &Source) -> Result<Readiness, String> {
    let manifest = source.manifest().await?;
    let problems = install::verify(&manifest).await?;
    if !problems.is_empty() {
        return Ok(Readiness::Setup { manifest, problems });
    }
    Ok(Readiness::Ready(Installation::open(source, &manifest).await?))
}

/// Installs `manifest` from `source`, and opens it: the setup's first step.
pub async fn install(source: &Source, manifest: &AudioManifest, progress: impl Fn(u64, u64)) -> Result<Installation, String> {
    install::install(manifest, |file| source.download(file), progress).await?;
    Installation::open(source, manifest).await
}

/// An installed, verified version, ready to load into an audio context.
#[derive(Clone)]
pub struct Installation {
    processor_url: String,
    dsp: WebAssembly::Module,
}

impl Installation {
    /// Compiles the installed DSP (on the main thread: the worklet scope
    /// cannot fetch, and gets the compiled module).
    async fn open(source: &Source, manifest: &AudioManifest) -> Result<Self, String> {
        let processor_url = source.processor_url(manifest).await?;
        let bytes = install::read(manifest, DSP_FILE).await?;
        let module = JsFuture::from(WebAssembly::compile(&Uint8Array::from(bytes.as_slice())))
            .await
            .map_err(|e| format!("the installed DSP module would not compile: {}", js_error(e)))?;
        Ok(Self { processor_url, dsp: module.into() })
    }

    /// Where the worklet loads the installed processor script.
    pub fn processor_url(&self) -> &str {
        &self.processor_url
    }

    pub fn dsp(&self) -> &WebAssembly::Module {
        &self.dsp
    }

    /// The coach's audio graph, running this installation.
    pub async fn start(&self, levels: impl FnMut(Levels) + 'static) -> Result<CoachAudio, String> {
        CoachAudio::start(&self.processor_url, &self.dsp, levels).await
    }
}
