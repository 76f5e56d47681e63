//! Test databases: a fresh one per test, dropped afterwards.
//!
//! SQLite tests get a file in a new temporary directory. PostgreSQL tests run
//! when `DOMOVOY_TEST_POSTGRES_URL` points at a server where the user may
//! create databases; each test creates `domovoy_test_<uuid>` and drops it
//! when the [`TestDb`] is dropped, even if the test panicked.

use std::path::PathBuf;

use crate::db::{Db, DbOptions};

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "DOMOVOY_TEST_POSTGRES_URL";

/// A migrated database that is removed when dropped.
#[derive(Debug)]
pub struct TestDb {
    pub db: Db,
    /// The URL the application would be configured with.
    pub url: String,
    cleanup: Cleanup,
}

#[derive(Debug)]
enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite database in a new temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = temp_dir();
        let url = format!("sqlite://{}", dir.join("domovoy.db").display());
        let db = connect(&url).await;
        TestDb { db, url, cleanup: Cleanup::Dir(dir) }
    }

    /// A fresh PostgreSQL database, or `None` (after saying the test is
    /// skipped) when `DOMOVOY_TEST_POSTGRES_URL` is not set.
    pub async fn postgres() -> Option<TestDb> {
        let test = Self::postgres_empty().await?;
        test.db.migrate().await.unwrap_or_else(|e| panic!("migrate {}: {e:?}", test.url));
        Some(test)
    }

    /// A fresh PostgreSQL database without Domovoy's schema (to restore a
    /// dump into), or `None` as [`TestDb::postgres`].
    pub async fn postgres_empty() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            eprintln!("skipped: {POSTGRES_URL_VAR} is not set, so this PostgreSQL test did not run");
            return None;
        };
        let name = format!("domovoy_test_{}", uuid::Uuid::now_v7().simple());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR}={admin_url} is unreachable: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap_or_else(|e| panic!("connect {url}: {e}"));
        Some(TestDb { db, url, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// A directory that lives as long as this database (for data dirs).
    pub fn dir(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::Dir(dir) => Some(dir),
            Cleanup::Postgres { .. } => None,
        }
    }
}

async fn connect(url: &str) -> Db {
    let db = Db::connect(url, &DbOptions::default()).await.unwrap_or_else(|e| panic!("connect {url}: {e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("migrate {url}: {e:?}"));
    db
}

/// A new empty directory under the system's temporary directory.
pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("domovoy-test-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    dir
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{host_part}/{name}?{query}"),
        None => format!("{host_part}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop runs inside the test's runtime, which cannot block on
                // async work; a separate thread with its own runtime can.
                let (admin_url, database) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(async move {
                        let admin = sqlx::PgPool::connect(&admin_url).await.map_err(std::io::Error::other)?;
                        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")))
                            .execute(&admin)
                            .await
                            .map_err(std::io::Error::other)?;
                        admin.close().await;
                        Ok::<_, std::io::Error>(())
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("warning: test database {name} was not dropped");
                }
            }
        }
    }
}

/// Declares async test functions taking `&Db` as tests on SQLite and, when
/// configured, PostgreSQL: `backend_tests!(creates_a_user, …)` makes
/// `sqlite::creates_a_user` and `postgres::creates_a_user`.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let test_db = $crate::testing::TestDb::sqlite().await;
                    super::$name(&test_db.db).await;
                    test_db.db.close().await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(test_db) = $crate::testing::TestDb::postgres().await else { return };
                    super::$name(&test_db.db).await;
                    test_db.db.close().await;
                }
            )+
        }
    };
}

/// One `UPDATE` of these helpers, in a write transaction, its values bound
/// in order.
macro_rules! update {
    ($db:expr, $sql:literal $(, $value:expr)*) => {{
        $db.write(move |tx| {
            Box::pin(async move {
                on_conn!(tx, c => {
                    sqlx::query($sql)$(.bind($value))*.execute(&mut *c).await?.rows_affected()
                });
                Ok::<_, crate::StoreError>(())
            })
        })
        .await?;
        Ok(())
    }};
}

