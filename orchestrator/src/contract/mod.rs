//! The HTTP API's contract (placeholder until the layering branch's contract lands).

pub mod roster;
