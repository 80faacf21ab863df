//! G.711 (ITU-T, 1972): 8 kHz audio, one byte a sample, in μ-law (North
//! America, Japan) or A-law (everywhere else). The segment arithmetic is
//! the reference one (Sun's g711.c), not a table.

/// One of G.711's two laws, and its static RTP payload type (RFC 3551).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum G711 {
    /// PCMU, payload type 0.
    MuLaw,
    /// PCMA, payload type 8.
    ALaw,
}

impl G711 {
    pub const SAMPLE_RATE: u32 = 8_000;

    pub fn payload_type(self) -> u8 {
        match self {
            G711::MuLaw => 0,
            G711::ALaw => 8,
        }
    }

    /// The encoding name SDP gives it (`a=rtpmap:0 PCMU/8000`).
    pub fn name(self) -> &'static str {
        match self {
            G711::MuLaw => "PCMU",
            G711::ALaw => "PCMA",
        }
    }

    pub fn by_name(name: &str) -> Option<G711> {
        [G711::MuLaw, G711::ALaw].into_iter().find(|law| law.name().eq_ignore_ascii_case(name))
    }

    pub fn by_payload_type(pt: u8) -> Option<G711> {
        [G711::MuLaw, G711::ALaw].into_iter().find(|law| law.payload_type() == pt)
    }

    pub fn encode(self, samples: &[i16], out: &mut Vec<u8>) {
        out.extend(samples.iter().map(|&s| match self {
            G711::MuLaw => mu_law(s),
            G711::ALaw => a_law(s),
        }));
    }

    pub fn decode(self, bytes: &[u8], out: &mut Vec<i16>) {
        out.extend(bytes.iter().map(|&b| match self {
            G711::MuLaw => from_mu_law(b),
            G711::ALaw => from_a_law(b),
        }));
    }

    /// The byte of silence (a zero sample).
    pub fn silence(self) -> u8 {
        match self {
            G711::MuLaw => mu_law(0),
            G711::ALaw => a_law(0),
        }
    }
}

const MU_BIAS: i32 = 0x84;
const MU_CLIP: i32 = 32_635;

fn mu_law(sample: i16) -> u8 {
    let sign = if sample < 0 { 0x80 } else { 0 };
    let magnitude = (i32::from(sample).abs().min(MU_CLIP)) + MU_BIAS;
    // The segment: where the highest set bit above the bias's lies.
    let exponent = (7 - (magnitude << 17).leading_zeros().min(7)) as i32;
    let mantissa = (magnitude >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) | mantissa) as u8
}

fn from_mu_law(byte: u8) -> i16 {
    let byte = !byte;
    let exponent = i32::from((byte >> 4) & 0x07);
    let magnitude = (((i32::from(byte & 0x0F) << 3) + MU_BIAS) << exponent) - MU_BIAS;
    (if byte & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// Where each A-law segment ends, in 13-bit magnitudes.
const A_SEGMENT_ENDS: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

fn a_law(sample: i16) -> u8 {
    let value = i32::from(sample) >> 3;
    let (mask, magnitude) = if value >= 0 { (0xD5, value) } else { (0x55, -value - 1) };
    let Some(segment) = A_SEGMENT_ENDS.iter().position(|&end| magnitude <= end) else { return (0x7F ^ mask) as u8 };
    let step = if segment < 2 { 1 } else { segment };
    let encoded = ((segment as i32) << 4) | ((magnitude >> step) & 0x0F);
    (encoded ^ mask) as u8
}

fn from_a_law(byte: u8) -> i16 {
    let byte = byte ^ 0x55;
    let segment = i32::from((byte & 0x70) >> 4);
    let mut magnitude = i32::from(byte & 0x0F) << 4;
    magnitude = match segment {
        0 => magnitude + 8,
        1 => magnitude + 0x108,
        _ => (magnitude + 0x108) << (segment - 1),
    };
    (if byte & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        assert_eq!((mu_law(0), from_mu_law(0xFF)), (0xFF, 0));
        assert_eq!((mu_law(i16::MAX), mu_law(i16::MIN)), (0x80, 0x00));
        assert_eq!((from_mu_law(0x80), from_mu_law(0x00)), (32_124, -32_124));
        assert_eq!((a_law(0), from_a_law(0xD5)), (0xD5, 8));
        assert_eq!((a_law(i16::MAX), a_law(i16::MIN)), (0xAA, 0x2A));
        assert_eq!((from_a_law(0xAA), from_a_law(0x2A)), (32_256, -32_256));
    }

    #[test]
    fn every_byte_decodes_to_a_sample_that_encodes_back_to_it() {
        for law in [G711::MuLaw, G711::ALaw] {
            for byte in 0..=255u8 {
                let mut sample = Vec::new();
                law.decode(&[byte], &mut sample);
                let mut again = Vec::new();
                law.encode(&sample, &mut again);
                // μ-law has two zeros (0x7F and 0xFF); both decode to 0.
                let expected = if law == G711::MuLaw && byte == 0x7F { 0xFF } else { byte };
                assert_eq!(again, [expected], "{law:?} {byte:#04x} → {sample:?}");
            }
        }
    }

    #[test]
    fn a_tone_survives_either_law_at_telephone_quality() {
        let tone: Vec<i16> = (0..8_000).map(|i| (12_000.0 * (2.0 * std::f64::consts::PI * 1_000.0 * i as f64 / 8_000.0).sin()) as i16).collect();
        for law in [G711::MuLaw, G711::ALaw] {
            let (mut bytes, mut back) = (Vec::new(), Vec::new());
            law.encode(&tone, &mut bytes);
            law.decode(&bytes, &mut back);
            let signal: f64 = tone.iter().map(|&s| f64::from(s).powi(2)).sum();
            let noise: f64 = tone.iter().zip(&back).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum();
            let snr = 10.0 * (signal / noise).log10();
            assert!(snr > 35.0, "{law:?}: {snr:.1} dB");
        }
    }
}
