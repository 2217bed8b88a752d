//! The terminal remote's key handling, without any I/O: which key means what, and how long a
//! drive key counts as "held".
//!
//! Terminals report key presses and their auto-repeats, never releases. A held key produces
//! one press, then, after the terminal's first repeat delay (250-660 ms on common setups;
//! X11's default is 660 ms), a repeat every 30-50 ms. So:
//! - after a first press the drive is held for [`FIRST_REPEAT_GRACE`] (700 ms), long enough
//!   for the first repeat to arrive on every common setup, so a held key never stutters;
//! - once repeats are seen, the hold shrinks to a few repeat intervals (at least
//!   [`MIN_HOLD`]), so releasing the key stops the robot within ~150 ms;
//! - while held, the drive is re-sent every [`DRIVE_REPEAT`] (the protocol's, a third of the
//!   agent's 500 ms dead-man); when the hold runs out one explicit stop is sent. If the remote dies, the
//!   dead-man stops the robot 500 ms after the last drive.
//!
//! The price: a single tap drives for 700 ms. Space stops at once.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
/// The protocol's drive repeat, re-exported for the remote's loop and its docs.
pub use fleet_protocol::DRIVE_REPEAT;
use fleet_protocol::{CommandKind, Joint};

pub const FIRST_REPEAT_GRACE: Duration = Duration::from_millis(700);
pub const MIN_HOLD: Duration = Duration::from_millis(150);
/// Once repeating, the hold lasts this many repeat intervals (a late repeat is not a release).
const REPEATS_OF_SLACK: u32 = 3;

/// Speed steps for `+`/`-`, and the servo step for `[`/`]`, in degrees.
pub const SPEED_STEP: f32 = 0.1;
pub const SERVO_STEP: f32 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
    SpinLeft,
    SpinRight,
    ForwardLeft,
    ForwardRight,
}

impl Direction {
    /// The drive command at `speed` (0..1).
    pub fn drive(self, speed: f32) -> CommandKind {
        let (s, t) = match self {
            Direction::Forward => (speed, 0.0),
            Direction::Backward => (-speed, 0.0),
            Direction::SpinLeft => (0.0, -speed),
            Direction::SpinRight => (0.0, speed),
            Direction::ForwardLeft => (speed, -speed / 2.0),
            Direction::ForwardRight => (speed, speed / 2.0),
        };
        CommandKind::Drive { speed: s, turn: t }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Drive(Direction),
    Stop,
    Faster,
    Slower,
    SelectJoint(Joint),
    ServoUp,
    ServoDown,
    Estop,
    Release,
    Quit,
}

/// What a key means; `None` for keys the remote ignores.
pub fn action_for(key: &KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        return matches!(key.code, KeyCode::Char('c' | 'd')).then_some(Action::Quit);
    }
    Some(match key.code {
        KeyCode::Up | KeyCode::Char('w' | 'W') => Action::Drive(Direction::Forward),
        KeyCode::Down | KeyCode::Char('s' | 'S') => Action::Drive(Direction::Backward),
        KeyCode::Left | KeyCode::Char('a' | 'A') => Action::Drive(Direction::SpinLeft),
        KeyCode::Right | KeyCode::Char('d' | 'D') => Action::Drive(Direction::SpinRight),
        KeyCode::Char('q' | 'Q') => Action::Drive(Direction::ForwardLeft),
        KeyCode::Char('e' | 'E') => Action::Drive(Direction::ForwardRight),
        KeyCode::Char(' ') => Action::Stop,
        KeyCode::Char('+' | '=') => Action::Faster,
        KeyCode::Char('-' | '_') => Action::Slower,
        KeyCode::Char(c @ '1'..='5') => Action::SelectJoint(Joint::ALL[c as usize - '1' as usize]),
        KeyCode::Char(']') => Action::ServoUp,
        KeyCode::Char('[') => Action::ServoDown,
        KeyCode::Char('x' | 'X') => Action::Estop,
        KeyCode::Char('r' | 'R') => Action::Release,
        KeyCode::Esc => Action::Quit,
        _ => return None,
    })
}

