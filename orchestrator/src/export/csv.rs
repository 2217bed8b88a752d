//! CSV: one row per record, the message's fields as flat columns (`line.left`, `motors.left`,
//! ...; see [`schema::columns`]). Either one file holding every family (the union of their
//! columns) or a directory with one `<family>.csv` per message family, each with its own.
//! Every row starts with `at_ms,robot,family,topic,problem` and ends with `payload`, which holds
//! the text of a legacy game message, or the raw payload of an unreadable record (as text, or
//! `hex:` and its hex digits).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::csv_flatten::Flattener;
use super::message::{Decoded, to_hex};
use super::{ExportError, RecordSink, schema};
use crate::domain::{Record, RecordKind};

/// The columns every row has before the message's own.
pub const LEADING_COLUMNS: [&str; 5] = ["at_ms", "robot", "family", "topic", "problem"];
/// The last column: a legacy game message's text, or the raw payload of an unreadable record;
/// empty otherwise.
pub const PAYLOAD_COLUMN: &str = "payload";

/// One CSV file with a fixed header.
struct Table<W: Write> {
    out: BufWriter<W>,
    /// The message columns' cells of each row.
    cells: Flattener,
    columns: usize,
    line: String,
}

impl<W: Write> Table<W> {
    fn new(out: W, columns: &[String]) -> Result<Self, ExportError> {
        let mut table = Table {
            out: BufWriter::with_capacity(1 << 16, out),
            cells: Flattener::new(columns),
            columns: columns.len(),
            line: String::new(),
        };
        let header = LEADING_COLUMNS
            .iter()
            .copied()
            .chain(columns.iter().map(String::as_str))
            .chain([PAYLOAD_COLUMN]);
        for (i, name) in header.enumerate() {
            if i > 0 {
                table.line.push(',');
            }
            push_field(&mut table.line, name);
        }
        table.end_line()?;
        Ok(table)
    }

    fn row(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError> {
        let line = &mut self.line;
        // Writing into a String cannot fail.
        let _ = write!(line, "{},", record.at_ms);
        push_field(line, record.robot.as_ref().map_or("", |r| r.as_str()));
        line.push(',');
        line.push_str(record.kind.as_str());
        line.push(',');
        push_field(line, &record.topic);
        line.push(',');
        match decoded {
            Decoded::Message { .. } => {
                for cell in self.cells.fill(&record.payload)? {
                    line.push(',');
                    push_field(line, cell);
                }
                line.push(',');
            }
            Decoded::Text => {
                for _ in 0..self.columns {
                    line.push(',');
                }
                line.push(',');
                push_field(line, &String::from_utf8_lossy(&record.payload));
            }
            Decoded::Unreadable { problem } => {
                push_field(line, problem);
                for _ in 0..self.columns {
                    line.push(',');
                }
                line.push(',');
                match std::str::from_utf8(&record.payload) {
                    Ok(text) => push_field(line, text),
                    Err(_) => push_field(line, &format!("hex:{}", to_hex(&record.payload))),
                }
            }
        }
        self.end_line()
    }

    fn end_line(&mut self) -> Result<(), ExportError> {
        self.line.push_str("\r\n");
        self.out.write_all(self.line.as_bytes())?;
        self.line.clear();
        Ok(())
    }

    fn into_inner(self) -> Result<W, ExportError> {
        self.out
            .into_inner()
            .map_err(|e| ExportError::Io(e.into_error()))
    }
}

/// RFC 4180 quoting: only fields holding a comma, a quote or a line break are quoted.
fn push_field(line: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        line.push('"');
        for (i, part) in text.split('"').enumerate() {
            if i > 0 {
                line.push_str("\"\"");
            }
            line.push_str(part);
        }
        line.push('"');
    } else {
        line.push_str(text);
    }
}

/// Every family in one CSV file: the union of the families' columns, each once.
pub struct CsvFileSink<W: Write> {
    table: Table<W>,
}

impl<W: Write> CsvFileSink<W> {
    pub fn new(out: W) -> Result<Self, ExportError> {
        let mut columns: Vec<String> = Vec::new();
        for kind in RecordKind::ALL {
            for column in schema::columns(kind) {
                if !columns.contains(&column) {
                    columns.push(column);
                }
            }
        }
        Ok(Self {
            table: Table::new(out, &columns)?,
        })
    }

    pub fn into_inner(self) -> Result<W, ExportError> {
        self.table.into_inner()
    }
}

impl<W: Write> RecordSink for CsvFileSink<W> {
    fn write(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError> {
        self.table.row(record, decoded)
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        self.table.out.flush()?;
        Ok(())
    }
}

/// One `<family>.csv` per message family in a directory, created when its first record comes.
pub struct CsvDirSink {
    dir: PathBuf,
    tables: HashMap<RecordKind, Table<File>>,
}

impl CsvDirSink {
    /// Creates `dir` if it is missing; files of the same names in it are replaced.
    pub fn new(dir: &Path) -> Result<Self, ExportError> {
        std::fs::create_dir_all(dir).map_err(|source| ExportError::File {
            path: dir.to_owned(),
            source,
        })?;
        Ok(Self {
            dir: dir.to_owned(),
            tables: HashMap::new(),
        })
    }

    /// Where a family's rows go.
    pub fn file_of(dir: &Path, kind: RecordKind) -> PathBuf {
        dir.join(format!("{}.csv", kind.as_str()))
    }

    /// The files written so far.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .tables
            .keys()
            .map(|kind| Self::file_of(&self.dir, *kind))
            .collect();
        files.sort();
        files
    }
}

impl RecordSink for CsvDirSink {
    fn write(&mut self, record: &Record, decoded: &Decoded) -> Result<(), ExportError> {
        let table = match self.tables.entry(record.kind) {
            Entry::Occupied(table) => table.into_mut(),
            Entry::Vacant(slot) => {
                let path = Self::file_of(&self.dir, record.kind);
                let file = File::create(&path).map_err(|source| ExportError::File {
                    path: path.clone(),
                    source,
                })?;
                slot.insert(Table::new(file, &schema::columns(record.kind))?)
            }
        };
        table.row(record, decoded)
    }

    fn finish(&mut self) -> Result<(), ExportError> {
        for table in self.tables.values_mut() {
            table.out.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_quotes_or_line_breaks_are_quoted() {
        let mut line = String::new();
        for text in ["plain", "a,b", "say \"hi\"", "two\nlines", ""] {
            push_field(&mut line, text);
            line.push('|');
        }
        assert_eq!(line, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"||");
    }
}
