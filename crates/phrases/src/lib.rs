//! Phrase alerts: a company's listed phrases ("cancel my account") spotted
//! in a caller's speech, offline, with PocketSphinx's keyword search and the
//! US English model Debian ships (`pocketsphinx-en-us`): nothing is
//! downloaded, nothing leaves the machine.
//!
//! [`Model`] is loaded once; [`Model::listen_for`] turns a phrase list into
//! the decoder's files; each call gets a [`Spotter`] from it, fed 16 kHz
//! audio as it comes.

mod dictionary;
mod ffi;
pub mod speech;
mod spotter;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use dictionary::Dictionary;
pub use spotter::{Spotted, Spotter};

/// The rate the model hears at.
pub const SAMPLE_RATE: u32 = 16_000;

/// Where Debian's `pocketsphinx-en-us` puts the model.
pub const DEBIAN_MODEL: &str = "/usr/share/pocketsphinx/model/en-us";

/// How sure the search must be, per phone of a phrase: a phrase's threshold
/// is `1e-(PER_PHONE × phones)`, so longer phrases need not sound likelier
/// than short ones. Measured on synthetic speech (docs/benchmarks.md):
/// every listed phrase was found from 4 on, none in unlisted speech up to 25.
const THRESHOLD_EXPONENT_PER_PHONE: usize = 5;

#[derive(Debug)]
pub enum Error {
    /// The model is not where it was looked for.
    NoModel(PathBuf),
    Io(std::io::Error),
    /// A phrase with a word the dictionary does not have.
    UnknownWord { phrase: String, word: String },
    /// The decoder would not start (its log is silenced: run
    /// `pocketsphinx_continuous` with the same files to see why).
    Decoder,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NoModel(dir) => write!(f, "no speech model at {} (apt-get install pocketsphinx-en-us)", dir.display()),
            Error::Io(e) => write!(f, "{e}"),
            Error::UnknownWord { phrase, word } => write!(f, "“{phrase}”: the speech model does not know the word “{word}”"),
            Error::Decoder => write!(f, "the speech decoder would not start"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// The acoustic model and its dictionary.
pub struct Model {
    acoustic: PathBuf,
    dictionary: Dictionary,
}

impl Model {
    /// A model directory as Debian lays it out: `en-us/` (acoustic) and
    /// `cmudict-en-us.dict`.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let acoustic = dir.join("en-us");
        if !acoustic.join("mdef").is_file() {
            return Err(Error::NoModel(dir.to_owned()));
        }
        let dictionary = Dictionary::load(&dir.join("cmudict-en-us.dict"))?;
        Ok(Self { acoustic, dictionary })
    }

    /// Whether every word of `phrase` (lower case, single spaces) can be spotted.
    pub fn check(&self, phrase: &str) -> Result<(), Error> {
        match phrase.split_whitespace().find(|word| !self.dictionary.knows(word)) {
            Some(word) => Err(Error::UnknownWord { phrase: phrase.to_owned(), word: word.to_owned() }),
            None => Ok(()),
        }
    }

    /// What spotters of `phrases` load: a dictionary of their words and the
    /// keyword list with each phrase's threshold, written to a folder of
    /// their own (gone with the [`Listening`]).
    pub fn listen_for(&self, phrases: &[String]) -> Result<Listening, Error> {
        for phrase in phrases {
            self.check(phrase)?;
        }
        let dir = private_folder()?;
        let listening = Listening { dir, acoustic: self.acoustic.clone(), phrases: phrases.to_vec() };
        std::fs::write(listening.dictionary(), self.dictionary.subset(phrases.iter().map(String::as_str)))?;
        let keywords: String = phrases
            .iter()
            .map(|phrase| {
                let phones = self.dictionary.phones(phrase).unwrap_or(1);
                format!("{phrase} /1e-{}/\n", THRESHOLD_EXPONENT_PER_PHONE * phones)
            })
            .collect();
        std::fs::write(listening.keywords(), keywords)?;
        Ok(listening)
    }
}

static FOLDERS: AtomicU64 = AtomicU64::new(0);

/// A new folder in the temp directory that only this user can enter. Never
/// one that is there already: in a shared `/tmp` anyone could have made it
/// (or a link by its name) to read the phrase list or put their own.
fn private_folder() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::DirBuilderExt;
    loop {
        let dir = std::env::temp_dir().join(format!("earshot-phrases-{}-{}", std::process::id(), FOLDERS.fetch_add(1, Ordering::Relaxed)));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            made => return made.map(|()| dir),
        }
    }
}

/// A phrase list ready for spotters.
pub struct Listening {
    dir: PathBuf,
    acoustic: PathBuf,
    phrases: Vec<String>,
}

impl Listening {
    pub fn phrases(&self) -> &[String] {
        &self.phrases
    }

    /// A spotter for one caller; `None` when the list is empty.
    pub fn spotter(&self) -> Result<Option<Spotter>, Error> {
        if self.phrases.is_empty() {
            return Ok(None);
        }
        Spotter::new(&self.acoustic, &self.dictionary(), &self.keywords()).map(Some)
    }

    fn dictionary(&self) -> PathBuf {
        self.dir.join("phrases.dict")
    }

    fn keywords(&self) -> PathBuf {
        self.dir.join("phrases.kws")
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn phrase_files_go_in_a_new_folder_only_this_user_can_enter() {
        let model = Model::load(DEBIAN_MODEL.as_ref()).expect("Debian's pocketsphinx-en-us (cargo xtask test installs it)");
        // Someone else made the folder the next list would have gone in, with a list of their own.
        let taken = std::env::temp_dir().join(format!("earshot-phrases-{}-{}", std::process::id(), FOLDERS.load(Ordering::Relaxed)));
        std::fs::create_dir_all(&taken).unwrap();
        std::fs::write(taken.join("phrases.kws"), "planted /1e-1/\n").unwrap();

        let listening = model.listen_for(&["refund".to_owned()]).unwrap();
        assert_ne!(listening.dir, taken, "a folder that was there already is never used");
        assert_eq!(std::fs::metadata(&listening.dir).unwrap().permissions().mode() & 0o777, 0o700);
        assert!(std::fs::read_to_string(listening.keywords()).unwrap().starts_with("refund "));
        assert_eq!(std::fs::read_to_string(taken.join("phrases.kws")).unwrap(), "planted /1e-1/\n", "and never written to");
        std::fs::remove_dir_all(&taken).unwrap();
    }
}