/// The drive key being held, inferred from presses and repeats.
#[derive(Debug, Default, Clone)]
pub struct Hold {
    direction: Option<Direction>,
    last_event: Option<Instant>,
    /// The interval between the last two events of the same key, once it repeats.
    repeat_every: Option<Duration>,
}

impl Hold {
    /// A press or an auto-repeat of a drive key.
    pub fn key(&mut self, direction: Direction, now: Instant) {
        let same_key_held = self.direction == Some(direction)
            && self
                .last_event
                .is_some_and(|t| now.duration_since(t) <= self.window());
        self.repeat_every = if same_key_held {
            self.last_event.map(|t| now.duration_since(t))
        } else {
            None
        };
        self.direction = Some(direction);
        self.last_event = Some(now);
    }

    /// Space (or quitting): nothing is held any more.
    pub fn release(&mut self) {
        *self = Hold::default();
    }

    /// The direction still held at `now`, if any.
    pub fn held(&self, now: Instant) -> Option<Direction> {
        let last = self.last_event?;
        (now.duration_since(last) <= self.window())
            .then_some(self.direction)
            .flatten()
    }

    /// How long after the last key event the key still counts as held.
    pub fn window(&self) -> Duration {
        match self.repeat_every {
            Some(every) => (every * REPEATS_OF_SLACK).clamp(MIN_HOLD, FIRST_REPEAT_GRACE),
            None => FIRST_REPEAT_GRACE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_first_press_is_held_through_a_slow_first_repeat_delay() {
        let t0 = Instant::now();
        let mut hold = Hold::default();
        hold.key(Direction::Forward, t0);
        // X11's default first repeat delay is 660 ms: no gap before it.
        assert_eq!(hold.held(t0 + ms(660)), Some(Direction::Forward));
        assert_eq!(hold.held(t0 + ms(701)), None);
    }

    #[test]
    fn once_the_key_repeats_releasing_it_stops_within_a_few_repeats() {
        let t0 = Instant::now();
        let mut hold = Hold::default();
        hold.key(Direction::Forward, t0);
        let mut t = t0 + ms(500);
        hold.key(Direction::Forward, t);
        for _ in 0..10 {
            t += ms(33);
            hold.key(Direction::Forward, t);
        }
        assert_eq!(hold.held(t + ms(90)), Some(Direction::Forward));
        // Released: no more repeats. The hold ends after MIN_HOLD, not after 700 ms.
        assert_eq!(hold.held(t + MIN_HOLD + ms(1)), None);
    }

    #[test]
    fn another_key_takes_over_and_waits_for_its_own_first_repeat() {
        let t0 = Instant::now();
        let mut hold = Hold::default();
        hold.key(Direction::Forward, t0);
        hold.key(Direction::Forward, t0 + ms(40));
        hold.key(Direction::SpinLeft, t0 + ms(80));
        assert_eq!(hold.held(t0 + ms(600)), Some(Direction::SpinLeft));
    }

    #[test]
    fn space_releases_at_once() {
        let t0 = Instant::now();
        let mut hold = Hold::default();
        hold.key(Direction::Backward, t0);
        hold.release();
        assert_eq!(hold.held(t0), None);
    }

    #[test]
    fn keys_map_to_actions_as_the_help_says() {
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert_eq!(
            action_for(&key(KeyCode::Up)),
            Some(Action::Drive(Direction::Forward))
        );
        assert_eq!(
            action_for(&key(KeyCode::Char('a'))),
            Some(Action::Drive(Direction::SpinLeft))
        );
        assert_eq!(action_for(&key(KeyCode::Char(' '))), Some(Action::Stop));
        assert_eq!(
            action_for(&key(KeyCode::Char('5'))),
            Some(Action::SelectJoint(Joint::Claw))
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(action_for(&ctrl_c), Some(Action::Quit));
        assert_eq!(action_for(&key(KeyCode::Char('z'))), None);
    }

    #[test]
    fn spinning_turns_in_place_and_backward_reverses() {
        assert_eq!(
            Direction::SpinRight.drive(0.5),
            CommandKind::Drive {
                speed: 0.0,
                turn: 0.5
            }
        );
        assert_eq!(
            Direction::Backward.drive(0.4),
            CommandKind::Drive {
                speed: -0.4,
                turn: 0.0
            }
        );
    }
}
