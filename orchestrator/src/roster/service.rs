//! [`ClassAccess`]: every change to who may do what goes through here, so SQLite (durable), the
//! student directory (HTTP tokens) and the broker's credential registry (MQTT logins) never
//! disagree. Each change is written to SQLite first, then applied in memory.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use fleet_protocol::RobotId;
use tracing::info;

use super::csv::{RosterErrors, parse_roster};
use super::{IssuedCredential, StopLedger, StudentDirectory, StudentId, StudentLogin};
use crate::broker::access::{
    CredentialError, CredentialRegistry, FLOOD_LIMIT, PasswordHash, Principal,
};
use crate::contract::roster::{Enrolled, ImportReport, IssuedStudent, StudentView, Throttled};
use crate::store::{GroupError, GroupName, Store, StoreError, StudentRow, StudentWrite};

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error(transparent)]
    Roster(#[from] RosterErrors),
    #[error("no student {0} in the roster")]
    UnknownStudent(StudentId),
    #[error("robot {0} is not enrolled")]
    NotEnrolled(RobotId),
    #[error(
        "{0} is both a student id and a robot id: each is an MQTT username, so they must differ"
    )]
    NameTaken(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    Credential(#[from] CredentialError),
}

/// The roster, the enrolled robots and the stop ledger, with the in-memory copies the API and
/// the broker consult.
#[derive(Debug)]
pub struct ClassAccess {
    store: Store,
    /// The embedded broker's registry; `None` when access is open or the broker is external
    /// (then `broker-config` carries the credentials to Mosquitto).
    registry: Option<Arc<CredentialRegistry>>,
    students: Arc<StudentDirectory>,
    stops: Mutex<StopLedger>,
}

impl ClassAccess {
    /// Loads the roster and the enrolled robots from `store` into `registry` and the directory.
    pub async fn load(
        store: Store,
        registry: Option<Arc<CredentialRegistry>>,
    ) -> Result<Self, ClassError> {
        let class = Self {
            store,
            registry,
            students: Arc::default(),
            stops: Mutex::default(),
        };
        let robots = class.store.list_robot_credentials().await?;
        if let Some(registry) = &class.registry {
            for row in &robots {
                registry.insert_hashed(
                    row.robot.as_str(),
                    row.password_hash.clone(),
                    Principal::Robot(row.robot.clone()),
                );
            }
        }
        let students = class.store.list_students().await?;
        for row in &students {
            class.apply_student(&row.id, row.robot.clone(), row.token_hash.clone());
        }
        info!(
            robots = robots.len(),
            students = students.len(),
            "enrolled robots and roster loaded"
        );
        Ok(class)
    }

    /// The students' token hashes, shared with the HTTP API's [`crate::api::Access`].
    pub fn directory(&self) -> &Arc<StudentDirectory> {
        &self.students
    }

    /// Who holds each robot's emergency stop.
    pub fn stops(&self) -> MutexGuard<'_, StopLedger> {
        self.stops.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The student whose token this is.
    pub fn student_by_token(&self, token: &str) -> Option<StudentLogin> {
        self.students.find(token)
    }

    pub async fn list(&self) -> Result<Vec<StudentView>, ClassError> {
        Ok(self.store.list_students().await?.iter().map(view).collect())
    }

    /// Imports a class file: new students get a token (shown in the report, once); existing
    /// ones keep theirs and take the file's name, team and robot; teams become groups holding
    /// their students' robots. The same file twice changes nothing the second time.
    pub async fn import(&self, text: &str, at_ms: i64) -> Result<ImportReport, ClassError> {
        let lines = parse_roster(text)?;
        let enrolled: BTreeSet<String> = self.enrolled_ids().await?;
        let clashes: Vec<String> = lines
            .iter()
            .filter(|l| enrolled.contains(l.student.as_str()))
            .map(|l| {
                format!(
                    "line {}: student id {} is an enrolled robot's id",
                    l.line, l.student
                )
            })
            .collect();
        if !clashes.is_empty() {
            return Err(RosterErrors(clashes).into());
        }
        let existing: HashMap<StudentId, StudentRow> = self
            .store
            .list_students()
            .await?
            .into_iter()
            .map(|row| (row.id.clone(), row))
            .collect();
        let mut writes = Vec::new();
        let mut issued = Vec::new();
        let mut report = ImportReport::default();
        for line in &lines {
            let mut write = StudentWrite {
                id: line.student.clone(),
                name: line.name.clone(),
                team: line.team.clone(),
                robot: line.robot.clone(),
                token: None,
            };
            match existing.get(&line.student) {
                Some(old)
                    if old.name == line.name
                        && old.team == line.team
                        && old.robot == line.robot =>
                {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => report.updated.push(line.student.clone()),
                None => {
                    let credential = IssuedCredential::generate()?;
                    write.token =
                        Some((credential.hash.clone(), credential.mosquitto_hash.clone()));
                    issued.push((line, credential));
                }
            }
            writes.push(write);
        }
        self.store.save_students(&writes, at_ms).await?;
        for write in &writes {
            let hash = match &write.token {
                Some((hash, _)) => hash.clone(),
                None => existing[&write.id].token_hash.clone(),
            };
            self.apply_student(&write.id, write.robot.clone(), hash);
        }
        report.groups = self.sync_teams(&lines_teams(&lines), at_ms).await?;
        report.added = issued
            .into_iter()
            .map(|(line, credential)| IssuedStudent {
                student: line.student.clone(),
                name: line.name.clone(),
                robot: line.robot.clone(),
                token: credential.secret,
            })
            .collect();
        info!(
            added = report.added.len(),
            updated = report.updated.len(),
            unchanged = report.unchanged,
            "roster imported"
        );
        Ok(report)
    }

    /// Makes `student` drive `robot` (its token unchanged) and adds the robot to its team.
    pub async fn assign(
        &self,
        student: &StudentId,
        robot: &RobotId,
        at_ms: i64,
    ) -> Result<StudentView, ClassError> {
        let mut row = self.student(student).await?;
        row.robot = Some(robot.clone());
        self.store
            .save_students(
                &[StudentWrite {
                    id: row.id.clone(),
                    name: row.name.clone(),
                    team: row.team.clone(),
                    robot: row.robot.clone(),
                    token: None,
                }],
                at_ms,
            )
            .await?;
        self.apply_student(&row.id, row.robot.clone(), row.token_hash.clone());
        if let Some(team) = &row.team {
            self.sync_teams(&[(team.clone(), vec![robot.clone()])], at_ms)
                .await?;
        }
        Ok(view(&row))
    }

    /// Removes `student`: its token stops working and a connected MQTT client of it is cut off.
    pub async fn remove(&self, student: &StudentId) -> Result<(), ClassError> {
        if !self.store.delete_student(student).await? {
            return Err(ClassError::UnknownStudent(student.clone()));
        }
        self.students.remove(student);
        if let Some(registry) = &self.registry {
            registry.revoke(student.as_str());
        }
        Ok(())
    }

    /// A new token for `student`; the old one stops working at once.
    pub async fn reissue(
        &self,
        student: &StudentId,
        at_ms: i64,
    ) -> Result<IssuedStudent, ClassError> {
        let row = self.student(student).await?;
        let credential = IssuedCredential::generate()?;
        self.store
            .save_students(
                &[StudentWrite {
                    id: row.id.clone(),
                    name: row.name.clone(),
                    team: row.team.clone(),
                    robot: row.robot.clone(),
                    token: Some((credential.hash.clone(), credential.mosquitto_hash.clone())),
                }],
                at_ms,
            )
            .await?;
        if let Some(registry) = &self.registry {
            registry.revoke(student.as_str());
        }
        self.apply_student(&row.id, row.robot.clone(), credential.hash.clone());
        Ok(IssuedStudent {
            student: row.id,
            name: row.name,
            robot: row.robot,
            token: credential.secret,
        })
    }

    /// Enrolls `robot` with a fresh password (shown once); an earlier credential of the robot
    /// stops working and a client connected with it is cut off.
    pub async fn enroll(
        &self,
        robot: &RobotId,
        broker_url: String,
        at_ms: i64,
    ) -> Result<Enrolled, ClassError> {
        let as_student = StudentId::parse(robot.as_str()).ok();
        if let Some(student) = as_student
            && self.store.get_student(&student).await?.is_some()
        {
            return Err(ClassError::NameTaken(robot.to_string()));
        }
        let credential = IssuedCredential::generate()?;
        self.store
            .enroll_robot(robot, &credential.hash, &credential.mosquitto_hash, at_ms)
            .await?;
        if let Some(registry) = &self.registry {
            registry.revoke(robot.as_str());
            registry.insert_hashed(
                robot.as_str(),
                credential.hash.clone(),
                Principal::Robot(robot.clone()),
            );
        }
        info!(%robot, "robot enrolled");
        Ok(Enrolled {
            robot: robot.clone(),
            username: robot.to_string(),
            password: credential.secret,
            broker: broker_url,
        })
    }

    /// Revokes `robot`'s credential: a connected robot is cut off at once.
    pub async fn revoke(&self, robot: &RobotId) -> Result<(), ClassError> {
        if !self.store.revoke_robot(robot).await? {
            return Err(ClassError::NotEnrolled(robot.clone()));
        }
        if let Some(registry) = &self.registry {
            registry.revoke(robot.as_str());
        }
        info!(%robot, "robot credential revoked");
        Ok(())
    }

    /// Robots the broker is dropping messages of (flood control); empty without a registry.
    pub fn throttled(&self) -> Vec<Throttled> {
        let Some(registry) = &self.registry else {
            return Vec::new();
        };
        registry
            .flood()
            .throttled(std::time::Instant::now())
            .into_iter()
            .map(|(robot, dropped, now)| Throttled {
                robot,
                dropped,
                now,
                limit_per_s: FLOOD_LIMIT as u32,
            })
            .collect()
    }

    async fn enrolled_ids(&self) -> Result<BTreeSet<String>, ClassError> {
        Ok(self
            .store
            .list_robot_credentials()
            .await?
            .into_iter()
            .map(|r| r.robot.to_string())
            .collect())
    }

    async fn student(&self, id: &StudentId) -> Result<StudentRow, ClassError> {
        self.store
            .get_student(id)
            .await?
            .ok_or_else(|| ClassError::UnknownStudent(id.clone()))
    }

    /// The directory and the registry learn a student's token hash and robot. A student with
    /// no robot has no MQTT login: there is nothing it could publish or read.
    fn apply_student(&self, id: &StudentId, robot: Option<RobotId>, hash: PasswordHash) {
        self.students.upsert(
            StudentLogin {
                student: id.clone(),
                robot: robot.clone(),
            },
            hash.clone(),
        );
        if let Some(registry) = &self.registry {
            match robot {
                Some(robot) => {
                    let principal = Principal::Student {
                        student: id.to_string(),
                        robot,
                    };
                    // A student moved to another robot is cut off first: its subscriptions to
                    // the old robot's topics would otherwise outlive the change.
                    if registry
                        .principal(id.as_str())
                        .is_some_and(|old| old != principal)
                    {
                        registry.revoke(id.as_str());
                    }
                    registry.insert_hashed(id.as_str(), hash, principal);
                }
                None => {
                    registry.revoke(id.as_str());
                }
            }
        }
    }

    /// Creates each team's group if missing and adds its robots (never removes a member: the
    /// teacher may have added robots by hand). Returns the teams' names.
    async fn sync_teams(
        &self,
        teams: &[(GroupName, Vec<RobotId>)],
        at_ms: i64,
    ) -> Result<Vec<GroupName>, ClassError> {
        for (team, robots) in teams {
            match self.store.create_group(team, at_ms).await {
                Ok(_) | Err(GroupError::Exists(_)) => {}
                Err(e) => return Err(e.into()),
            }
            if !robots.is_empty() {
                self.store.add_group_members(team, robots, at_ms).await?;
            }
        }
        Ok(teams.iter().map(|(t, _)| t.clone()).collect())
    }
}

/// Each team of the file with its students' robots, by team name.
fn lines_teams(lines: &[super::RosterLine]) -> Vec<(GroupName, Vec<RobotId>)> {
    let mut teams: std::collections::BTreeMap<GroupName, BTreeSet<RobotId>> = Default::default();
    for line in lines {
        if let Some(team) = &line.team {
            let robots = teams.entry(team.clone()).or_default();
            robots.extend(line.robot.clone());
        }
    }
    teams
        .into_iter()
        .map(|(t, r)| (t, r.into_iter().collect()))
        .collect()
}

fn view(row: &StudentRow) -> StudentView {
    StudentView {
        student: row.id.clone(),
        name: row.name.clone(),
        team: row.team.clone(),
        robot: row.robot.clone(),
    }
}
