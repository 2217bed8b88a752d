//! The course's IR shot frame as bits, bit-exact with its InfraLib: the weapon byte `0xF1` then
//! the shooter's 48-bit MAC, Hamming-coded into 64 bits, then a trailing `0`.
//!
//! InfraLib builds the message as Python `bin(0xF1)[2:] + bin(mac)[2:]`, puts a `0` in front,
//! then another `0` at position 0 (a block parity bit it never computes), inserts parity bits at
//! positions 1, 2, 4, 8, 16 and 32 (each the XOR of the positions 1..64 with that bit set), and
//! sends the 64 bits plus a `0` its receiver never sees. So position 0 is always 0, the parity
//! bits sit at the powers of two, position 3 is the leading `0` and the 56 message bits fill the
//! remaining positions in order. The receiver XORs the indices of the set bits, flips the bit at
//! that index when it is not 0 (one flipped bit is corrected) and keeps the message positions.
//!
//! `bin` drops leading zeros, so for a MAC below 2^47 (e.g. `28:cd:c1:..`, a newer Pi's prefix)
//! InfraLib's own encoder raises an IndexError and sends nothing. Here the MAC is always written
//! in 48 bits: identical to InfraLib wherever InfraLib works, and a frame its receiver decodes
//! (to `0xf1` + the 12 hex digits) where it does not.

use crate::hal::Hit;

/// Bits in a frame as the receiver sees them (the trailing `0` is sent but never seen).
pub const FRAME_BITS: usize = 64;
/// The weapon byte of InfraLib's `LASER`, the course's only weapon.
pub const LASER: u8 = 0xF1;
/// A MAC address has 48 bits.
pub const MAC_MAX: u64 = (1 << 48) - 1;

const PARITY: [usize; 6] = [1, 2, 4, 8, 16, 32];

/// Why received bits are not a shot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("a shot frame has {FRAME_BITS} bits, this one {0}")]
    Length(usize),
    #[error("weapon byte 0x{0:02x} is not the laser (0xf1): noise or two flipped bits")]
    Weapon(u8),
    #[error("the bit before the weapon byte is set: noise or two flipped bits")]
    LeadingBit,
}

/// The 56 message bits in the order InfraLib sends them, after its leading `0`.
fn is_message_position(position: usize) -> bool {
    position >= 3 && !position.is_power_of_two()
}