/// Records a migration this build does not know as applied, as a newer
/// release's `migrate` leaves the database (tests of a rolling upgrade and
/// a rollback); answers its version.
pub async fn record_a_newer_migration(db: &Db) -> crate::StoreResult<i64> {
    let version = 99_990_001_i64;
    let recorded: crate::StoreResult<()> = update!(
        db,
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
         VALUES ($1, $2, $3, $4, $5)",
        version,
        "a newer release",
        true,
        vec![0_u8; 48],
        0_i64
    );
    recorded.map(|()| version)
}

/// Spoils a ticket's kept reopen count, as a manual edit would (tests of
/// the recount).
pub async fn spoil_reopen_count(db: &Db, ticket: domovoy_domain::ids::TicketId, count: i64) -> crate::StoreResult<()> {
    update!(db, "UPDATE tickets SET reopen_count = $2 WHERE id = $1", ticket.as_uuid(), count)
}

/// Moves every rating request back to `at`, as if a week had passed
/// (tests of the weekly limit).
pub async fn date_rating_requests(db: &Db, at: chrono::DateTime<chrono::Utc>) -> crate::StoreResult<()> {
    update!(db, "UPDATE rating_requests SET sent_at = $1", at)
}

/// Moves a survey's opening time to `at`, as if its time had come (tests
/// of scheduled openings).
pub async fn date_survey_opening(
    db: &Db,
    survey: domovoy_domain::ids::SurveyId,
    at: chrono::DateTime<chrono::Utc>,
) -> crate::StoreResult<()> {
    update!(db, "UPDATE surveys SET opens_at = $2 WHERE id = $1", survey.as_uuid(), at)
}

/// Moves every sign-in code's times back by `by`, as if that much time
/// had passed (tests of expiry, resending and locks).
pub async fn age_sign_in_codes(db: &Db, by: chrono::Duration) -> crate::StoreResult<()> {
    let rows: Vec<crate::sign_in_codes::CodeRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT phone, code_hash, expires_at, wrong, sent_at, window_started_at, sent_in_window, locked_until
             FROM sign_in_codes",
        )
        .fetch_all(&mut *c)
        .await?
    });
    db.write(move |tx| {
        Box::pin(async move {
            for mut row in rows {
                row.expires_at = row.expires_at.map(|t| t - by);
                row.sent_at = row.sent_at.map(|t| t - by);
                row.window_started_at -= by;
                row.locked_until = row.locked_until.map(|t| t - by);
                crate::sign_in_codes::put(tx, &row).await?;
            }
            Ok::<_, crate::StoreError>(())
        })
    })
    .await?;
    Ok(())
}

/// Lets every waiting outbox message leave now, as if its time had come
/// (tests of scheduled and quiet-hour mailings).
pub async fn release_outbox(db: &Db) -> crate::StoreResult<()> {
    update!(db, "UPDATE outbox SET available_at = $1 WHERE sent_at IS NULL AND failed_at IS NULL", chrono::Utc::now())
}

/// What an anonymity test reads of a survey's stored answers: how many
/// responses it has, how many person, unit, relation and time fields they
/// keep in all, and how many rows of the audit log, the idempotency keys
/// and the participants hold `needle` (an answer's text) anywhere.
pub async fn survey_traces(
    db: &Db,
    survey: domovoy_domain::ids::SurveyId,
    needle: &str,
) -> crate::StoreResult<(i64, i64, i64)> {
    let like = format!("%{needle}%");
    let (responses, linked): (i64, i64) = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT COUNT(*), COUNT(client_id) + COUNT(unit_id) + COUNT(relation) + COUNT(created_at)
             FROM survey_responses WHERE survey_id = $1",
        )
        .bind(survey.as_uuid())
        .fetch_one(&mut *c)
        .await?
    });
    let elsewhere: i64 = on_conn!(db, c => {
        sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM audit_log
                     WHERE summary LIKE $1 OR COALESCE(CAST(before_state AS TEXT), '') LIKE $1
                        OR COALESCE(CAST(after_state AS TEXT), '') LIKE $1)
                  + (SELECT COUNT(*) FROM idempotency_keys WHERE COALESCE(CAST(response AS TEXT), '') LIKE $1)",
        )
        .bind(&like)
        .fetch_one(&mut *c)
        .await?
    });
    Ok((responses, linked, elsewhere))
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u@h/db?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
