//! What the latency benchmarks share: the bare MQTT round trip they compare against, the
//! sample count from the environment, and one row of min / median / p99 / max.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use fleet_protocol::BrokerAddress;

use crate::Observer;

/// How long one echo may take before the benchmark gives up.
const ECHO_TIMEOUT: Duration = Duration::from_secs(5);

/// The count in the environment variable `name` (`SAMPLES`, `ROUNDS`), or `default`.
pub fn count_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One client publishes, another receives: what the broker and the client library cost.
/// The first `warmup` round trips are not counted.
pub async fn bare_mqtt(broker: &BrokerAddress, samples: usize, warmup: usize) -> Vec<Duration> {
    bare_mqtt_with(broker, broker, samples, warmup).await
}

/// As [`bare_mqtt`], the subscriber and the publisher each logging in with its own address
/// (on an access-controlled broker each needs its own credential).
pub async fn bare_mqtt_with(
    subscriber: &BrokerAddress,
    publisher: &BrokerAddress,
    samples: usize,
    warmup: usize,
) -> Vec<Duration> {
    let (feed, mut received) = mpsc::unbounded_channel();
    let subscriber = Observer::connect_with_feed(subscriber, &["bench/echo"], Some(feed)).await;
    let publisher = Observer::connect_with_feed(publisher, &[], None).await;
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + warmup {
        let sent = Instant::now();
        publisher.publish("bench/echo", format!("{i}")).await;
        let msg = tokio::time::timeout(ECHO_TIMEOUT, received.recv())
            .await
            .expect("echo within the timeout")
            .expect("subscriber running");
        if i >= warmup {
            out.push(msg.at - sent);
        }
    }
    drop(subscriber);
    out
}

/// Prints the header over [`report`]'s rows.
pub fn report_header() {
    println!("{}", header());
}

/// The header over [`row`]s.
pub fn header() -> String {
    format!(
        "{:<40} {:>10} {:>10} {:>10} {:>10}",
        "", "min", "median", "p99", "max"
    )
}

/// Prints [`row`].
pub fn report(what: &str, samples: Vec<Duration>) {
    println!("{}", row(what, samples));
}

/// `what` with the min, median, p99 and max of `samples` (which must not be empty).
pub fn row(what: &str, mut samples: Vec<Duration>) -> String {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
    format!(
        "{what:<40} {:>10} {:>10} {:>10} {:>10}",
        ms(samples[0]),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(samples[samples.len() - 1])
    )
}
