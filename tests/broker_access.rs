//! The embedded broker enforces who may do what (issue 9, item 3), seen from plain rumqttc
//! clients as a student's program or a rogue robot would connect: anonymous and mis-bound
//! clients are refused, a robot's credential stays within its own topics (its last will
//! included), a latched estop cannot be lifted from a robot's credential, and a revoked robot
//! is cut off at once. `serve --open` lets everyone in.

use std::time::{Duration, Instant};

use fleet_protocol::{
    Backend, BrokerAddress, CommandKind, Credentials, RobotId, Status, encode, topic,
};
use fleet_tests::{TestApp, command, robot_id, spawn_sim_robot_on, wait_until};
use rumqttc::{
    AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, LastWill, MqttOptions,
    Packet, QoS, SubscribeReasonCode,
};
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

/// A plain client's options for `broker`, with `client_id` (and its credential, if any).
fn options(broker: &BrokerAddress, client_id: &str) -> MqttOptions {
    let mut options = MqttOptions::new(client_id, broker.host.clone(), broker.port);
    options.set_keep_alive(Duration::from_secs(5));
    if let Some(c) = &broker.credentials {
        options.set_credentials(c.username.clone(), c.password.clone());
    }
    options
}

/// Connects once; the broker's answer to the CONNECT.
async fn connect(options: MqttOptions) -> Result<(AsyncClient, EventLoop), ConnectionError> {
    let (client, mut eventloop) = AsyncClient::new(options, 100);
    loop {
        match tokio::time::timeout(WAIT, eventloop.poll()).await {
            Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => return Ok((client, eventloop)),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => panic!("no answer to CONNECT within {WAIT:?}"),
        }
    }
}

fn refused(result: Result<(AsyncClient, EventLoop), ConnectionError>) -> ConnectReturnCode {
    match result {
        Ok(_) => panic!("the broker accepted a connection it must refuse"),
        Err(ConnectionError::ConnectionRefused(code)) => code,
        Err(other) => panic!("expected a refused CONNECT, got {other}"),
    }
}

