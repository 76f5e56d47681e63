//! Sign-in tokens: browser sessions, API tokens and device tokens.
//!
//! The secret itself is shown to its holder once and never stored; the
//! database keeps its SHA-256, so a copy of the database cannot be used to
//! sign in.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::account::User;
use domovoy_domain::ids::{TokenId, UserId};
use domovoy_domain::policy::Grant;

use crate::db::{Db, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::expect_one;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A browser session (cookie); expires after inactivity.
    Session,
    /// A bearer token for programs and integrations.
    Api,
    /// A bearer token of a phone or tablet of the staff app.
    Device,
}

impl TokenKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Session => "session",
            Self::Api => "api",
            Self::Device => "device",
        }
    }
}

impl std::str::FromStr for TokenKind {
    type Err = domovoy_domain::FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "session" => Ok(Self::Session),
            "api" => Ok(Self::Api),
            "device" => Ok(Self::Device),
            _ => Err(domovoy_domain::FieldError::Unknown),
        }
    }
}

/// A token to store.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub user_id: UserId,
    pub kind: TokenKind,
    /// SHA-256 of the secret.
    pub secret_hash: Vec<u8>,
    pub csrf_token: String,
    pub name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A token as listed for its owner (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: TokenId,
    pub kind: TokenKind,
    pub name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A live token and its account, as found when a request presents it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token: TokenInfo,
    pub csrf_token: String,
    pub user: User,
    /// What the account may do (see [`crate::assignments::grants`]).
    pub grants: Vec<Grant>,
}

