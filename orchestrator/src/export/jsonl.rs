//! JSON Lines: one record per line with its receive time, robot, family, topic and decoded
//! message, e.g. `{"at_ms":…,"robot":"tank-1","family":"telemetry","topic":"robots/tank-1/telemetry","message":{…}}`.
//! A legacy game message has `"message":null` and `"text":"SHOT_BY 0xf1…"`; an unreadable
//! payload has `"message":null` and an `"unreadable"` object with its bytes.

use std::io::{BufWriter, Write};

use fleet_protocol::RobotId;

use super::message::{Decoded, Unreadable};
use super::{ExportError, RecordSink};
use crate::domain::Record;

pub struct JsonLinesSink<W: Write> {
    out: BufWriter<W>,
}

impl<W: Write> JsonLinesSink<W> {
    pub fn new(out: W) -> Self {
        Self {
            out: BufWriter::with_capacity(1 << 16, out),
        }
    }

    /// The destination back, once everything is flushed.
    pub fn into_inner(self) -> Result<W, ExportError> {
        self.out
            .into_inner()
            .map_err(|e| ExportError::Io(e.into_error()))
    }
}

impl<W: Write> RecordSink for JsonLinesSink<W> {
    fn write(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError> {
        let out = &mut self.out;
        write!(out, "{{\"at_ms\":{},\"robot\":", record.at_ms)?;
        serde_json::to_writer(&mut *out, &record.robot.as_ref().map(RobotId::as_str))?;
        write!(out, ",\"family\":\"{}\",\"topic\":", record.kind.as_str())?;
        serde_json::to_writer(&mut *out, &record.topic)?;
        out.write_all(b",\"message\":")?;
        match decoded {
            // Raw JSON is copied as is unless it spans lines (a pretty-printing publisher):
            // JSON only allows line breaks as whitespace, so re-serializing loses nothing.
            Decoded::Message { .. }
                if !record.payload.iter().any(|b| matches!(b, b'\n' | b'\r')) =>
            {
                out.write_all(record.payload.trim_ascii())?;
            }
            Decoded::Message { .. } => {
                let value: serde_json::Value = serde_json::from_slice(&record.payload)?;
                serde_json::to_writer(&mut *out, &value)?;
            }
            Decoded::Text => {
                out.write_all(b"null,\"text\":")?;
                serde_json::to_writer(&mut *out, &String::from_utf8_lossy(&record.payload))?;
            }
            Decoded::Unreadable { problem } => {
                out.write_all(b"null,\"unreadable\":")?;
                serde_json::to_writer(&mut *out, &Unreadable::new(problem, &record.payload))?;
            }
        }
        out.write_all(b"}\n")?;
        Ok(())
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.out.flush()?;
        Ok(())
    }
}
