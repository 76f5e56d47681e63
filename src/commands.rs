//! `domovoy migrate` and `domovoy user …`: operator commands.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use domovoy_actors::Metrics;
use domovoy_app::users::{NewUserInput, ScopeChoice, create, grant, set_disabled, set_password};
use domovoy_app::{App, AppError, Channel, Requester};
use domovoy_domain::account::{AccountKind, Login};
use domovoy_domain::password::NewPassword;
use domovoy_domain::role::RoleTemplate;
use domovoy_store::users::UserFilter;
use domovoy_store::{Db, DbOptions, buildings, roles, users};
use domovoy_web::i18n::RU;

use crate::cli::{AddUser, CalendarCommand, UserCommand};
use crate::settings::{Settings, describe_url};
use crate::startup::{app_config, ensure_roles};

async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database_url();
    let db = Db::connect(url.expose(), &DbOptions::default())
        .await
        .with_context(|| format!("cannot open the database {}", describe_url(url.expose())))?;
    db.migrate().await.context("cannot apply database migrations")?;
    Ok(db)
}

/// `domovoy migrate`.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = open(settings).await?;
    ensure_roles(&db).await?;
    db.close().await;
    writeln!(std::io::stdout(), "Миграции применены: {}", describe_url(settings.database_url().expose()))?;
    Ok(())
}

/// `domovoy backup --to DIR`: the database, then the attached files; on a
/// failure the directory is removed (no half backup left to be trusted).
pub async fn backup(settings: &Settings, target: &Path) -> anyhow::Result<()> {
    if target.exists() {
        bail!("{} уже существует: резервная копия пишется в новый каталог", target.display());
    }
    let db = open(settings).await?;
    if db.backend() != domovoy_store::Backend::Sqlite {
        db.close().await;
        bail!("резервная копия PostgreSQL делается его средствами: pg_dump (см. README, раздел «Backup and restore»)");
    }
    std::fs::create_dir_all(target).with_context(|| format!("cannot create {}", target.display()))?;
    let result = db.backup_sqlite(&target.join(BACKUP_DATABASE)).await;
    db.close().await;
    // The files after the database: the copy then holds every file the
    // database names (a file is removed only when taken off a draft).
    let copied = result
        .context("cannot write the backup")
        .and_then(|()| {
            copy_new_files(&settings.data_dir.join("files"), &target.join("files"))
                .context("cannot copy the attached files")
        })
        .inspect_err(|_| {
            let _ = std::fs::remove_dir_all(target);
        });
    let (files, bytes) = copied?;
    let size = std::fs::metadata(target.join(BACKUP_DATABASE)).map(|m| m.len()).unwrap_or(0);
    writeln!(
        std::io::stdout(),
        "Резервная копия записана в {}: база {:.1} МБ, вложений {files} ({:.1} МБ)",
        target.display(),
        size as f64 / 1e6,
        bytes as f64 / 1e6
    )?;
    Ok(())
}

/// In a backup's directory: the database's copy.
const BACKUP_DATABASE: &str = "domovoy.db";

/// Copies the files under `from` that `to` lacks (the tree kept; a file
/// already there is left as it is); answers how many and their bytes.
fn copy_new_files(from: &Path, to: &Path) -> std::io::Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    if !from.is_dir() {
        return Ok((0, 0));
    }
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            let (f, b) = copy_new_files(&source, &target)?;
            (files, bytes) = (files + f, bytes + b);
        } else if kind.is_file() && !target.exists() {
            bytes += std::fs::copy(&source, &target)?;
            files += 1;
        }
    }
    Ok((files, bytes))
}