/// The MAC in a course-style id (`0xdca632bf91cc`, Python's `hex(uuid.getnode())`), for the gun.
pub fn mac_from_id(id: &str) -> Option<u64> {
    let hex = id.strip_prefix("0x")?;
    if hex.is_empty() || hex.len() > 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The bits to send for a shot by `mac` (masked to 48 bits), the trailing `0` included.
pub fn encode(weapon: u8, mac: u64) -> [bool; FRAME_BITS + 1] {
    let message = (u64::from(weapon) << 48) | (mac & MAC_MAX);
    let mut frame = [false; FRAME_BITS + 1];
    // Position 3 holds the leading 0; the message's 56 bits follow, most significant first.
    let mut next = 56;
    for position in (0..FRAME_BITS).filter(|p| is_message_position(*p) && *p != 3) {
        next -= 1;
        frame[position] = (message >> next) & 1 == 1;
    }
    for p in PARITY {
        frame[p] = (1..FRAME_BITS)
            .filter(|j| j & p != 0)
            .fold(false, |acc, j| acc ^ frame[j]);
    }
    frame
}

/// Reads 64 received bits: corrects one flipped bit, strips the parity bits, checks the weapon.
pub fn decode(bits: &[bool]) -> Result<Hit, FrameError> {
    if bits.len() != FRAME_BITS {
        return Err(FrameError::Length(bits.len()));
    }
    let mut bits = bits.to_vec();
    let syndrome = bits
        .iter()
        .enumerate()
        .filter(|(_, set)| **set)
        .fold(0, |acc, (i, _)| acc ^ i);
    if syndrome != 0 {
        bits[syndrome] = !bits[syndrome];
    }
    let value = (0..FRAME_BITS)
        .filter(|p| is_message_position(*p))
        .fold(0u64, |acc, p| (acc << 1) | u64::from(bits[p]));
    // 57 bits: the leading 0, the weapon byte, the MAC.
    if value >> 56 != 0 {
        return Err(FrameError::LeadingBit);
    }
    let weapon = (value >> 48) as u8;
    if weapon != LASER {
        return Err(FrameError::Weapon(weapon));
    }
    Ok(Hit {
        weapon,
        mac: value & MAC_MAX,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: u64 = 0xdca6_32bf_91cc;

    fn to_u64(bits: &[bool]) -> u64 {
        bits.iter().fold(0, |acc, b| (acc << 1) | u64::from(*b))
    }

    /// Worked by hand from InfraLib's algorithm (and checked by running InfraLib's own Hamming
    /// functions on this MAC under Python 3): message bits `11110001` + `1101 1100 1010 0110 0011
    /// 0010 1011 1111 1001 0001 1100 1100` go to positions 3 (the leading 0), 5-7, 9-15, 17-31 and
    /// 33-63; parity 1 = XOR of the odd positions = 1, parity 2 = 0, 4 = 0, 8 = 0, 16 = 0,
    /// 32 = 1; position 0 = 0. Read as a 64-bit number: 0x4747394cb2bf91cc.
    #[test]
    fn the_frame_for_mac_dca632bf91cc_is_the_one_infralib_sends() {
        let frame = encode(LASER, MAC);
        assert_eq!(to_u64(&frame[..FRAME_BITS]), 0x4747_394c_b2bf_91cc);
        assert!(!frame[FRAME_BITS], "the trailing bit is 0");
        let b8 = encode(LASER, 0xb827_eb12_3456);
        assert_eq!(to_u64(&b8[..FRAME_BITS]), 0x4746_f04f_6b12_3456);
    }

    #[test]
    fn decoding_the_encoded_bits_gives_the_shooter_back() {
        let hit = decode(&encode(LASER, MAC)[..FRAME_BITS]).unwrap();
        assert_eq!(
            hit,
            Hit {
                weapon: LASER,
                mac: MAC
            }
        );
        assert_eq!(hit.shot_by(), "SHOT_BY 0xf1dca632bf91cc");
    }

    #[test]
    fn any_one_flipped_bit_is_corrected() {
        for flipped in 0..FRAME_BITS {
            let mut bits = encode(LASER, MAC)[..FRAME_BITS].to_vec();
            bits[flipped] = !bits[flipped];
            assert_eq!(decode(&bits).unwrap().mac, MAC, "bit {flipped}");
        }
    }

    #[test]
    fn a_mac_infralib_cannot_encode_is_sent_in_48_bits_and_still_names_its_robot() {
        let hit = decode(&encode(LASER, 0x28cd_c100_0001)[..FRAME_BITS]).unwrap();
        assert_eq!(hit.shot_by(), "SHOT_BY 0xf128cdc1000001");
        assert_eq!(hit.shooter_id(), "0x28cdc1000001");
    }

    #[test]
    fn the_gun_reads_its_mac_from_a_course_style_id_and_refuses_anything_else() {
        assert_eq!(mac_from_id("0xdca632bf91cc"), Some(MAC));
        assert_eq!(mac_from_id("0x28cdc1000001"), Some(0x28cd_c100_0001));
        for bad in ["dca632bf91cc", "0x", "0xdca632bf91cc0", "0x+1", "sim-1"] {
            assert_eq!(mac_from_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn wrong_lengths_other_weapons_and_two_flipped_bits_are_refused() {
        assert_eq!(decode(&[true; 63]), Err(FrameError::Length(63)));
        let other = encode(0xA0, MAC);
        assert_eq!(decode(&other[..FRAME_BITS]), Err(FrameError::Weapon(0xA0)));
        let mut two = encode(LASER, MAC)[..FRAME_BITS].to_vec();
        two[5] = !two[5];
        two[6] = !two[6];
        assert!(decode(&two).is_err());
    }
}
