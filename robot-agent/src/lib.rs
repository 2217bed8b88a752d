//! The robot agent: runs on each RaspTank (or simulates one), drives its hardware, speaks the
//! fleet protocol over MQTT, and keeps the robot safe when commands or the link stop.

pub mod behaviour;
pub mod config;
pub mod game;
pub mod hal;
pub mod runtime;