/// The file a `sqlite://` URL names (its query left out).
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// An exclusive lock beside the SQLite database the settings name, held
/// by `serve` for as long as it runs and taken by `restore`: one refuses
/// while the other holds it. `None` on PostgreSQL (nodes share it).
pub fn lock_sqlite(settings: &Settings) -> anyhow::Result<Option<std::fs::File>> {
    let Some(database) = sqlite_file(settings.database_url().expose()) else { return Ok(None) };
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let path = PathBuf::from(format!("{}.lock", database.display()));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!("базу {} уже обслуживает другой процесс Domovoy (domovoy serve)", database.display())
        }
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// `domovoy restore --from DIR`: checks the backup (whole, not from a newer
/// release), moves the current database aside, puts the copy in its place
/// and adds the backup's files the data directory lacks. Refused while a
/// server runs on the database.
pub async fn restore(settings: &Settings, from: &Path) -> anyhow::Result<()> {
    let Some(database) = sqlite_file(settings.database_url().expose()) else {
        bail!("PostgreSQL восстанавливается его средствами: pg_restore (см. README, раздел «Backup and restore»)");
    };
    let source = from.join(BACKUP_DATABASE);
    if !source.is_file() {
        bail!("в {} нет {BACKUP_DATABASE}: это не резервная копия domovoy backup", from.display());
    }
    let _lock = lock_sqlite(settings).map_err(|e| anyhow::anyhow!("{e}: остановите службу перед восстановлением"))?;
    let facts = Db::inspect_sqlite_backup(&source)
        .await
        .with_context(|| format!("{} не читается как база Domovoy", source.display()))?;
    if !facts.whole {
        bail!("копия {} повреждена (PRAGMA integrity_check): восстановление отменено", source.display());
    }
    if facts.migration > facts.newest_known {
        bail!(
            "копия сделана более новой версией Domovoy (миграция {}, эта версия знает до {}): восстановите её той же или более новой версией",
            facts.migration,
            facts.newest_known
        );
    }
    // The copy goes in under a temporary name, then takes the database's
    // name in one rename; what it replaces stays aside, never deleted.
    let incoming = PathBuf::from(format!("{}.restoring", database.display()));
    let copied = std::fs::copy(&source, &incoming).and_then(|_| std::fs::File::open(&incoming)?.sync_all());
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&incoming);
        return Err(error).with_context(|| format!("cannot copy {} beside the database", source.display()));
    }
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    let mut kept: Vec<(PathBuf, PathBuf)> = Vec::new();
    let placed = ["", "-wal", "-shm"]
        .iter()
        .try_for_each(|suffix| {
            let current = PathBuf::from(format!("{}{suffix}", database.display()));
            let aside = PathBuf::from(format!("{}.before-restore-{stamp}{suffix}", database.display()));
            if current.exists() {
                std::fs::rename(&current, &aside)
                    .with_context(|| format!("cannot move {} aside", current.display()))?;
                kept.push((current, aside));
            }
            Ok::<_, anyhow::Error>(())
        })
        .and_then(|()| {
            std::fs::rename(&incoming, &database)
                .with_context(|| format!("cannot put the copy at {}", database.display()))
        });
    if let Err(error) = placed {
        // Everything back as it was.
        for (current, aside) in kept.iter().rev() {
            let _ = std::fs::rename(aside, current);
        }
        let _ = std::fs::remove_file(&incoming);
        return Err(error);
    }
    let (files, _) = copy_new_files(&from.join("files"), &settings.data_dir.join("files"))
        .context("cannot copy the attached files back")?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "Восстановлено из {}: заявок {}, вложений добавлено {files}", from.display(), facts.tickets)?;
    if let Some((_, first)) = kept.first() {
        writeln!(out, "Прежняя база сохранена рядом: {}", first.display())?;
    }
    if facts.migration < facts.newest_known {
        writeln!(out, "Копия от прежней версии: миграции применятся при запуске службы")?;
    }
    Ok(())
}

/// A use-case's error as a sentence for the operator (the server's own
/// faults keep their chain for the log).
fn explain(error: AppError) -> anyhow::Error {
    match error {
        AppError::Validation(errors) => {
            let fields: Vec<String> =
                errors.iter().map(|(field, e)| format!("{field}: {}", RU.field(field, e))).collect();
            anyhow::anyhow!("{}", fields.join("; "))
        }
        error if error.is_server_fault() => anyhow::Error::new(error),
        refused => anyhow::anyhow!("{}", domovoy_web::error::message_of(&refused, &RU)),
    }
}

fn read_password(login: &str) -> anyhow::Result<NewPassword> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the password from standard input")?;
    let text = line.trim_end_matches(['\r', '\n']);
    NewPassword::parse(text, login).map_err(|e| anyhow::anyhow!("пароль: {}", RU.field("password", &e)))
}

/// `domovoy user …`.
pub async fn user(settings: &Settings, command: UserCommand) -> anyhow::Result<()> {
    let db = open(settings).await?;
    ensure_roles(&db).await?;
    let app = command_app(settings, &db)?;
    let result = run(&app, command).await;
    db.close().await;
    result
}

/// `domovoy calendar …`.
pub async fn calendar(settings: &Settings, command: CalendarCommand) -> anyhow::Result<()> {
    let CalendarCommand::Import { file } = command;
    let text = std::fs::read_to_string(&file).with_context(|| format!("не удалось прочитать {}", file.display()))?;
    let db = open(settings).await?;
    let app = command_app(settings, &db)?;
    let result = domovoy_app::ticket_settings::import_calendar(&app, &operator(), &text).await;
    db.close().await;
    let added = result.map_err(explain)?;
    writeln!(std::io::stdout(), "Производственный календарь: добавлено дней — {added}.")?;
    Ok(())
}

