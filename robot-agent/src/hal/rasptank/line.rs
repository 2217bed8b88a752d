//! The three line-tracking sensors, read by edge interrupts rather than a polling loop.
//!
//! Each sensor's interrupt updates one cached [`LineReading`] and broadcasts a [`LineEdge`],
//! so `read()` never touches the bus and behaviours can wait for edges instead of sampling.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use fleet_protocol::{LineReading, LineSensor};
use tokio::sync::broadcast;

use super::config::Level;
use super::io::EdgeInput;
use crate::hal::{HalError, LineEdge, LineSensors};

/// Edges kept for a slow subscriber before it sees `Lagged` (a line crossing is 2..6 edges).
const EDGE_BUFFER: usize = 64;

/// What the interrupt callbacks share with the reader.
struct Shared {
    reading: Mutex<LineReading>,
    edges: broadcast::Sender<LineEdge>,
    on_line_level: Level,
}

impl Shared {
    fn reading(&self) -> MutexGuard<'_, LineReading> {
        // A panic elsewhere while holding the lock cannot leave a bool half-written.
        self.reading.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn on_line(&self, high: bool) -> bool {
        high == (self.on_line_level == Level::High)
    }

    /// Called on the interrupt thread. A repeated level (a bounce whose opposite edge was
    /// lost) changes nothing and is not broadcast, so every `LineEdge` is a real change.
    fn edge(&self, sensor: LineSensor, high: bool) {
        let on_line = self.on_line(high);
        let reading = {
            let mut reading = self.reading();
            let field = sensor_field(&mut reading, sensor);
            if *field == on_line {
                return;
            }
            *field = on_line;
            *reading
        };
        let edge = LineEdge {
            sensor,
            on_line,
            reading,
            at: Instant::now(),
        };
        // No subscriber is fine: the cache is already updated.
        let _ = self.edges.send(edge);
    }
}

fn sensor_field(reading: &mut LineReading, sensor: LineSensor) -> &mut bool {
    match sensor {
        LineSensor::Left => &mut reading.left,
        LineSensor::Middle => &mut reading.middle,
        LineSensor::Right => &mut reading.right,
    }
}

pub struct EdgeLineSensors<I> {
    shared: Arc<Shared>,
    // Held so their interrupts stay registered (rppal clears them when the pin is dropped).
    _inputs: [I; 3],
}

impl<I: EdgeInput> EdgeLineSensors<I> {
    pub fn start(left: I, middle: I, right: I, on_line_level: Level) -> Result<Self, HalError> {
        let (edges, _) = broadcast::channel(EDGE_BUFFER);
        let shared = Arc::new(Shared {
            reading: Mutex::new(LineReading::default()),
            edges,
            on_line_level,
        });
        let mut inputs = [
            (LineSensor::Left, left),
            (LineSensor::Middle, middle),
            (LineSensor::Right, right),
        ];
        for (sensor, input) in &mut inputs {
            let sensor = *sensor;
            let shared = Arc::clone(&shared);
            input.on_edges(Box::new(move |high| shared.edge(sensor, high)))?;
        }
        // Seed after the handlers are in place and under the lock: an edge racing the seed
        // waits for the lock and then applies its newer level, so none is lost.
        {
            let mut reading = shared.reading();
            for (sensor, input) in &inputs {
                *sensor_field(&mut reading, *sensor) = shared.on_line(input.is_high()?);
            }
        }
        let [(_, left), (_, middle), (_, right)] = inputs;
        Ok(Self {
            shared,
            _inputs: [left, middle, right],
        })
    }
}

impl<I: EdgeInput> LineSensors for EdgeLineSensors<I> {
    fn read(&self) -> LineReading {
        *self.shared.reading()
    }

    fn edges(&self) -> broadcast::Receiver<LineEdge> {
        self.shared.edges.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hal::rasptank::fake::FakeInput;

    fn reading(left: bool, middle: bool, right: bool) -> LineReading {
        LineReading {
            left,
            middle,
            right,
        }
    }

    fn start(level: Level, initial: [bool; 3]) -> (EdgeLineSensors<FakeInput>, [FakeInput; 3]) {
        let pins = initial.map(FakeInput::with_level);
        let sensors =
            EdgeLineSensors::start(pins[0].clone(), pins[1].clone(), pins[2].clone(), level)
                .unwrap();
        (sensors, pins)
    }

    #[test]
    fn the_cache_is_seeded_from_the_pin_levels_at_start() {
        let (sensors, _) = start(Level::High, [false, true, false]);
        assert_eq!(sensors.read(), reading(false, true, false));
    }

    #[test]
    fn a_rising_edge_updates_the_reading_and_is_broadcast_as_a_line_edge() {
        let (sensors, [left, _, _]) = start(Level::High, [false, true, false]);
        let mut edges = sensors.edges();
        left.fire(true);
        assert_eq!(sensors.read(), reading(true, true, false));
        let edge = edges.try_recv().unwrap();
        assert_eq!((edge.sensor, edge.on_line), (LineSensor::Left, true));
        assert_eq!(edge.reading, reading(true, true, false));
        assert!(edges.try_recv().is_err());
    }

    #[test]
    fn with_sensors_that_read_low_on_black_a_falling_edge_means_on_the_line() {
        let (sensors, [_, middle, right]) = start(Level::Low, [true, true, false]);
        assert_eq!(sensors.read(), reading(false, false, true));
        let mut edges = sensors.edges();
        middle.fire(false);
        right.fire(true);
        assert_eq!(sensors.read(), reading(false, true, false));
        let first = edges.try_recv().unwrap();
        assert_eq!((first.sensor, first.on_line), (LineSensor::Middle, true));
        let second = edges.try_recv().unwrap();
        assert_eq!((second.sensor, second.on_line), (LineSensor::Right, false));
        assert_eq!(second.reading, reading(false, true, false));
    }

    #[test]
    fn an_edge_repeating_the_cached_level_is_not_broadcast() {
        let (sensors, [left, _, _]) = start(Level::High, [false, false, false]);
        let mut edges = sensors.edges();
        // The interrupt thread delivers a level, as after a lost opposite edge.
        left.fire(true);
        left.fire(false);
        left.fire(true);
        let shared = Arc::clone(&sensors.shared);
        shared.edge(LineSensor::Left, true);
        let received: Vec<bool> = std::iter::from_fn(|| edges.try_recv().ok())
            .map(|e| e.on_line)
            .collect();
        assert_eq!(received, [true, false, true]);
    }
}
