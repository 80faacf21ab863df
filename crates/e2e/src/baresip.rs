//! baresip (Debian's `baresip-core`): a real SIP phone nobody here wrote.
//! It calls the server's phone line playing a voice file and records what
//! it hears (its `sndfile` filter), so a test can listen to the customer's
//! side of a call.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::{voice_file, Voice};

/// A baresip phone on a call; killed, its folder removed, when dropped.
pub struct Phone {
    dir: PathBuf,
    child: Child,
}

/// What a phone heard: 8 kHz samples, in order.
pub struct Heard(pub Vec<i16>);

impl Phone {
    /// Dials `dialled` on the phone line at `line`, speaking `hz` (8 kHz,
    /// in syllables like speech), in PCMU.
    pub async fn call(line: SocketAddr, dialled: &str, hz: u32) -> Phone {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("earshot-baresip-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("the temp dir is writable");
        let port = crate::sipp::free_port();
        let voice = voice_file(hz, &Voice::DENSE, 8_000);
        // No sound card: aubridge plays into nothing; sndfile keeps what was heard.
        let config = format!(
            "poll_method epoll\nsip_listen 127.0.0.1:{port}\naudio_source aufile,{voice}\naudio_player aubridge,nowhere\naudio_alert aubridge,nowhere\n\
             audio_srate 8000\naudio_channels 1\nrtp_ports 40000-49999\nmodule_path /usr/lib/baresip/modules\n\
             module g711.so\nmodule aufile.so\nmodule aubridge.so\nmodule sndfile.so\nmodule account.so\nmodule menu.so\nsnd_path {dir}\n",
            voice = voice.display(),
            dir = dir.display(),
        );
        std::fs::write(dir.join("config"), config).expect("baresip's config");
        std::fs::write(dir.join("accounts"), "<sip:customer@127.0.0.1>;regint=0;audio_codecs=PCMU\n").expect("baresip's account");
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&dir)
            // Its SDP names loopback, where it sends from (else the host's first address).
            .args(["-n", "127.0.0.1", "-e", &format!("/dial sip:{dialled}@{line}"), "-t", "300"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("baresip runs (Debian's baresip-core: `cargo xtask test` installs it)");
        Phone { dir, child }
    }

    /// What the phone heard so far, read from its recording (its WAV
    /// header may not be final while the call lasts: the samples are).
    pub fn heard(&self) -> Heard {
        let Some(file) = std::fs::read_dir(&self.dir).into_iter().flatten().flatten().map(|e| e.path()).find(|p| p.to_string_lossy().ends_with("-dec.wav")) else {
            return Heard(Vec::new());
        };
        let bytes = std::fs::read(file).unwrap_or_default();
        Heard(bytes.get(44..).unwrap_or_default().chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect())
    }

    /// Waits until the phone has heard `seconds` of audio in all.
    pub async fn wait_heard(&self, seconds: f64) {
        crate::wait_until(Duration::from_secs(30), "the phone's recording", || async { (self.heard().seconds() >= seconds).then_some(()) }).await;
    }
}

impl Heard {
    pub const RATE: u32 = 8_000;

    pub fn seconds(&self) -> f64 {
        self.0.len() as f64 / f64::from(Self::RATE)
    }

    /// Each `window`'s level of `hz` in dBFS, in order.
    pub fn levels(&self, hz: u32, window: Duration) -> Vec<f64> {
        let size = (window.as_secs_f64() * f64::from(Self::RATE)) as usize;
        self.0.chunks_exact(size.max(1)).map(|chunk| crate::tone_dbfs(chunk, Self::RATE, hz)).collect()
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        let _ = self.child.start_kill(); // gone already is fine
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