/// `domovoy reports recount`: the kept reopen counts from the history.
pub async fn reports(settings: &Settings, command: crate::cli::ReportsCommand) -> anyhow::Result<()> {
    let crate::cli::ReportsCommand::Recount = command;
    let db = open(settings).await?;
    let app = command_app(settings, &db)?;
    let result = domovoy_app::reports::recount_reopens(&app, &operator()).await;
    db.close().await;
    let corrected = result.map_err(explain)?;
    writeln!(std::io::stdout(), "Счётчики возвратов заявок пересчитаны по истории: исправлено — {corrected}.")?;
    Ok(())
}

/// `domovoy call simulate`: rings, answers (when asked), hangs up.
pub async fn call(settings: &Settings, command: crate::cli::CallCommand) -> anyhow::Result<()> {
    let crate::cli::CallCommand::Simulate { from, answer, hangup_after } = command;
    let db = open(settings).await?;
    let app = command_app(settings, &db)?;
    let result = simulate(&app, &from, answer.as_deref(), std::time::Duration::from_secs(hangup_after)).await;
    db.close().await;
    result
}

async fn simulate(
    app: &App,
    from: &str,
    answer: Option<&str>,
    hangup_after: std::time::Duration,
) -> anyhow::Result<()> {
    use domovoy_app::calls;
    let mut out = std::io::stdout();
    let call = calls::simulate(app, &operator(), from).await.map_err(explain)?;
    let names: Vec<&str> = call.clients.iter().map(|(_, name)| name.as_str()).collect();
    let who = if names.is_empty() {
        "номер не найден среди клиентов".to_owned()
    } else {
        names.join(", ")
    };
    writeln!(out, "Звонит {} ({who}); звонок {}", call.from_number, call.id)?;
    let call = match answer {
        Some(login) => {
            tokio::time::sleep(hangup_after / 3).await;
            let answered = calls::answer_simulated(app, &operator(), &call, login).await.map_err(explain)?;
            writeln!(out, "Ответил(а): {}", answered.operator_name.as_deref().unwrap_or(login))?;
            tokio::time::sleep(hangup_after - hangup_after / 3).await;
            answered
        }
        None => {
            tokio::time::sleep(hangup_after).await;
            call
        }
    };
    let ended = calls::end_simulated(app, &operator(), &call).await.map_err(explain)?;
    let result = ended.result().map_or("—", |r| (RU.cl.result_label)(r));
    writeln!(out, "Звонок завершён: {result}")?;
    Ok(())
}

/// `domovoy import`: prints the report; fails (non-zero exit) when the
/// file has problems, after printing every one of them.
pub async fn import(settings: &Settings, args: crate::cli::ImportArgs) -> anyhow::Result<()> {
    use domovoy_app::import::{self, ImportKind, Report, Request};
    use domovoy_app::imports::parse_mapping;
    use domovoy_web::clients::imports::ReportView;

    let kind: ImportKind =
        args.kind.parse().map_err(|_| anyhow::anyhow!("что импортировать: clients или units, а не «{}»", args.kind))?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("не удалось прочитать {}", args.file.display()))?;
    let mapping = parse_mapping(&args.map.join(",")).map_err(explain)?;
    let db = open(settings).await?;
    let result = async {
        let building = match &args.building {
            None => None,
            Some(given) => {
                let all = buildings::list(&db).await?;
                let found = all.iter().find(|b| b.id.to_string() == given.trim() || b.name.as_str() == given.trim());
                Some(found.with_context(|| format!("нет объекта «{given}»"))?.id)
            }
        };
        let request = Request { kind, building, mapping };
        let mut report = Report::default();
        let report = match import::prepare(&db, &bytes, &request, &mut report).await? {
            None => report,
            Some(prepared) => import::execute(&db, prepared, report, operator().actor(), args.dry_run).await?.0,
        };
        anyhow::Ok(ReportView::new(report, &RU))
    }
    .await;
    db.close().await;
    let view = result?;
    let mut out = std::io::stdout().lock();
    if let Some(encoding) = view.file.encoding {
        writeln!(
            out,
            "{}",
            (RU.pl.import_file_info)(view.file.format, encoding, view.file.delimiter.as_deref().unwrap_or(""))
        )?;
    }
    for problem in &view.problems {
        let value = if problem.value.is_empty() { String::new() } else { format!(" — «{}»", problem.value) };
        writeln!(out, "{}: {}{value}", problem.place, problem.message)?;
    }
    writeln!(out, "{}", view.summary)?;
    if !view.problems.is_empty() {
        anyhow::bail!("импорт не выполнен: ошибок {}", view.problems.len());
    }
    if view.applied {
        writeln!(out, "{}.", RU.pl.import_applied)?;
    }
    Ok(())
}

/// The application for a command: the use-cases on the database, with no
/// live parts. Its events stay in the event log, where every serving node's
/// catch-up finds them within seconds (with or without Redis).
fn command_app(settings: &Settings, db: &Db) -> anyhow::Result<App> {
    Ok(App::new(db.clone(), None, Metrics::new(), app_config(settings)?))
}

