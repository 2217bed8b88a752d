//! Playing a scripted mission: its steps one after the other. A drive step re-sends its drive
//! command every [`DRIVE_REPEAT`] (the protocol's, a third of the agent's dead-man), for as long as the
//! step lasts, and a stop follows unless the next step drives again; other steps wait for their
//! ack, then for their own duration.

use actix::prelude::*;
use fleet_protocol::{CommandKind, DRIVE_REPEAT};

use super::actor::MissionActor;
use super::spec::{MissionSpec, Step};
use super::state::MissionState;
use crate::domain::now_ms;

impl MissionActor {
    fn steps(&self) -> &[Step] {
        match &self.start.spec {
            MissionSpec::Script(s) => &s.steps,
            MissionSpec::LineFollow(_) => &[],
        }
    }

    pub(super) fn run_step(&mut self, index: usize, ctx: &mut Context<Self>) {
        if self.state.is_terminal() {
            return;
        }
        let total = self.steps().len();
        let Some(step) = self.steps().get(index).cloned() else {
            let why = format!("all {total} steps done");
            // The stop makes sure a script ending on a drive does not coast to the dead-man.
            self.end(MissionState::Succeeded, why, true, ctx);
            return;
        };
        self.progress = Some(format!("step {}/{total}", index + 1));
        self.notify(None, now_ms());
        let duration = step.duration();
        let next_drives = matches!(self.steps().get(index + 1), Some(Step::Drive { .. }));
        match step.command() {
            Some(drive @ CommandKind::Drive { .. }) => {
                self.command(drive.clone(), ctx, |_, _| {});
                let repeat = ctx.run_interval(DRIVE_REPEAT, move |act, ctx| {
                    act.command(drive.clone(), ctx, |_, _| {});
                });
                ctx.run_later(duration, move |act, ctx| {
                    ctx.cancel_future(repeat);
                    if act.state.is_terminal() {
                        return;
                    }
                    if !next_drives {
                        act.command(CommandKind::Stop, ctx, |_, _| {});
                    }
                    act.run_step(index + 1, ctx);
                });
            }
            Some(other) => self.command(other, ctx, move |_, ctx| {
                ctx.run_later(duration, move |act, ctx| act.run_step(index + 1, ctx));
            }),
            None => {
                ctx.run_later(duration, move |act, ctx| act.run_step(index + 1, ctx));
            }
        }
    }
}