/// Polls `eventloop` in the background, handing every SubAck's codes to the caller.
fn drive(
    mut eventloop: EventLoop,
) -> tokio::sync::mpsc::UnboundedReceiver<Vec<SubscribeReasonCode>> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(event) = eventloop.poll().await {
            if let Event::Incoming(Packet::SubAck(ack)) = event {
                let _ = tx.send(ack.return_codes);
            }
        }
    });
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_client_a_wrong_password_and_a_borrowed_client_id_are_refused() {
    let app = TestApp::spawn(|_| {}).await;
    let anonymous = refused(connect(options(&app.broker, "anyone")).await);
    assert_eq!(anonymous, ConnectReturnCode::NotAuthorized);

    let r1 = app.robot_broker("r1");
    let mut wrong = r1.clone();
    wrong.credentials = Some(Credentials {
        username: "r1".into(),
        password: "guessed".into(),
    });
    assert_eq!(
        refused(connect(options(&wrong, "r1")).await),
        ConnectReturnCode::BadUserNamePassword
    );
    // r1's credential under another client id could take over that client's session.
    assert_eq!(
        refused(connect(options(&r1, "r2")).await),
        ConnectReturnCode::NotAuthorized
    );
    assert!(
        connect(options(&r1, "r1")).await.is_ok(),
        "the right login works"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_last_will_on_another_robots_topic_is_refused_and_ones_own_is_accepted() {
    let app = TestApp::spawn(|_| {}).await;
    let r1 = app.robot_broker("r1");
    let victim = robot_id("r2");
    let forged = Status::online(victim.clone(), "0", Backend::Sim, vec![], 1).offline("x", 2);
    let mut evil = options(&r1, "r1");
    evil.set_last_will(LastWill::new(
        topic::status(&victim),
        encode(&forged),
        QoS::AtLeastOnce,
        true,
    ));
    assert_eq!(
        refused(connect(evil).await),
        ConnectReturnCode::NotAuthorized
    );
    let mut fleet_will = options(&r1, "r1");
    fleet_will.set_last_will(LastWill::new("fleet/cmd", "{}", QoS::AtLeastOnce, false));
    assert_eq!(
        refused(connect(fleet_will).await),
        ConnectReturnCode::NotAuthorized
    );

    let own = robot_id("r1");
    let mut honest = options(&r1, "r1");
    let will = Status::online(own.clone(), "0", Backend::Sim, vec![], 1).offline("link lost", 2);
    honest.set_last_will(LastWill::new(
        topic::status(&own),
        encode(&will),
        QoS::AtLeastOnce,
        true,
    ));
    assert!(connect(honest).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_credential_cannot_lift_an_estop_or_drive_another_robot() {
    let app = TestApp::spawn(|_| {}).await;
    let victim = spawn_sim_robot_on(app.robot_broker("victim"), "victim", |_, _| {}).await;
    app.wait_for_robot_state("victim", "online", WAIT).await;
    let estop = app.post("/api/estop", &json!({})).await;
    assert_eq!(estop.status, 200, "{estop:?}");
    wait_until(WAIT, "the victim to latch the estop", || {
        victim.agent.state().estopped
    })
    .await;
    let watcher = fleet_tests::Observer::connect_with_feed(
        &app.client_broker("watcher"),
        &["robots/#", "fleet/#"],
        None,
    )
    .await;

    // A rogue program with robot "rogue"'s credential tries every door.
    let (rogue, eventloop) = connect(options(&app.robot_broker("rogue"), "rogue"))
        .await
        .expect("the rogue's own login works");
    let mut subacks = drive(eventloop);
    let victim_id = victim.id.clone();
    let drive_fast = CommandKind::Drive {
        speed: 1.0,
        turn: 0.0,
    };
    for (t, payload) in [
        (
            topic::BROADCAST_CMD.to_owned(),
            command("evil-1", CommandKind::Release),
        ),
        (
            topic::cmd(&victim_id),
            command("evil-2", CommandKind::Release),
        ),
        (topic::cmd(&victim_id), command("evil-3", drive_fast)),
        (
            topic::heartbeat().to_owned(),
            b"{\"v\":1,\"seq\":9,\"ts_ms\":1,\"evil\":6}".to_vec(),
        ),
        (topic::status(&victim_id), b"{\"evil\":4}".to_vec()),
        (topic::telemetry(&victim_id), b"{\"evil\":5}".to_vec()),
    ] {
        rogue
            .publish(t, QoS::AtLeastOnce, false, payload)
            .await
            .expect("queued");
    }
    rogue
        .subscribe(topic::TopicKind::Telemetry.wildcard(), QoS::AtLeastOnce)
        .await
        .expect("queued");
    // Allowed, and after the others on the same connection: once the watcher has it, the
    // broker has judged everything before it.
    let rogue_id = RobotId::parse("rogue").unwrap();
    let marker = Status::online(rogue_id.clone(), "0", Backend::Sim, vec![], 3);
    rogue
        .publish(
            topic::status(&rogue_id),
            QoS::AtLeastOnce,
            false,
            encode(&marker),
        )
        .await
        .expect("queued");
    watcher
        .wait_for::<Status, _>(&topic::status(&rogue_id), WAIT, |s| *s == marker)
        .await;

    let codes = tokio::time::timeout(WAIT, subacks.recv())
        .await
        .expect("a SubAck")
        .expect("client running");
    assert_eq!(
        codes,
        [SubscribeReasonCode::Failure],
        "a wildcard read is refused"
    );
    let state = victim.agent.state();
    assert!(state.estopped, "the teacher's estop is still latched");
    let m = victim.sim.motors();
    assert_eq!((m.left, m.right), (0.0, 0.0), "the victim did not move");
    for t in [
        topic::BROADCAST_CMD.to_owned(),
        topic::cmd(&victim_id),
        topic::heartbeat().to_owned(),
        topic::status(&victim_id),
        topic::telemetry(&victim_id),
    ] {
        let forged = watcher
            .on(&t)
            .into_iter()
            .filter(|m| String::from_utf8_lossy(&m.payload).contains("evil"))
            .count();
        assert_eq!(forged, 0, "a forged message reached {t}");
    }
    let robot = app.wait_for_robot_state("victim", "online", WAIT).await;
    assert_eq!(
        robot.state.as_str(),
        "online",
        "the forged status was refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_robot_is_cut_off_within_a_second_and_cannot_log_in_again() {
    let app = TestApp::spawn(|_| {}).await;
    let robot = spawn_sim_robot_on(app.robot_broker("doomed"), "doomed", |_, _| {}).await;
    let registry = app.access.registry().expect("access control is on");
    let revoked_at = Instant::now();
    assert!(registry.revoke("doomed"));
    wait_until(
        Duration::from_secs(1),
        "the revoked robot's link to drop",
        || !robot.agent.state().link_up,
    )
    .await;
    eprintln!("revoked robot cut off after {:?}", revoked_at.elapsed());
    app.wait_for_robot_state("doomed", "offline", WAIT).await;
    // It keeps retrying with the old password; every attempt is refused. Its reconnect
    // backoff starts at 100 ms, so a second covers several attempts.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!robot.agent.state().link_up, "a revoked robot got back in");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_open_access_an_anonymous_client_gets_in() {
    let app = TestApp::spawn(|s| s.open = true).await;
    assert!(app.access.registry().is_none());
    assert!(connect(options(&app.broker, "anyone")).await.is_ok());
}
