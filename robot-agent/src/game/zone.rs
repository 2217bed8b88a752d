//! Zones seen through the line sensors: the arena's zones are white patches that interrupt the
//! black line, so a robot on the line enters one when all three sensors go white and leaves it
//! when the line comes back under any of them. The sensors cannot tell which zone: the scanner
//! does (a base has a QR code, the capture zone none).

use fleet_protocol::LineReading;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneChange {
    Entered,
    Left,
}

/// Follows the readings; starts "off any zone" and needs the line seen once before a zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZoneWatcher {
    seen_line: bool,
    in_zone: bool,
}

impl ZoneWatcher {
    pub fn in_zone(&self) -> bool {
        self.in_zone
    }

    pub fn on_reading(&mut self, reading: LineReading) -> Option<ZoneChange> {
        let on_line = reading.left || reading.middle || reading.right;
        match (on_line, self.in_zone) {
            (true, true) => {
                self.in_zone = false;
                self.seen_line = true;
                Some(ZoneChange::Left)
            }
            (true, false) => {
                self.seen_line = true;
                None
            }
            (false, false) if self.seen_line => {
                self.in_zone = true;
                self.seen_line = false;
                Some(ZoneChange::Entered)
            }
            (false, _) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(left: bool, middle: bool, right: bool) -> LineReading {
        LineReading {
            left,
            middle,
            right,
        }
    }

    #[test]
    fn a_zone_is_all_white_after_the_line_and_ends_when_the_line_returns() {
        let mut watcher = ZoneWatcher::default();
        let white = reading(false, false, false);
        assert_eq!(watcher.on_reading(white), None, "no line seen yet");
        assert_eq!(watcher.on_reading(reading(false, true, false)), None);
        assert_eq!(watcher.on_reading(reading(true, true, false)), None);
        assert_eq!(watcher.on_reading(white), Some(ZoneChange::Entered));
        assert!(watcher.in_zone());
        assert_eq!(watcher.on_reading(white), None, "one entry per zone");
        assert_eq!(
            watcher.on_reading(reading(false, false, true)),
            Some(ZoneChange::Left)
        );
        assert_eq!(
            watcher.on_reading(white),
            Some(ZoneChange::Entered),
            "the line seen on leaving counts"
        );
    }
}