/// Stores a token; returns its id.
pub async fn insert(tx: &mut WriteTx, new: &NewToken) -> StoreResult<TokenId> {
    let id = TokenId::new();
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO auth_tokens (id, user_id, kind, secret_hash, csrf_token, name, ip, user_agent,
                                      created_at, last_used_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(id.as_uuid())
        .bind(new.user_id.as_uuid())
        .bind(new.kind.code())
        .bind(&new.secret_hash)
        .bind(&new.csrf_token)
        .bind(&new.name)
        .bind(&new.ip)
        .bind(&new.user_agent)
        .bind(now)
        .bind(new.expires_at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    kind: String,
    name: String,
    ip: Option<String>,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<TokenRow> for TokenInfo {
    type Error = StoreError;

    fn try_from(row: TokenRow) -> StoreResult<Self> {
        Ok(Self {
            id: TokenId::from_uuid(row.id),
            kind: decode("auth_tokens.kind", &row.kind, str::parse)?,
            name: row.name,
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            expires_at: row.expires_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    #[sqlx(flatten)]
    user: crate::users::UserRow,
    token_id: Uuid,
    token_kind: String,
    token_name: String,
    token_ip: Option<String>,
    token_user_agent: Option<String>,
    token_created_at: DateTime<Utc>,
    token_last_used_at: DateTime<Utc>,
    token_expires_at: Option<DateTime<Utc>>,
    csrf_token: String,
    grants: Option<Json<Vec<crate::assignments::GrantJson>>>,
}

/// Finds the live token with this secret hash: not revoked, not expired,
/// its account not disabled. One statement with the account and its
/// grants: it runs on every authenticated request.
pub async fn authenticate(db: &Db, secret_hash: &[u8], now: DateTime<Utc>) -> StoreResult<Option<Authenticated>> {
    fn sql(backend: crate::Backend) -> String {
        format!(
            "SELECT u.id, u.login, u.display_name, u.kind, u.email, u.phone, u.locale, u.failed_logins,
                    u.disabled_at, u.created_at, u.password_changed_at, u.last_sign_in_at,
                    t.id AS token_id, t.kind AS token_kind, t.name AS token_name, t.ip AS token_ip,
                    t.user_agent AS token_user_agent, t.created_at AS token_created_at,
                    t.last_used_at AS token_last_used_at, t.expires_at AS token_expires_at, t.csrf_token,
                    {} AS grants
             FROM auth_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.secret_hash = $1 AND t.revoked_at IS NULL
               AND (t.expires_at IS NULL OR t.expires_at > $2)
               AND u.disabled_at IS NULL",
            crate::assignments::grants_column(backend)
        )
    }
    static SQLITE: LazyLock<String> = LazyLock::new(|| sql(crate::Backend::Sqlite));
    static POSTGRES: LazyLock<String> = LazyLock::new(|| sql(crate::Backend::Postgres));
    let text = match db.backend() {
        crate::Backend::Sqlite => SQLITE.as_str(),
        crate::Backend::Postgres => POSTGRES.as_str(),
    };
    let row: Option<AuthRow> = on_conn!(db, c => {
        // Static text: the columns and the backend's grants expression.
        sqlx::query_as(sqlx::AssertSqlSafe(text))
            .bind(secret_hash)
            .bind(now)
            .fetch_optional(&mut *c)
            .await?
    });
    let Some(row) = row else { return Ok(None) };
    let token = TokenRow {
        id: row.token_id,
        kind: row.token_kind,
        name: row.token_name,
        ip: row.token_ip,
        user_agent: row.token_user_agent,
        created_at: row.token_created_at,
        last_used_at: row.token_last_used_at,
        expires_at: row.token_expires_at,
    };
    Ok(Some(Authenticated {
        token: token.try_into()?,
        csrf_token: row.csrf_token,
        user: row.user.try_into()?,
        grants: crate::assignments::grants_from_json(row.grants.map(|g| g.0))?,
    }))
}

/// Marks a token used now, and for sessions slides its expiry to
/// `expires_at`.
pub async fn touch(tx: &mut WriteTx, id: TokenId, expires_at: Option<DateTime<Utc>>) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("UPDATE auth_tokens SET last_used_at = $2, expires_at = COALESCE($3, expires_at) WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .bind(expires_at)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    Ok(())
}

/// Revokes one token of `user` (a user can only revoke their own here).
pub async fn revoke(tx: &mut WriteTx, user: UserId, id: TokenId) -> StoreResult<TokenInfo> {
    let now = tx.now();
    let row: Option<TokenRow> = on_conn!(&mut *tx, c => {
        sqlx::query_as(
            "SELECT id, kind, name, ip, user_agent, created_at, last_used_at, expires_at FROM auth_tokens
             WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .fetch_optional(&mut *c)
        .await?
    });
    let info = row.ok_or(StoreError::NotFound)?.try_into()?;
    let done = on_conn!(tx, c => {
        sqlx::query("UPDATE auth_tokens SET revoked_at = $2 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    expect_one(done)?;
    Ok(info)
}

/// Revokes every live token of `user` but `keep` (after a password change
/// or when an account is disabled); returns how many.
pub async fn revoke_all(tx: &mut WriteTx, user: UserId, keep: Option<TokenId>) -> StoreResult<u64> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE auth_tokens SET revoked_at = $2
             WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
               AND ($3 IS NULL OR id <> $3)",
        )
        .bind(user.as_uuid())
        .bind(now)
        .bind(keep.map(|k| k.as_uuid()))
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(done)
}

/// The live tokens of `user`, newest first.
pub async fn list(db: &Db, user: UserId, now: DateTime<Utc>) -> StoreResult<Vec<TokenInfo>> {
    let rows: Vec<TokenRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, kind, name, ip, user_agent, created_at, last_used_at, expires_at FROM auth_tokens
             WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
             ORDER BY id DESC",
        )
        .bind(user.as_uuid())
        .bind(now)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(TokenInfo::try_from).collect()
}

/// Deletes tokens that expired or were revoked before `cutoff`.
pub async fn prune(tx: &mut WriteTx, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM auth_tokens WHERE revoked_at < $1 OR expires_at < $1")
            .bind(cutoff)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    Ok(done)
}
