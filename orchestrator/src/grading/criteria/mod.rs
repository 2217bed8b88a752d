//! What a run did, measured from its records against the course: one file per family of
//! criteria. Measuring knows nothing of points; [`super::grade`] scores these numbers with the
//! rubric.

pub mod conduct;
pub mod laps;
pub mod line;
pub mod pose;

pub use conduct::{estops, interventions};
pub use laps::{Laps, laps};
pub use line::{LineMeasure, Loss, line};
pub(crate) use pose::distance;
pub use pose::{Distance, Exits, exits};
