//! Mutations of an input: the usual byte-level ones, plus dictionary
//! tokens and splices with other corpus entries.

/// xorshift64*: fast, seedable, enough for fuzzing.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (which must not be 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Inputs never grow beyond this: the server refuses far smaller messages.
pub const MAX_INPUT: usize = 64 * 1024;

/// Numbers that break parsers and arithmetic.
const INTERESTING: &[&[u8]] = &[b"0", b"-1", b"4294967295", b"4294967296", b"18446744073709551615", b"18446744073709551616", b"1e309", b"-0", b"NaN", b"\xff\xfe", b"\0"];

/// One to four mutations of `input`, using `dictionary` and `others`.
pub fn mutate(rng: &mut Rng, input: &[u8], dictionary: &[&[u8]], others: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = if out.is_empty() { 0 } else { rng.below(out.len() + 1) };
        match rng.below(9) {
            0 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] ^= 1 << rng.below(8);
            }
            1 if !out.is_empty() => {
                let i = rng.below(out.len());
                out[i] = rng.next_u64() as u8;
            }
            2 => out.insert(at, rng.next_u64() as u8),
            3 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(16)).min(out.len());
                out.drain(start..end);
            }
            4 if !out.is_empty() => {
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(64)).min(out.len());
                let copy = out[start..end].to_vec();
                out.splice(at..at, copy);
            }
            5 if !dictionary.is_empty() => {
                let token = dictionary[rng.below(dictionary.len())];
                out.splice(at..at, token.iter().copied());
            }
            6 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(at..at, token.iter().copied());
            }
            7 if !others.is_empty() => {
                let other = &others[rng.below(others.len())];
                let from = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[from..]);
            }
            _ if !out.is_empty() => {
                // Repeat a piece many times: lengths, nesting, floods.
                let start = rng.below(out.len());
                let end = (start + 1 + rng.below(8)).min(out.len());
                let piece = out[start..end].to_vec();
                for _ in 0..rng.below(64) {
                    out.splice(at..at, piece.iter().copied());
                }
            }
            _ => out.push(rng.next_u64() as u8),
        }
    }
    out.truncate(MAX_INPUT);
    out
}
