//! The command line (DESIGN §4 fixes these names; docs, tests and scripts rely on them).
//! Start-up argument parsing is the one place allowed to stop the program with a message.

mod admin;
pub mod bench;
mod bench_codes;
mod bench_remote;
mod bench_terminal;
mod codes;
mod demo;

use crate::service::LocalRecords;
use crate::store::Store;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "chartroom",
    version,
    about = "HIM records workstation for the terminal"
)]
pub struct Cli {
    /// Database file for the workstation UI (single PC mode).
    #[arg(long, global = false)]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub ui: UiArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct UiArgs {
    /// Theme: default, high-contrast, monochrome, or a path to a theme TOML file.
    #[arg(long, default_value = "default")]
    pub theme: String,
    /// Keymap TOML file overriding the default keys (default: $XDG_CONFIG_HOME/chartroom/keymap.toml if present).
    #[arg(long)]
    pub keymap: Option<PathBuf>,
    /// Draw borders and symbols with ASCII only (also CHARTROOM_ASCII=1).
    #[arg(long)]
    pub ascii: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build (or reuse) the demo database with synthetic patients and one user per role, then open the workstation.
    Demo {
        #[command(flatten)]
        ui: UiArgs,
        /// Rebuild the demo database even if one exists.
        #[arg(long)]
        rebuild: bool,
        /// Number of synthetic patients in a new demo database.
        #[arg(long, default_value_t = demo::DEMO_PATIENTS)]
        patients: usize,
        /// Build the database and print its path without opening the workstation.
        #[arg(long)]
        no_ui: bool,
    },
    /// Create a new database and its first administrator (password from the terminal or stdin).
    Init {
        #[arg(long)]
        db: PathBuf,
        /// User name of the first administrator.
        #[arg(long, default_value = "admin")]
        admin: String,
    },
    /// Manage users: add, list, lock, unlock, deactivate, reactivate, reset-password.
    User {
        #[command(subcommand)]
        action: admin::UserCommand,
    },
    /// Add deterministic synthetic patients (creates the database if missing).
    Seed {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        patients: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The date the data is generated around (YYYY-MM-DD; default today). The same
        /// --seed and --today give the same patients, encounters and notes.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Patient search, as in the workstation (audited). QUERY may be several words.
    Search {
        #[arg(long)]
        db: PathBuf,
        #[arg(required = true)]
        query: Vec<String>,
        /// One JSON object per line: mrn, name, dob, score, and more.
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Department settings: deadlines and fees for release of information, idle logoff,
    /// lockout, break-the-glass minutes, duplicate thresholds, coding validation.
    Settings {
        #[command(subcommand)]
        action: admin::SettingsCommand,
    },
    /// Likely duplicate charts (master patient index clean-up).
    Duplicates {
        #[command(subcommand)]
        action: admin::DuplicatesCommand,
    },
    /// Audit trail: verify the hash chain, or list entries.
    Audit {
        #[command(subcommand)]
        action: admin::AuditCommand,
    },
    /// ICD-10-CM, ICD-10-PCS and HCPCS code sets shipped with chartroom (no network needed).
    Code {
        #[command(subcommand)]
        action: codes::CodeCommand,
    },
    /// Own the database and serve it to `chartroom attach` sessions on a Unix socket (mode
    /// 0660). Stops cleanly on SIGTERM.
    Serve {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        socket: PathBuf,
        /// Group allowed to connect (the clerks' group); default: the daemon's own group.
        #[arg(long)]
        group: Option<String>,
        /// Most connections at once; more are told to try again.
        #[arg(long, default_value_t = 256)]
        max_connections: usize,
    },
    /// The workstation on a database served by `chartroom serve` (the sshd ForceCommand).
    Attach {
        #[arg(long)]
        socket: PathBuf,
        #[command(flatten)]
        ui: UiArgs,
    },
    /// Check every page of the database file (needs the file to yourself).
    Check {
        #[arg(long)]
        db: PathBuf,
    },
    /// Benchmarks; each prints one JSON line.
    Bench {
        #[command(subcommand)]
        which: bench::BenchCommand,
    },
    /// Internal: commits patients and prints each acknowledged MRN (used by the crash test).
    #[command(hide = true)]
    CrashWriter {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = u64::MAX)]
        count: u64,
    },
}

