//! The files of `orchestrator/assets/`, embedded at build time through the table `build.rs`
//! generates from the folder, and their content types by extension.

/// One embedded file.
pub(super) struct Asset {
    /// Path under `assets/`, `/`-separated.
    pub name: &'static str,
    pub body: &'static [u8],
    /// A quoted hash of the content, for `ETag` / `If-None-Match`.
    pub etag: &'static str,
}

static ASSETS: &[Asset] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

pub(super) fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The content type a browser needs (modules must be served as JavaScript).
pub(super) fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_assets_folder_is_embedded_with_its_own_etag() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/assets");
        let mut on_disk: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = ASSETS.iter().map(|a| a.name).collect();
        assert_eq!(embedded, on_disk);
        for name in &on_disk {
            let body = std::fs::read(format!("{folder}/{name}")).unwrap();
            assert_eq!(find(name).unwrap().body, body.as_slice(), "{name}");
        }
        let mut tags: Vec<&str> = ASSETS.iter().map(|a| a.etag).collect();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), ASSETS.len(), "two files share an ETag");
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(content_type("map.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("favicon.svg"), "image/svg+xml");
        assert_eq!(content_type("style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("README"), "application/octet-stream");
    }
}
