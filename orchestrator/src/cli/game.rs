//! `orchestrator game new|start|pause|resume|end|show|list`: a thin client of `/api/games`.
//! Each command acts on the current game unless one is named with `--game`.

use anyhow::bail;
use clap::Subcommand;
use fleet_protocol::RobotId;
use serde_json::json;

use super::ApiClient;
use crate::contract::game::{
    FlagDetails, GameChanged, GameDetails, GameList, NewGame, StartGame, TeamsFrom,
};

#[derive(Debug, Clone, clap::Args)]
pub struct GameName {
    /// The game to act on (default: the current one, the last made).
    #[arg(long = "game", global = true)]
    pub game: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GameAction {
    /// Make a game; registration is open until `game start`.
    New {
        name: String,
        /// Flags a team must bring home to win.
        #[arg(long, default_value_t = fleet_game::rules::DEFAULT_FLAGS_TO_WIN)]
        flags: u32,
        /// Seconds a robot must stay in the capture zone to take the flag.
        #[arg(long, default_value_t = 5.0)]
        capture_s: f64,
        /// Teams from two groups (red first): only their members may register.
        #[arg(long, num_args = 2, value_names = ["RED_GROUP", "BLUE_GROUP"])]
        groups: Option<Vec<String>>,
        /// Base codes (default: the arena's RASPTANK-BASE-RED / -BLUE).
        #[arg(long)]
        red_qr: Option<String>,
        #[arg(long)]
        blue_qr: Option<String>,
    },
    /// Close registration and start, once every robot is ready (or bypassed).
    Start {
        /// Start without this robot although it is not ready (repeatable).
        #[arg(long)]
        bypass: Vec<String>,
        /// Start without every robot that is not ready.
        #[arg(long)]
        bypass_all: bool,
    },
    /// Stop the game clock and emergency-stop every player that can be stopped.
    Pause,
    /// Release the players and run the clock again.
    Resume,
    /// End the game without a winner.
    End,
    /// Teams, players, the flag and the score.
    Show {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Every game of this run.
    List,
}

pub fn run(client: &ApiClient, action: GameAction, name: GameName) -> anyhow::Result<()> {
    let game = name.game.unwrap_or_else(|| "current".to_owned());
    let path = |verb: &str| format!("/api/games/{}/{verb}", encode(&game));
    match action {
        GameAction::New {
            name,
            flags,
            capture_s,
            groups,
            red_qr,
            blue_qr,
        } => {
            if !(capture_s.is_finite() && capture_s > 0.0) {
                bail!("--capture-s must be a positive number of seconds");
            }
            let teams = match groups.as_deref() {
                Some([red, blue]) => TeamsFrom::Groups {
                    red: red.clone(),
                    blue: blue.clone(),
                },
                _ => TeamsFrom::Balanced,
            };
            let request = NewGame {
                flags_to_win: flags,
                capture_time_ms: (capture_s * 1000.0).round() as u64,
                teams,
                red_qr_code: red_qr,
                blue_qr_code: blue_qr,
                ..NewGame::named(&name)
            };
            let game: GameDetails = client.post("/api/games", &request)?;
            println!(
                "game {:?}: registration open ({} flags to win, {:.1} s capture)",
                game.name,
                game.flags_to_win,
                game.capture_time_ms as f64 / 1e3
            );
            Ok(())
        }
        GameAction::Start { bypass, bypass_all } => {
            let bypass = bypass
                .iter()
                .map(|raw| RobotId::parse(raw).map_err(|e| anyhow::anyhow!("{raw:?}: {e}")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let request = StartGame { bypass, bypass_all };
            let changed: GameChanged = client.post(&path("start"), &request)?;
            if !changed.bypassed.is_empty() {
                let ids: Vec<&str> = changed.bypassed.iter().map(RobotId::as_str).collect();
                println!("started without: {}", ids.join(", "));
            }
            print_changed(&changed)
        }
        GameAction::Pause => print_changed(&client.post(&path("pause"), &json!({}))?),
        GameAction::Resume => print_changed(&client.post(&path("resume"), &json!({}))?),
        GameAction::End => print_changed(&client.post(&path("end"), &json!({}))?),
        GameAction::Show { json } => {
            let game: GameDetails = client.get(&format!("/api/games/{}", encode(&game)))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&game)?);
            } else {
                print!("{}", render(&game));
            }
            Ok(())
        }
        GameAction::List => {
            let list: GameList = client.get("/api/games")?;
            if list.games.is_empty() {
                println!("no game yet");
            }
            for g in list.games {
                let winner = g.winner.map(|w| format!(", {w} won")).unwrap_or_default();
                let mark = if g.current { "*" } else { " " };
                println!(
                    "{mark} {:<20} {} ({} players{winner})",
                    g.name, g.phase, g.players
                );
            }
            Ok(())
        }
    }
}

fn print_changed(changed: &GameChanged) -> anyhow::Result<()> {
    print!("{}", render(&changed.game));
    for c in &changed.commands {
        println!("  {:<16} {}", c.robot, c.outcome);
    }
    Ok(())
}

/// The game as text: phase, flag, then one line per team and per player.
pub fn render(game: &GameDetails) -> String {
    let mut out = format!(
        "game {:?}: {}{} - {} flags to win, {:.1} s capture\n",
        game.name,
        game.phase,
        game.winner
            .map(|w| format!(", {w} won"))
            .unwrap_or_default(),
        game.flags_to_win,
        game.capture_time_ms as f64 / 1e3
    );
    let flag = match &game.flag {
        FlagDetails::InZone => "in the zone".to_owned(),
        FlagDetails::BeingCaptured { by } => by
            .iter()
            .map(|(id, left)| format!("{id} capturing, {:.1} s left", *left as f64 / 1e3))
            .collect::<Vec<_>>()
            .join("; "),
        FlagDetails::Carried { by } => format!("carried by {by}"),
    };
    out.push_str(&format!("flag: {flag}\n"));
    out.push_str(&format!(
        "  {:<16} {:<6} {:>8} {:>8} {:>5} {:>5} {:>5}\n",
        "robot", "kind", "deposits", "captures", "hits+", "hits-", "ff"
    ));
    for team in &game.teams {
        let s = team.score;
        out.push_str(&format!(
            "{:<5} {} deposits, {} captures, {} hits given, {} taken, {} friendly fire (QR {})\n",
            team.team.as_str(),
            s.deposits,
            s.captures,
            s.hits_given,
            s.hits_taken,
            s.friendly_fire,
            team.qr_code
        ));
        for id in &team.players {
            let Some(player) = game.players.iter().find(|p| &p.id == id) else {
                continue;
            };
            let score = game.scores.robot(id).copied().unwrap_or_default();
            let mut notes = Vec::new();
            if player.carrying {
                notes.push("carries the flag".to_owned());
            }
            if let Some(left) = player.immobilised_left_ms {
                notes.push(format!("hit, {:.1} s", left as f64 / 1e3));
            }
            out.push_str(&format!(
                "  {:<16} {:<6} {:>8} {:>8} {:>5} {:>5} {:>5} {}\n",
                id.as_str(),
                format!("{:?}", player.kind).to_lowercase(),
                score.deposits,
                score.captures,
                score.hits_given,
                score.hits_taken,
                score.friendly_fire,
                notes.join(", ")
            ));
        }
    }
    out
}

/// A game name in a URL path.
fn encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