/// Opens a database for a command, with the store's own clear messages.
/// For commands that only read: the file is opened read-only.
pub(crate) fn open_records_read_only(db: &Path) -> Result<LocalRecords, String> {
    Store::open_read_only(db)
        .map(LocalRecords::new)
        .map_err(|e| e.to_string())
}

pub(crate) fn open_records(db: &Path) -> Result<LocalRecords, String> {
    Store::open(db)
        .map(LocalRecords::new)
        .map_err(|e| e.to_string())
}

pub(crate) fn load_ui_config(ui: &UiArgs) -> Result<(Keymap, Theme), String> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let ascii = ui.ascii || std::env::var("CHARTROOM_ASCII").is_ok_and(|v| v == "1");
    let theme = Theme::load(&ui.theme, no_color, ascii)?;
    let keymap = match &ui.keymap {
        Some(p) => Keymap::from_file(p)?,
        None => match dirs::config_dir().map(|d| d.join("chartroom").join("keymap.toml")) {
            Some(p) if p.exists() => Keymap::from_file(&p)?,
            _ => Keymap::default(),
        },
    };
    Ok((keymap, theme))
}

pub(crate) fn run_ui(records: &LocalRecords, ui: &UiArgs) -> Result<(), String> {
    let (keymap, theme) = load_ui_config(ui)?;
    records.start_search_index();
    crate::ui::run(records, keymap, theme)
}

fn dispatch(cli: Cli) -> Result<i32, String> {
    match cli.command {
        None => {
            let Some(db) = cli.db else {
                return Err(
                    "which database? use `chartroom --db FILE`, or `chartroom demo` to try it out"
                        .into(),
                );
            };
            // Themes and keymaps are checked before the database is opened or the screen taken.
            load_ui_config(&cli.ui)?;
            let records = open_records(&db)?;
            run_ui(&records, &cli.ui)?;
            Ok(0)
        }
        Some(Command::Demo {
            ui,
            rebuild,
            patients,
            no_ui,
        }) => demo::run(&ui, rebuild, patients, no_ui),
        Some(Command::Init { db, admin }) => admin::init(&db, &admin),
        Some(Command::User { action }) => admin::user(action),
        Some(Command::Settings { action }) => admin::settings(action),
        Some(Command::Serve {
            db,
            socket,
            group,
            max_connections,
        }) => {
            let mut opts = crate::remote::ServeOptions::new(&db, &socket);
            opts.group = group;
            opts.max_connections = max_connections.max(1);
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            crate::remote::serve(&opts, stop, &mut |p| {
                eprintln!("chartroom serve: {} on {}", db.display(), p.display())
            })?;
            Ok(0)
        }
        Some(Command::Attach { socket, ui }) => {
            // Themes and keymaps are checked before connecting or taking the screen.
            let (keymap, theme) = load_ui_config(&ui)?;
            let remote = crate::remote::RemoteRecords::connect(&socket)?;
            crate::ui::run(&remote, keymap, theme)?;
            Ok(0)
        }
        Some(Command::Seed {
            db,
            patients,
            seed,
            today,
        }) => admin::seed(&db, patients, seed, today),
        Some(Command::Search {
            db,
            query,
            json,
            limit,
        }) => admin::search(&db, &query.join(" "), json, limit),
        Some(Command::Duplicates { action }) => admin::duplicates(action),
        Some(Command::Audit { action }) => admin::audit(action),
        Some(Command::Check { db }) => admin::check(&db),
        Some(Command::Code { action }) => codes::run(action),
        Some(Command::Bench { which }) => bench::run(which),
        Some(Command::CrashWriter { db, count }) => bench::crash_writer(&db, count),
    }
}

/// Entry point; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("chartroom: {msg}");
            2
        }
    }
}
