//! One caller's keyword search: audio in as it comes, phrases out with when
//! each ended.

use std::ffi::{CStr, CString};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::{Mutex, Once};

use crate::{ffi, Error, SAMPLE_RATE};

/// Samples in one of the decoder's frames (10 ms).
const FRAME_SAMPLES: u64 = SAMPLE_RATE as u64 / 100;

/// A listed phrase heard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spotted {
    pub phrase: String,
    /// How long before the end of the audio fed so far the phrase ended.
    pub ended_ms_ago: u64,
}

pub struct Spotter {
    decoder: NonNull<ffi::Decoder>,
    /// Samples fed since the utterance began (frames count from there).
    fed: u64,
}

// The decoder is only ever used by the thread that owns the spotter.
unsafe impl Send for Spotter {}

impl Spotter {
    pub(crate) fn new(acoustic: &Path, dictionary: &Path, keywords: &Path) -> Result<Self, Error> {
        let path = |path: &Path| CString::new(path.as_os_str().as_encoded_bytes()).map_err(|_| Error::Decoder);
        let args = [
            CString::new("-hmm").unwrap(),
            path(acoustic)?,
            CString::new("-dict").unwrap(),
            path(dictionary)?,
            CString::new("-kws").unwrap(),
            path(keywords)?,
        ];
        let argv: Vec<_> = args.iter().map(|arg| arg.as_ptr()).collect();
        // The library's log and its set-up are the process's, not a
        // decoder's: silenced once, and decoders made one at a time
        // (spotters run on several threads).
        static QUIET: Once = Once::new();
        static MAKING: Mutex<()> = Mutex::new(());
        // SAFETY: logging off before any decoder exists.
        QUIET.call_once(|| unsafe { ffi::err_set_logfp(std::ptr::null_mut()) });
        let _one_at_a_time = MAKING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: argv holds `args.len()` NUL-terminated strings that outlive
        // the call; the decoder keeps its own reference to the config, so
        // ours is released whatever happens.
        unsafe {
            let config = ffi::cmd_ln_parse_r(std::ptr::null_mut(), ffi::ps_args(), argv.len() as i32, argv.as_ptr(), 1);
            if config.is_null() {
                return Err(Error::Decoder);
            }
            let decoder = ffi::ps_init(config);
            ffi::cmd_ln_free_r(config);
            let decoder = NonNull::new(decoder).ok_or(Error::Decoder)?;
            if ffi::ps_start_utt(decoder.as_ptr()) < 0 {
                ffi::ps_free(decoder.as_ptr());
                return Err(Error::Decoder);
            }
            Ok(Self { decoder, fed: 0 })
        }
    }

    /// 16 kHz mono audio, in order: the phrases it completed.
    pub fn feed(&mut self, samples: &[i16]) -> Vec<Spotted> {
        let decoder = self.decoder.as_ptr();
        // SAFETY: the decoder is live and ours; the samples are read only
        // during the call.
        unsafe {
            if ffi::ps_process_raw(decoder, samples.as_ptr(), samples.len(), 0, 0) < 0 {
                return Vec::new();
            }
        }
        self.fed += samples.len() as u64;
        // SAFETY: as above; the hypothesis is read before anything else is
        // asked of the decoder.
        let heard = unsafe { !ffi::ps_get_hyp(decoder, std::ptr::null_mut()).is_null() };
        if !heard {
            return Vec::new();
        }
        let spotted = self.segments();
        // A fresh utterance: each phrase is told once.
        // SAFETY: the decoder is live and ours.
        unsafe {
            ffi::ps_end_utt(decoder);
            ffi::ps_start_utt(decoder);
        }
        self.fed = 0;
        spotted
    }

    /// Each phrase found in this utterance, and when it ended.
    fn segments(&self) -> Vec<Spotted> {
        let frames_fed = (self.fed / FRAME_SAMPLES) as i64;
        let mut spotted = Vec::new();
        // SAFETY: the iterator is walked to its end (which frees it); each
        // word is copied before the next step.
        unsafe {
            let mut segment = ffi::ps_seg_iter(self.decoder.as_ptr());
            while !segment.is_null() {
                let (mut start, mut end) = (0, 0);
                ffi::ps_seg_frames(segment, &mut start, &mut end);
                let word = ffi::ps_seg_word(segment);
                if !word.is_null() {
                    let phrase = CStr::from_ptr(word).to_string_lossy().trim().to_owned();
                    let ended_ms_ago = (frames_fed - i64::from(end)).max(0) as u64 * 10;
                    spotted.push(Spotted { phrase, ended_ms_ago });
                }
                segment = ffi::ps_seg_next(segment);
            }
        }
        spotted
    }
}

impl Drop for Spotter {
    fn drop(&mut self) {
        // SAFETY: the decoder is ours and used no more.
        unsafe {
            ffi::ps_free(self.decoder.as_ptr());
        }
    }
}
