//! Command-to-actuation latency through a real Mosquitto: from publishing a drive command to
//! the agent calling `Motors::set` on (fake) hardware, beside a bare MQTT publish-to-receive
//! baseline through the same broker in the same run. Both at QoS 1 with TCP_NODELAY.
//!
//! Run: `cargo bench -p fleet-tests --bench command_latency` (SAMPLES=n to change the count).

use std::time::{Duration, Instant};

use fleet_protocol::{CommandKind, topic};
use fleet_tests::latency::{bare_mqtt, count_from_env, report, report_header};
use fleet_tests::{Broker, Observer, command, spawn_fake_robot};

const DEFAULT_SAMPLES: usize = 1000;
const WARMUP: usize = 50;
const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let samples = count_from_env("SAMPLES", DEFAULT_SAMPLES);
    let broker = Broker::start().await;

    let baseline = bare_mqtt(&broker.address(), samples, WARMUP).await;
    let agent = command_to_motors(&broker, samples).await;

    println!("command latency through mosquitto (loopback, QoS 1, TCP_NODELAY), {samples} samples");
    report_header();
    report("bare MQTT publish -> receive", baseline);
    report("drive command -> Motors::set", agent);
}

/// The orchestrator's path: publish a drive command, the agent parses, executes and calls the
/// motor driver; measured at the driver.
async fn command_to_motors(broker: &Broker, samples: usize) -> Vec<Duration> {
    // A long dead-man, so no safety stop lands among the measured calls.
    let mut robot = spawn_fake_robot(broker, "bench-robot", |c| {
        c.deadman = Duration::from_secs(60)
    })
    .await;
    let publisher = Observer::connect(broker, &[]).await;
    let cmd_topic = topic::cmd(&robot.id);
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + WARMUP {
        // Alternating speeds, so each command is a real change of output.
        let speed = if i % 2 == 0 { 0.5 } else { 0.25 };
        let payload = command(&format!("b{i}"), CommandKind::Drive { speed, turn: 0.0 });
        let sent = Instant::now();
        publisher.publish(&cmd_topic, payload).await;
        let call = tokio::time::timeout(TIMEOUT, robot.probe.motor_calls.recv())
            .await
            .expect("actuation within the timeout")
            .expect("agent running");
        assert_eq!(call.output.left, speed, "the call is this command's");
        if i >= WARMUP {
            out.push(call.at - sent);
        }
    }
    robot.agent.shutdown().await.expect("clean shutdown");
    out
}
