//! Simulated RaspTank (work in progress).
