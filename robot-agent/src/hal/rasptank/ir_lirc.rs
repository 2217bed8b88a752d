//! The IR gun on a LIRC transmitter (Raspberry Pi OS `dtoverlay=gpio-ir-tx,gpio_pin=23`): the
//! kernel times the carrier, so no busy loop and no root-only DMA library.
//!
//! The device takes the carrier and duty cycle by ioctl, then one `write` of the whole frame as
//! native-endian `u32` microseconds, mark first, an odd count (it must end on a mark).

use super::ir_pulses::{CARRIER_HZ, DUTY_CYCLE_PERCENT, shot_durations};
use crate::hal::{Gun, HalError};

/// `_IOW('i', 0x13, __u32)` from `linux/lirc.h`.
pub const LIRC_SET_SEND_CARRIER: u32 = 0x4004_6913;
/// `_IOW('i', 0x15, __u32)` from `linux/lirc.h`.
pub const LIRC_SET_SEND_DUTY_CYCLE: u32 = 0x4004_6915;

/// Where the transmitter appears with the overlay and no other IR device.
pub const DEFAULT_DEVICE: &str = "/dev/lirc0";

/// Why a LIRC device could not be opened, the same for the real device and the test fake.
pub fn open_failed(path: &str, error: &std::io::Error) -> HalError {
    HalError::Gpio(format!("cannot open {path}: {error}"))
}

/// A LIRC transmit device: what the gun does to it, and all it does.
pub trait LircTx: Send {
    /// `ioctl(fd, request, &value)` with a `u32` argument.
    fn ioctl(&mut self, request: u32, value: u32) -> Result<(), HalError>;
    /// One `write(fd, bytes)`, which the kernel plays out before it returns.
    fn write(&mut self, bytes: &[u8]) -> Result<(), HalError>;
}

/// Shoots this robot's MAC through a LIRC transmitter.
pub struct LircGun<T: LircTx> {
    tx: T,
    /// The frame never changes: built once.
    frame: Vec<u8>,
}

impl<T: LircTx> LircGun<T> {
    /// Sets the course's 38 kHz carrier at 33 % duty and prepares the frame for `mac`.
    pub fn open(mut tx: T, mac: u64) -> Result<Self, HalError> {
        tx.ioctl(LIRC_SET_SEND_CARRIER, CARRIER_HZ)?;
        tx.ioctl(LIRC_SET_SEND_DUTY_CYCLE, DUTY_CYCLE_PERCENT)?;
        let frame = shot_durations(mac)
            .iter()
            .flat_map(|us| us.to_ne_bytes())
            .collect();
        Ok(Self { tx, frame })
    }

    /// The device, for tests that read back what was written.
    pub fn into_inner(self) -> T {
        self.tx
    }
}

impl<T: LircTx> Gun for LircGun<T> {
    fn shoot(&mut self) -> Result<(), HalError> {
        self.tx.write(&self.frame)
    }
}

/// The real device file (feature `rasptank`; needs the overlay, fails cleanly without it).
#[cfg(feature = "rasptank")]
pub mod device {
    use std::fs::{File, OpenOptions};
    use std::io::Write;
    use std::os::fd::AsRawFd;

    use super::LircTx;
    use crate::hal::HalError;

    pub struct LircDevice {
        file: File,
        path: String,
    }

    impl LircDevice {
        pub fn open(path: &str) -> Result<Self, HalError> {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| super::open_failed(path, &e))?;
            Ok(Self {
                file,
                path: path.to_owned(),
            })
        }
    }

    impl LircTx for LircDevice {
        fn ioctl(&mut self, request: u32, value: u32) -> Result<(), HalError> {
            let value: libc::c_uint = value;
            // SAFETY: the fd is open for the file's lifetime and `value` outlives the call; the
            // request takes a pointer to one u32, which is what is passed.
            let rc = unsafe { libc::ioctl(self.file.as_raw_fd(), request as _, &value) };
            if rc < 0 {
                let e = std::io::Error::last_os_error();
                return Err(HalError::Gpio(format!(
                    "ioctl 0x{request:08x} on {}: {e}",
                    self.path
                )));
            }
            Ok(())
        }

        fn write(&mut self, bytes: &[u8]) -> Result<(), HalError> {
            // LIRC takes the whole frame in one write or refuses it: never a partial one.
            let written = self
                .file
                .write(bytes)
                .map_err(|e| HalError::Gpio(format!("IR send on {}: {e}", self.path)))?;
            if written != bytes.len() {
                return Err(HalError::Gpio(format!(
                    "IR send on {}: {written} of {} bytes",
                    self.path,
                    bytes.len()
                )));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{FakeIo, Op};
    use super::*;

    // The bytes are native-endian, as LIRC reads them; both this machine and the Pi are little-endian.
    #[cfg(target_endian = "little")]
    #[test]
    fn the_gun_sets_38_khz_at_33_percent_once_then_writes_the_whole_frame_per_shot() {
        let io = FakeIo::default();
        let mut gun = LircGun::open(io.log.lirc(), 0xdca6_32bf_91cc).unwrap();
        assert_eq!(
            io.log.take(),
            [Op::Ioctl(0x4004_6913, 38_000), Op::Ioctl(0x4004_6915, 33)]
        );
        gun.shoot().unwrap();
        gun.shoot().unwrap();
        let ops = io.log.take();
        assert_eq!(ops.len(), 2);
        let Op::Write(bytes) = &ops[0] else {
            panic!("a write, got {ops:?}")
        };
        assert_eq!(ops[0], ops[1]);
        // 131 durations of 4 bytes.
        assert_eq!(bytes.len(), 131 * 4);
        assert_eq!(&bytes[..8], [0x28, 0x23, 0, 0, 0x94, 0x11, 0, 0]); // 9000, 4500
        assert_eq!(&bytes[8..16], [0x32, 0x02, 0, 0, 0x32, 0x02, 0, 0]); // 562, 562: bit 0 = 0
        assert_eq!(&bytes[20..24], [0x96, 0x06, 0, 0]); // 1686: bit 1 = 1
        assert_eq!(&bytes[bytes.len() - 4..], [0x32, 0x02, 0, 0]); // the trailing 0's mark
    }

    #[cfg(feature = "rasptank")]
    #[test]
    fn a_missing_real_device_is_an_error_naming_its_path() {
        let error = device::LircDevice::open("/nonexistent/lirc9")
            .err()
            .expect("no such device");
        assert!(
            error.to_string().contains("cannot open /nonexistent/lirc9"),
            "{error}"
        );
    }
}
