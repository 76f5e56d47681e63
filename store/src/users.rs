//! Accounts: staff and residents.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, LikeExpr, Order, Query};
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login, User};
use domovoy_domain::contact::{Email, Phone};
use domovoy_domain::ids::UserId;
use domovoy_domain::text::fold;

use crate::db::{Db, Source, WriteTx, fetch_all_built};
use crate::error::{StoreError, StoreResult, decode};

/// A new account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: Login,
    pub display_name: DisplayName,
    pub kind: AccountKind,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub locale: Locale,
    /// An argon2id PHC string (see `domovoy_domain::password`).
    pub password_hash: String,
}

/// Editable profile fields.
#[derive(Debug, Clone)]
pub struct ProfileUpdate {
    pub display_name: DisplayName,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub locale: Locale,
}

/// An account with its password hash, for sign-in only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// The columns of [`UserRow`], as a literal so queries stay `&'static str`.
macro_rules! user_columns {
    () => {
        "id, login, display_name, kind, email, phone, locale, failed_logins, disabled_at, \
         created_at, password_changed_at, last_sign_in_at"
    };
}

/// An account as stored; `tokens::authenticate` reads it joined to the
/// token (its query lists these columns with a `u.` prefix).
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: Uuid,
    login: String,
    display_name: String,
    kind: String,
    email: Option<String>,
    phone: Option<String>,
    locale: String,
    failed_logins: i64,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    password_changed_at: DateTime<Utc>,
    last_sign_in_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> StoreResult<Self> {
        Ok(User {
            id: UserId::from_uuid(row.id),
            login: Login::from_stored(row.login),
            display_name: DisplayName::from_stored(row.display_name),
            kind: decode("users.kind", &row.kind, str::parse)?,
            email: row.email.as_deref().map(|e| decode("users.email", e, Email::parse)).transpose()?,
            phone: row.phone.as_deref().map(|p| decode("users.phone", p, Phone::parse)).transpose()?,
            locale: decode("users.locale", &row.locale, str::parse)?,
            failed_logins: u32::try_from(row.failed_logins).unwrap_or(u32::MAX),
            disabled_at: row.disabled_at,
            created_at: row.created_at,
            password_changed_at: row.password_changed_at,
            last_sign_in_at: row.last_sign_in_at,
        })
    }
}

fn search_text(login: &Login, name: &DisplayName, email: Option<&Email>, phone: Option<&Phone>) -> String {
    let mut text = format!("{} {}", login.as_str(), name.as_str());
    if let Some(email) = email {
        text.push(' ');
        text.push_str(email.as_str());
    }
    if let Some(phone) = phone {
        text.push(' ');
        text.push_str(phone.e164());
    }
    fold(&text)
}

/// Creates an account. A taken login is reported on the `login` field.
pub async fn insert(tx: &mut WriteTx, new: &NewUser) -> StoreResult<User> {
    if find_id_by_login(&mut *tx, &new.login).await?.is_some() {
        return Err(StoreError::invalid("login", FieldError::Taken));
    }
    let id = UserId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO users (id, login, display_name, kind, password_hash, email, phone, locale, search_text,
                                failed_logins, password_changed_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10, $10)",
        )
        .bind(id.as_uuid())
        .bind(new.login.as_str())
        .bind(new.display_name.as_str())
        .bind(new.kind.code())
        .bind(&new.password_hash)
        .bind(new.email.as_ref().map(Email::as_str))
        .bind(new.phone.as_ref().map(Phone::e164))
        .bind(new.locale.code())
        .bind(search_text(&new.login, &new.display_name, new.email.as_ref(), new.phone.as_ref()))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

async fn find_id_by_login<'a>(source: impl Into<Source<'a>>, login: &Login) -> StoreResult<Option<UserId>> {
    let id: Option<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(login.as_str())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(id.map(UserId::from_uuid))
}

/// The account with `id`.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: UserId) -> StoreResult<User> {
    let row: UserRow = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// The account with `login`, if any.
pub async fn find_by_login(db: &Db, login: &Login) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = on_conn!(db, c => {
        sqlx::query_as(concat!("SELECT ", user_columns!(), " FROM users WHERE login = $1"))
            .bind(login.as_str())
            .fetch_optional(&mut *c)
            .await?
    });
    row.map(User::try_from).transpose()
}

/// The account and password hash for signing in as `login`.
pub async fn credentials(db: &Db, login: &Login) -> StoreResult<Option<Credentials>> {
    let row: Option<CredentialsRow> = on_conn!(db, c => {
        sqlx::query_as(concat!("SELECT ", user_columns!(), ", password_hash FROM users WHERE login = $1"))
            .bind(login.as_str())
            .fetch_optional(&mut *c)
            .await?
    });
    row.map(|r| Ok(Credentials { password_hash: r.password_hash, user: r.user.try_into()? })).transpose()
}

/// The current password hash of an account (to check the old password on change).
pub async fn password_hash(db: &Db, id: UserId) -> StoreResult<String> {
    Ok(on_conn!(db, c => {
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    }))
}

