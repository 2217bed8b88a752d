//! The course's IR add-on in the hardware bundle: the gun on the LIRC transmitter, fired from
//! a thread of its own, and the receiver on its edge-interrupt pin, both from [`IrConfig`].
//!
//! A LIRC `write` returns once the kernel has played the whole frame, about 120 ms for a shot:
//! the agent's controller (which also handles stops and the dead-man) must not wait that long,
//! so `shoot` hands the shot to the gun's thread and returns. A shot while the previous one is
//! still on the air is refused ("busy"), as the trigger of a real gun would be.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use thiserror::Error;

use super::config::IrConfig;
use super::io::Io;
use super::ir_frame::mac_from_id;
use super::ir_lirc::{LircGun, LircTx};
use super::ir_receiver::EdgeHitSensor;
use super::validate::{ConfigError, parse_mac};
use crate::hal::{Gun, HalError, HitSensor};

/// Why the IR add-on could not be set up.
#[derive(Debug, Error)]
pub enum IrError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "IR gun: {source}. Add `dtoverlay=gpio-ir-tx,gpio_pin={gpio}` to /boot/firmware/config.txt \
         and reboot, point [rasptank.ir] tx_device at the transmitter, or set [rasptank.ir] \
         enabled = false"
    )]
    Transmitter {
        gpio: u8,
        #[source]
        source: HalError,
    },
    #[error("IR receiver on GPIO {gpio}: {source}")]
    Receiver {
        gpio: u8,
        #[source]
        source: HalError,
    },
    #[error(
        "the IR gun needs this robot's MAC, and {} has none ({reason}): set [rasptank.ir] mac, \
         or give the robot a course-style id (0x + 12 hex digits)",
        .path.display()
    )]
    NoMac { path: PathBuf, reason: String },
}

/// Fills an unset `config.mac` (when the add-on is enabled): with the robot id when it is
/// course-style (`0x` + 12 hex digits: the game master names a shooter by the id in its
/// frame, so the two must agree), else with the address of `mac_interface` under `sys_net`
/// (`/sys/class/net`). A `mac` set by hand is kept, with a warning if it contradicts the id.
pub fn resolve_mac(config: &mut IrConfig, robot_id: &str, sys_net: &Path) -> Result<(), IrError> {
    if !config.enabled {
        return Ok(());
    }
    let id_mac = mac_from_id(robot_id).filter(|_| robot_id.len() == 14);
    match (&config.mac, id_mac) {
        (Some(mac), Some(from_id)) => {
            if parse_mac(mac) != Some(from_id) {
                tracing::warn!(%mac, robot = robot_id,
                    "[rasptank.ir] mac is not the robot id: the game master will not know whose shots these are");
            }
        }
        (Some(_), None) => {}
        (None, Some(_)) => config.mac = Some(robot_id.to_owned()),
        (None, None) => {
            let path = sys_net.join(&config.mac_interface).join("address");
            let text = std::fs::read_to_string(&path).map_err(|e| IrError::NoMac {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let mac = text.trim();
            if parse_mac(mac).is_none() {
                return Err(IrError::NoMac {
                    path,
                    reason: format!("{mac:?} is not a MAC address"),
                });
            }
            config.mac = Some(mac.to_owned());
        }
    }
    Ok(())
}

/// The gun and the receiver, when the add-on is enabled.
pub struct IrParts {
    pub gun: Box<dyn Gun>,
    pub hits: Box<dyn HitSensor>,
}

/// Opens the transmitter and the receiver pin `config` names, or `None` when the add-on is off.
pub fn open<I: Io>(config: &IrConfig, io: &mut I) -> Result<Option<IrParts>, IrError> {
    if !config.enabled {
        return Ok(None);
    }
    let mac = match &config.mac {
        Some(text) => parse_mac(text).ok_or_else(|| ConfigError::IrMac(text.clone()))?,
        None => return Err(ConfigError::NoIrMac.into()),
    };
    let transmitter = |source| IrError::Transmitter {
        gpio: config.tx_gpio,
        source,
    };
    let tx = io.lirc_tx(&config.tx_device).map_err(transmitter)?;
    let gun = ThreadedGun::start(LircGun::open(tx, mac).map_err(transmitter)?);
    let receiver = |source| IrError::Receiver {
        gpio: config.rx_gpio,
        source,
    };
    let input = io.input(config.rx_gpio).map_err(receiver)?;
    let hits = EdgeHitSensor::start(input, config.rx_mark_level).map_err(receiver)?;
    tracing::info!(
        mac = format!("0x{mac:012x}"),
        device = %config.tx_device,
        receiver_gpio = config.rx_gpio,
        "IR gun and receiver ready"
    );
    Ok(Some(IrParts {
        gun: Box::new(gun),
        hits: Box::new(hits),
    }))
}

/// A gun whose shots are sent from a thread of its own.
pub struct ThreadedGun {
    trigger: Option<mpsc::SyncSender<()>>,
    /// Set by `shoot`, cleared by the thread once the frame is sent.
    busy: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
    thread: Option<JoinHandle<()>>,
}

impl ThreadedGun {
    pub fn start<T: LircTx + 'static>(mut gun: LircGun<T>) -> Self {
        let (trigger, shots) = mpsc::sync_channel::<()>(1);
        let busy = Arc::new(AtomicBool::new(false));
        let failures = Arc::new(AtomicU64::new(0));
        let (sent, failed) = (Arc::clone(&busy), Arc::clone(&failures));
        let thread = std::thread::Builder::new()
            .name("ir-gun".into())
            .spawn(move || {
                while shots.recv().is_ok() {
                    if let Err(error) = gun.shoot() {
                        failed.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%error, "IR shot not sent");
                    }
                    sent.store(false, Ordering::Release);
                }
            })
            .ok();
        Self {
            trigger: thread.is_some().then_some(trigger),
            busy,
            failures,
            thread,
        }
    }

    /// Shots the transmitter refused (the device gone, a write cut short).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

impl Gun for ThreadedGun {
    fn shoot(&mut self) -> Result<(), HalError> {
        let Some(trigger) = &self.trigger else {
            return Err(HalError::Gpio("the IR gun's thread could not start".into()));
        };
        if self.busy.swap(true, Ordering::AcqRel) {
            return Err(HalError::Gpio(
                "IR gun busy: the previous shot is still on the air".into(),
            ));
        }
        // Never full: `busy` lets one shot at a time through.
        trigger.try_send(()).map_err(|_| {
            self.busy.store(false, Ordering::Release);
            HalError::Gpio("the IR gun's thread has stopped".into())
        })
    }
}

impl Drop for ThreadedGun {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the shot in flight, if any.
        self.trigger = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
