//! Build-time inputs cargo would not otherwise notice:
//! - `sqlx::migrate!` embeds `../migrations`: rebuild when a migration changes.
//! - The web pages: every file under `assets/` is embedded through a table generated here
//!   (`$OUT_DIR/assets.rs`), so adding a page file needs no hand-kept list. Each entry carries
//!   an ETag (a hash of the content) so browsers revalidate cheaply.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
    println!("cargo:rerun-if-changed=assets");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut table = String::from("&[\n");
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .expect("asset under assets/")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
        writeln!(
            table,
            "    Asset {{ name: {name:?}, body: include_bytes!({path:?}), etag: \"\\\"{hash:016x}\\\"\" }},",
            path = file.display().to_string(),
            hash = fnv1a(&bytes),
        )
        .expect("write to a string");
    }
    table.push(']');
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("assets.rs"), table).expect("write assets.rs");
}

/// Every file under `dir`, recursively; hidden files (editor swap files) are left out.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// FNV-1a, 64 bits: enough to tell two versions of a page file apart, and needs no crate.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