/// A filter for the account list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Words to find in login, name, e-mail or phone (case- and ё-insensitive).
    pub text: Option<String>,
    pub kind: Option<AccountKind>,
    pub include_disabled: bool,
    /// Accounts after this login (the previous page's last).
    pub after_login: Option<String>,
    pub limit: u32,
}

#[derive(sea_query::Iden)]
enum Users {
    Table,
    Id,
    Login,
    DisplayName,
    Kind,
    Email,
    Phone,
    Locale,
    FailedLogins,
    DisabledAt,
    CreatedAt,
    PasswordChangedAt,
    LastSignInAt,
    SearchText,
}

/// Accounts matching `filter`, ordered by login.
pub async fn list(db: &Db, filter: &UserFilter) -> StoreResult<Vec<User>> {
    let mut select = Query::select();
    select
        .columns([
            Users::Id,
            Users::Login,
            Users::DisplayName,
            Users::Kind,
            Users::Email,
            Users::Phone,
            Users::Locale,
            Users::FailedLogins,
            Users::DisabledAt,
            Users::CreatedAt,
            Users::PasswordChangedAt,
            Users::LastSignInAt,
        ])
        .from(Users::Table)
        .order_by(Users::Login, Order::Asc)
        .limit(u64::from(filter.limit.clamp(1, 1000)));
    if let Some(text) = filter.text.as_deref().map(fold).filter(|t| !t.is_empty()) {
        for word in text.split(' ') {
            select.and_where(
                Expr::col(Users::SearchText).like(LikeExpr::new(format!("%{}%", escape_like(word))).escape('\\')),
            );
        }
    }
    if let Some(kind) = filter.kind {
        select.and_where(Expr::col(Users::Kind).eq(kind.code()));
    }
    if !filter.include_disabled {
        select.and_where(Expr::col(Users::DisabledAt).is_null());
    }
    if let Some(after) = &filter.after_login {
        select.and_where(Expr::col(Users::Login).gt(after.as_str()));
    }
    let rows: Vec<UserRow> = fetch_all_built(db, &select).await?;
    rows.into_iter().map(User::try_from).collect()
}

/// Escapes `%`, `_` and `\` so user text matches literally in LIKE.
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// How many accounts exist, by kind.
pub async fn count(db: &Db, kind: AccountKind) -> StoreResult<i64> {
    Ok(on_conn!(db, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE kind = $1").bind(kind.code()).fetch_one(&mut *c).await?
    }))
}

/// Changes the editable profile fields.
pub async fn update_profile(tx: &mut WriteTx, id: UserId, update: &ProfileUpdate) -> StoreResult<User> {
    let current = get(&mut *tx, id).await?;
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "UPDATE users SET display_name = $2, email = $3, phone = $4, locale = $5, search_text = $6, updated_at = $7
             WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(update.display_name.as_str())
        .bind(update.email.as_ref().map(Email::as_str))
        .bind(update.phone.as_ref().map(Phone::e164))
        .bind(update.locale.code())
        .bind(search_text(&current.login, &update.display_name, update.email.as_ref(), update.phone.as_ref()))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

/// Replaces the password hash; also clears the failure count.
pub async fn set_password(tx: &mut WriteTx, id: UserId, password_hash: &str) -> StoreResult<()> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE users SET password_hash = $2, password_changed_at = $3, updated_at = $3,
                              failed_logins = 0
             WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(password_hash)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    expect_one(done)
}

/// Counts a wrong password for the account (shown to administrators; the
/// sign-in throttle itself is per address and kept in memory).
pub async fn record_failed_sign_in(tx: &mut WriteTx, id: UserId) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1")
            .bind(id.as_uuid())
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    Ok(())
}

/// Records a successful sign-in: resets the failure counter.
pub async fn record_sign_in(tx: &mut WriteTx, id: UserId) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("UPDATE users SET failed_logins = 0, last_sign_in_at = $2 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    Ok(())
}

/// Disables (`true`) or re-enables an account.
pub async fn set_disabled(tx: &mut WriteTx, id: UserId, disabled: bool) -> StoreResult<User> {
    let now = tx.now();
    let done = on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE users SET disabled_at = $2, updated_at = $3 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(disabled.then_some(now))
            .bind(now)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    expect_one(done)?;
    get(tx, id).await
}

/// Clears the failure count (the administrator's "lift the sign-in waits").
pub async fn unlock(tx: &mut WriteTx, id: UserId) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("UPDATE users SET failed_logins = 0 WHERE id = $1")
            .bind(id.as_uuid())
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    expect_one(done)
}

pub(crate) fn expect_one(rows: u64) -> StoreResult<()> {
    if rows == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Display names of the given accounts (missing ids are left out).
pub async fn names<'a>(
    source: impl Into<Source<'a>>,
    ids: &[UserId],
) -> StoreResult<std::collections::HashMap<UserId, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let mut select = Query::select();
    select
        .columns([Users::Id, Users::DisplayName])
        .from(Users::Table)
        .and_where(Expr::col(Users::Id).is_in(ids.iter().map(|id| id.as_uuid())));
    let rows: Vec<(Uuid, String)> = fetch_all_built(source, &select).await?;
    Ok(rows.into_iter().map(|(id, name)| (UserId::from_uuid(id), name)).collect())
}
