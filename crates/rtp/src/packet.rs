//! RTP packets (RFC 3550 §5.1): the fixed header, CSRCs and an extension
//! skipped, padding removed.

/// One RTP packet, its payload borrowed from the datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    pub marker: bool,
    pub payload_type: u8,
    pub sequence: u16,
    pub timestamp: u32,
    pub ssrc: u32,
    pub payload: &'a [u8],
}

/// Why a datagram is not an RTP packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtpError {
    /// Shorter than its header says.
    Truncated,
    /// Not version 2.
    Version(u8),
    /// RTCP (payload types 72–76 with the marker bit, RFC 5761 §4).
    Rtcp,
    /// Padding longer than the packet.
    Padding,
}

impl std::fmt::Display for RtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RtpError::Truncated => f.write_str("an RTP packet shorter than its header"),
            RtpError::Version(v) => write!(f, "RTP version {v}, not 2"),
            RtpError::Rtcp => f.write_str("an RTCP packet, not RTP"),
            RtpError::Padding => f.write_str("RTP padding longer than the packet"),
        }
    }
}

impl std::error::Error for RtpError {}

const FIXED: usize = 12;

impl<'a> RtpPacket<'a> {
    pub fn parse(datagram: &'a [u8]) -> Result<Self, RtpError> {
        let header = datagram.get(..FIXED).ok_or(RtpError::Truncated)?;
        let version = header[0] >> 6;
        if version != 2 {
            return Err(RtpError::Version(version));
        }
        if (200..=204).contains(&header[1]) {
            return Err(RtpError::Rtcp);
        }
        let padded = header[0] & 0x20 != 0;
        let extended = header[0] & 0x10 != 0;
        let csrcs = usize::from(header[0] & 0x0F);
        let mut start = FIXED + 4 * csrcs;
        if extended {
            let extension = datagram.get(start..start + 4).ok_or(RtpError::Truncated)?;
            start += 4 + 4 * usize::from(u16::from_be_bytes([extension[2], extension[3]]));
        }
        let mut end = datagram.len();
        if start > end {
            return Err(RtpError::Truncated);
        }
        if padded {
            let padding = usize::from(datagram[end - 1]);
            if padding == 0 || padding > end - start {
                return Err(RtpError::Padding);
            }
            end -= padding;
        }
        Ok(RtpPacket {
            marker: header[1] & 0x80 != 0,
            payload_type: header[1] & 0x7F,
            sequence: u16::from_be_bytes([header[2], header[3]]),
            timestamp: u32::from_be_bytes([header[4], header[5], header[6], header[7]]),
            ssrc: u32::from_be_bytes([header[8], header[9], header[10], header[11]]),
            payload: &datagram[start..end],
        })
    }

    /// The packet as a datagram: the fixed header and the payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FIXED + self.payload.len());
        out.push(0x80);
        out.push(u8::from(self.marker) << 7 | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        out.extend_from_slice(self.payload);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_reads_back_as_written() {
        let packet = RtpPacket { marker: true, payload_type: 8, sequence: 65_535, timestamp: 0xDEAD_BEEF, ssrc: 7, payload: &[1, 2, 3] };
        assert_eq!(RtpPacket::parse(&packet.to_bytes()), Ok(packet));
    }

    #[test]
    fn csrcs_an_extension_and_padding_are_not_payload() {
        let mut datagram = vec![0x80 | 0x20 | 0x10 | 2, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9];
        datagram.extend_from_slice(&[0; 8]); // two CSRCs
        datagram.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0, 0, 0, 0]); // a one-word extension
        datagram.extend_from_slice(&[0xAA, 0xBB]);
        datagram.extend_from_slice(&[0, 0, 3]); // three bytes of padding
        let packet = RtpPacket::parse(&datagram).unwrap();
        assert_eq!((packet.sequence, packet.timestamp, packet.ssrc, packet.payload), (1, 160, 9, &[0xAA, 0xBB][..]));
    }

    #[test]
    fn what_is_not_rtp_is_refused_whatever_its_bytes() {
        assert_eq!(RtpPacket::parse(&[0x80, 0, 0]), Err(RtpError::Truncated));
        assert_eq!(RtpPacket::parse(&[0x40; 12]), Err(RtpError::Version(1)));
        assert_eq!(RtpPacket::parse(&[0x80, 200, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]), Err(RtpError::Rtcp));
        assert_eq!(RtpPacket::parse(&[0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]), Err(RtpError::Padding));
        assert_eq!(RtpPacket::parse(&[0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), Err(RtpError::Truncated), "15 CSRCs announced, none there");
        assert_eq!(RtpPacket::parse(&[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]), Err(RtpError::Truncated), "an extension longer than the packet");
        for length in 0..64 {
            for byte in [0x00, 0x80, 0xBF, 0xFF] {
                let _ = RtpPacket::parse(&vec![byte; length]); // never panics
            }
        }
    }
}
