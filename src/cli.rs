//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Domovoy: real-time CRM for a property-management company.
#[derive(Debug, Parser)]
#[command(name = "domovoy", version, about, long_about = None)]
pub struct Cli {
    /// A TOML settings file (see `domovoy.example.toml`).
    #[arg(long, global = true, env = "DOMOVOY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory; the embedded SQLite database lives here.
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// `sqlite://…` or `postgres://…` (default: SQLite in the data directory).
    /// Also read from `DOMOVOY_DATABASE_URL`.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Log format: `pretty` or `json`.
    #[arg(long, global = true, value_name = "FORMAT")]
    pub log_format: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the product (migrations run at start).
    Serve {
        /// Address to listen on, e.g. `0.0.0.0:8080`.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Start a fresh demo with demo data on embedded SQLite.
    Demo {
        /// Address to listen on; loopback only (the demo passwords are public).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write a consistent copy of the SQLite database and the attached
    /// files while the server runs.
    Backup {
        /// The directory to create (it must not exist): `domovoy.db` and
        /// `files/` go into it.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Put a backup made by `backup` in place of the SQLite database (the
    /// server must be stopped; the database it replaces is kept aside).
    Restore {
        /// The backup's directory.
        #[arg(long, value_name = "DIR")]
        from: PathBuf,
    },
    /// Manage accounts from the server's shell.
    #[command(subcommand)]
    User(UserCommand),
    /// The production calendar the SLA clocks count working time by.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Telephony from the server's shell.
    #[command(subcommand)]
    Call(CallCommand),
    /// Reports' upkeep from the server's shell.
    #[command(subcommand)]
    Reports(ReportsCommand),
    /// Import clients (with ownership and accounts) or a building's units
    /// from a billing export: CSV (UTF-8 or Windows-1251, `;` or `,`) or
    /// XLSX. Every problem is printed by row and column and nothing is
    /// written unless the whole file reads; importing again updates.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// `clients` or `units`.
    #[arg(value_name = "KIND")]
    pub kind: String,
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The building whose units the rows name (id or exact name).
    #[arg(long, value_name = "ID")]
    pub building: Option<String>,
    /// Check and count only; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Own headings: `--map "Абонент=full_name" --map "Кв-ра=unit"`.
    #[arg(long = "map", value_name = "HEADING=COLUMN")]
    pub map: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum CallCommand {
    /// Ring the dispatchers with a simulated inbound call, through the same
    /// path as a PBX's events: the caller's card pops up on their screens
    /// (within a second or two on a running server).
    Simulate {
        /// The caller's number, e.g. `+7 900 100-00-01`.
        #[arg(long, value_name = "PHONE")]
        from: String,
        /// Answer the call as this user (a login or a mapped extension).
        #[arg(long, value_name = "LOGIN")]
        answer: Option<String>,
        /// End the call after this many seconds (unanswered: a missed call
        /// with its callback task).
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        hangup_after: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Recount every ticket's kept reopen count from its history (kept by
    /// a trigger; after a manual edit or a partial restore). Safe to run
    /// while the server serves; prints how many were corrected.
    Recount,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Add a year (or corrections) from a text file: one
    /// `YYYY-MM-DD holiday|workday|short note` per line, `#` comments.
    /// Days already there are kept; a bad line changes nothing.
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account and give it a role.
    Add(AddUser),
    /// Set a new password (generated, or read from standard input).
    Passwd {
        /// The login (staff) or phone (resident).
        login: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account and end its sessions.
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
    /// List accounts.
    List {
        /// Only accounts whose login or name contains this text.
        #[arg(long)]
        search: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct AddUser {
    /// Staff login (`ivanov`), or the phone number with `--resident`.
    pub login: String,
    /// Full name as shown in the interface.
    #[arg(long)]
    pub name: String,
    /// A role: a built-in template (`administrator`, `dispatcher`,
    /// `property_manager`, `client_manager`, `technician`, `guard`,
    /// `concierge`, `client_service`, `resident`) or a role's name.
    #[arg(long)]
    pub role: Option<String>,
    /// Where the role applies: a building's id or exact name, or `all`.
    #[arg(long, default_value = "all")]
    pub building: String,
    /// The account is a resident's; `login` is their phone number.
    #[arg(long)]
    pub resident: bool,
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input instead of
    /// generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_may_follow_the_subcommand() {
        let cli = Cli::try_parse_from(["domovoy", "demo", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(cli.data_dir.as_deref(), Some(std::path::Path::new("/tmp/x")));
        assert!(matches!(cli.command, Command::Demo { ref listen } if listen == "127.0.0.1:8080"));
    }
}
