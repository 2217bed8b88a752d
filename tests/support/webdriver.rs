//! A small WebDriver client for the browser tests: starts Debian's `chromedriver` on a free
//! port, opens one headless Chromium session and speaks the W3C WebDriver HTTP protocol to it
//! with ureq (a few calls are all the tests need, so no WebDriver crate and its async stack).
//!
//! Calls block: use it from a multi-threaded tokio test so the robots keep running.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::broker::free_port;
use crate::child_output;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key WebDriver uses for an element reference in JSON.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    base: String,
    http: ureq::Agent,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile. Panics with what to
    /// install when the Debian packages are missing.
    pub fn start() -> Browser {
        for binary in [CHROMEDRIVER, CHROMIUM] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
            );
        }
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let mut browser = Self::start_driver(http);
        let profile_dir = browser._profile.path().display().to_string();
        // The flags that keep Chromium off this machine's closed network and quiet.
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1280,860",
            &format!("--user-data-dir={profile_dir}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let session = browser.call("POST", "/session", Some(caps));
        let id = session["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {session}"))
            .to_owned();
        browser.base = format!("{}/session/{id}", browser.base);
        browser
    }

    /// Starts chromedriver on a free port and waits until it is ready. A port picked free may
    /// be taken by another process before chromedriver binds it; chromedriver then exits at
    /// once, and it is started again on a fresh port.
    fn start_driver(http: ureq::Agent) -> Browser {
        for _ in 0..3 {
            let port = free_port();
            let mut driver = Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(child_output())
                .stderr(child_output())
                .spawn()
                .expect("start chromedriver");
            let base = format!("http://127.0.0.1:{port}");
            if driver_ready(&mut driver, &http, &base) {
                return Browser {
                    base,
                    http,
                    driver,
                    _profile: tempfile::tempdir().expect("temp dir for the browser profile"),
                };
            }
        }
        panic!("chromedriver exited at start three times (TEST_LOG=1 shows why)");
    }

    /// One WebDriver call; returns its `value`, panicking on a WebDriver error.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self.http.get(&url).call(),
            ("DELETE", _) => self.http.delete(&url).call(),
            (_, body) => self.http.post(&url).send_json(body.unwrap_or(json!({}))),
        };
        let mut response = response.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let status = response.status();
        let answer: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        assert!(
            status.is_success(),
            "WebDriver {method} {path} answered {status}: {answer}"
        );
        answer["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page; returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Runs `script` asynchronously: it gets a callback as its last argument and the call
    /// returns what the script passes to it (for scripts that await, such as a dynamic import).
    pub fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({ "script": script, "args": args })),
        )
    }

    /// Polls `script` until it returns something truthy; returns that value. A script may
    /// return `{"pending": detail}` to say "not yet" with what it saw, for the failure message.
    pub fn wait_for(&self, timeout: Duration, what: &str, script: &str) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.execute(script, json!([]));
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("")
                && value.get("pending").is_none();
            if truthy {
                return value;
            }
            assert!(
                Instant::now() < deadline,
                "timed out after {timeout:?} waiting for {what} in the page (last: {value})"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The WebDriver reference of the first element matching `css`; panics when there is none.
    fn find(&self, css: &str) -> String {
        let found = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    /// Clicks the first element matching `css`, as a user would (WebDriver scrolls it into view
    /// and refuses if something covers it). Clicking an `<option>` selects it.
    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    /// Empties the input matching `css` and types `text` into it, key by key.
    pub fn fill(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), Some(json!({})));
        self.call(
            "POST",
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        );
    }

    /// Presses a key (a character, or a WebDriver key code such as "\u{E013}" for ArrowUp) and
    /// keeps it down until [`Browser::key_up`].
    pub fn key_down(&self, key: &str) {
        self.key_action("keyDown", key);
    }

    pub fn key_up(&self, key: &str) {
        self.key_action("keyUp", key);
    }

    fn key_action(&self, kind: &str, key: &str) {
        let actions = json!({"actions": [{
            "type": "key", "id": "keyboard",
            "actions": [{ "type": kind, "value": key }]
        }]});
        self.call("POST", "/actions", Some(actions));
    }

    /// The visible page as PNG bytes.
    pub fn screenshot(&self) -> Vec<u8> {
        let encoded = self.call("GET", "/screenshot", None);
        base64_decode(encoded.as_str().expect("a base64 screenshot"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closes Chromium; then chromedriver can go.
        let _ = self.http.delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits until the chromedriver at `base` says it is ready (`true`) or has exited (`false`).
fn driver_ready(driver: &mut Child, http: &ureq::Agent, base: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if driver.try_wait().ok().flatten().is_some() {
            return false;
        }
        let ready = http
            .get(&format!("{base}/status"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
            .is_some_and(|v| v["value"]["ready"] == true);
        if ready {
            return true;
        }
        if Instant::now() >= deadline {
            let _ = driver.kill();
            panic!("chromedriver did not get ready");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Standard base64 (with padding), as WebDriver sends screenshots.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {:?}", c as char),
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(clean.len() / 4 * 3);
    for chunk in clean.chunks(4) {
        let data: Vec<u8> = chunk
            .iter()
            .filter(|&&c| c != b'=')
            .map(|&c| value(c))
            .collect();
        let bits = data
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &v)| acc | (u32::from(v) << (18 - 6 * i)));
        out.extend(
            bits.to_be_bytes()[1..]
                .iter()
                .take(data.len().saturating_sub(1)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(super::base64_decode("aGVsbG8="), b"hello");
        assert_eq!(super::base64_decode("aGVsbG8h"), b"hello!");
        assert_eq!(super::base64_decode("aGk="), b"hi");
    }
}