/// Who acts when the operator runs a command: the product itself, with
/// every permission, audited as `cli`.
fn operator() -> Requester {
    Requester::system("cli", Channel::Cli)
}

async fn find(db: &Db, login: &str) -> anyhow::Result<domovoy_domain::account::User> {
    let login = Login::from_sign_in(login).map_err(|e| anyhow::anyhow!("логин: {}", RU.field("login", &e)))?;
    users::find_by_login(db, &login).await?.with_context(|| format!("нет пользователя с логином {login}"))
}

async fn run(app: &App, command: UserCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        UserCommand::Add(add) => add_user(app, add, &mut out).await,
        UserCommand::Passwd { login, password_stdin } => {
            let user = find(&app.db, &login).await?;
            let (password, shown) = if password_stdin {
                (read_password(user.login.as_str())?, None)
            } else {
                let generated = domovoy_app::secret::new_password();
                (NewPassword::demo(&generated), Some(generated))
            };
            set_password(app, &operator(), user.id, password).await.map_err(explain)?;
            writeln!(out, "Пароль пользователя {} изменён, все его сеансы завершены.", user.login)?;
            if let Some(shown) = shown {
                writeln!(out, "Новый пароль: {shown}")?;
            }
            Ok(())
        }
        UserCommand::Disable { login } => {
            let user = find(&app.db, &login).await?;
            set_disabled(app, &operator(), user.id, true).await.map_err(explain)?;
            writeln!(out, "Пользователь {} отключён.", user.login)?;
            Ok(())
        }
        UserCommand::Enable { login } => {
            let user = find(&app.db, &login).await?;
            set_disabled(app, &operator(), user.id, false).await.map_err(explain)?;
            writeln!(out, "Пользователь {} включён.", user.login)?;
            Ok(())
        }
        UserCommand::List { search } => {
            let filter = UserFilter { text: search, include_disabled: true, limit: 1000, ..UserFilter::default() };
            for user in users::list(&app.db, &filter).await? {
                let state_text = if user.is_disabled() { "отключён" } else { "активен" };
                writeln!(out, "{:<20} {:<10} {:<9} {}", user.login, user.kind.code(), state_text, user.display_name)?;
            }
            Ok(())
        }
    }
}

async fn add_user(app: &App, add: AddUser, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let kind = if add.resident { AccountKind::Resident } else { AccountKind::Staff };
    let template_default = if add.resident { Some("resident".to_owned()) } else { None };
    let role_name = add.role.or(template_default);
    let role = match &role_name {
        Some(name) => Some(find_role(&app.db, name).await?),
        None => None,
    };
    let scope = match (kind, add.building.as_str()) {
        (AccountKind::Resident, _) => ScopeChoice::Own,
        (AccountKind::Staff, "all") => ScopeChoice::AllBuildings,
        (AccountKind::Staff, building) => ScopeChoice::Building(find_building(&app.db, building).await?),
    };
    let password = if add.password_stdin { Some(read_password(&add.login)?.expose().to_owned()) } else { None };
    let input = NewUserInput {
        kind: Some(kind.code().to_owned()),
        login: add.login,
        display_name: add.name,
        email: add.email,
        phone: None,
        locale: None,
        password,
    };
    let created = create(app, &operator(), input).await.map_err(explain)?;
    writeln!(out, "Создан пользователь {} ({}).", created.user.login, created.user.display_name)?;
    if let Some(role) = role {
        let assignment = grant(app, &operator(), created.user.id, role, scope).await.map_err(explain)?;
        writeln!(out, "Роль: {}.", assignment.role_name)?;
    }
    if let Some(password) = created.generated_password {
        writeln!(out, "Начальный пароль: {password}")?;
    }
    Ok(())
}

async fn find_role(db: &Db, name: &str) -> anyhow::Result<domovoy_domain::ids::RoleId> {
    if let Ok(template) = name.parse::<RoleTemplate>()
        && let Some(id) = roles::find_by_template(db, template).await?
    {
        return Ok(id);
    }
    let all = roles::list(db).await?;
    match all.iter().find(|r| r.name.as_str() == name) {
        Some(role) => Ok(role.id),
        None => {
            let known: Vec<String> =
                all.iter().map(|r| r.template.map_or_else(|| r.name.to_string(), |t| t.key().to_owned())).collect();
            bail!("нет роли «{name}»; есть: {}", known.join(", "))
        }
    }
}

async fn find_building(db: &Db, key: &str) -> anyhow::Result<domovoy_domain::ids::BuildingId> {
    let all = buildings::list(db).await?;
    if let Some(building) = all.iter().find(|b| b.id.to_string() == key || b.name.as_str() == key) {
        return Ok(building.id);
    }
    bail!("нет объекта «{key}»; укажите id или точное название, или all")
}
