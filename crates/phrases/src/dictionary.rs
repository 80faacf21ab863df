//! The model's pronouncing dictionary (CMUdict): which words the spotter
//! knows, and how each is said.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

pub struct Dictionary {
    /// Each word's pronunciations, phones separated by spaces, the usual first.
    words: HashMap<String, Vec<String>>,
}

impl Dictionary {
    pub fn load(path: &Path) -> std::io::Result<Self> {
        Ok(Self::parse(&std::fs::read_to_string(path)?))
    }

    /// Lines of `word PH O NES`; a variant is `word(2) …`.
    fn parse(text: &str) -> Self {
        let mut words: HashMap<String, Vec<String>> = HashMap::new();
        for line in text.lines() {
            let Some((word, phones)) = line.split_once(' ') else { continue };
            let word = word.split_once('(').map_or(word, |(word, _)| word);
            words.entry(word.to_owned()).or_default().push(phones.trim().to_owned());
        }
        Self { words }
    }

    pub fn knows(&self, word: &str) -> bool {
        self.words.contains_key(word)
    }

    /// Phones in the usual way of saying `phrase`, if every word is known.
    pub fn phones(&self, phrase: &str) -> Option<usize> {
        phrase.split_whitespace().map(|word| Some(self.words.get(word)?[0].split_whitespace().count())).sum()
    }

    /// A dictionary of just the words of `phrases`, in the model's format:
    /// the decoder loads it in a moment, not the whole dictionary's 134,723 words.
    pub fn subset<'a>(&self, phrases: impl IntoIterator<Item = &'a str>) -> String {
        let mut words: Vec<&str> = phrases.into_iter().flat_map(str::split_whitespace).collect();
        words.sort_unstable();
        words.dedup();
        let mut text = String::new();
        for word in words {
            for (i, phones) in self.words.get(word).into_iter().flatten().enumerate() {
                let variant = if i == 0 { String::new() } else { format!("({})", i + 1) };
                let _ = writeln!(text, "{word}{variant} {phones}");
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CMUDICT: &str = "a AH\na(2) EY\naccount AH K AW N T\ncancel K AE N S AH L\nmy M AY\n";

    #[test]
    fn words_variants_and_phones() {
        let dictionary = Dictionary::parse(CMUDICT);
        assert!(dictionary.knows("cancel") && !dictionary.knows("zorp"));
        assert_eq!(dictionary.phones("cancel my account"), Some(13));
        assert_eq!(dictionary.phones("cancel my zorp"), None);
        assert_eq!(dictionary.subset(["my account", "a"]), "a AH\na(2) EY\naccount AH K AW N T\nmy M AY\n");
    }
}
