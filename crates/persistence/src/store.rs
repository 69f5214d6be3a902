//! The async face of the store.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::SqliteConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager as _};

use crate::db::{
    self, AnyConnection, Backend, DatabaseUrl, Pool, PoolOptions, PooledConnection, deadline,
};
use crate::error::{Cause, StoreError};
use crate::secrets::Keyring;

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    /// SQLite has one writer at a time. Queueing our own writers here, rather than in
    /// SQLite's busy handler, means a transaction that read first never loses its lock
    /// upgrade to another of our transactions (which SQLite reports as `SQLITE_BUSY` at once).
    write_lock: Arc<Mutex<()>>,
    statements: Arc<AtomicU64>,
    /// Checks of pooled PostgreSQL connections before loans.
    checks: Arc<AtomicU64>,
    /// Trips to the database ([`Store::read`] and [`Store::write`] calls), each a hop to a
    /// blocking thread and a connection.
    trips: Arc<AtomicU64>,
    /// Write transactions ([`Store::write`] and [`Store::write_blocking`] calls) begun.
    writes: Arc<AtomicU64>,
    counts: Arc<crate::counts::CountMemo>,
    /// One permit a pooled connection: a request waits here, on the runtime, rather than on a
    /// blocking thread of its own that waits for a connection. Threads stay as few as the
    /// connections (each thread costs its stack and its allocator's cache), and a burst of
    /// requests queues in order.
    permits: Arc<tokio::sync::Semaphore>,
    /// How long a request waits for a permit before it fails as unavailable.
    acquire_timeout: Duration,
    /// When the request this handle serves gives up (see [`Store::with_deadline`]).
    deadline: Option<std::time::Instant>,
    /// The master keys that seal and open stored secrets (see [`crate::secrets`]).
    keyring: Arc<Keyring>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish()
    }
}

impl Store {
    /// Connects and migrates. Blocking: call it before serving, or on a blocking thread.
    pub fn open(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        let store = Self::connect(url, options)?;
        store.migrate()?;
        Ok(store)
    }

    /// Connects without migrating. Blocking.
    pub fn connect(url: &DatabaseUrl, options: &PoolOptions) -> Result<Self, StoreError> {
        let statements = Arc::new(AtomicU64::new(0));
        let checks = Arc::new(AtomicU64::new(0));
        Ok(Self {
            pool: db::connect(url, options, Arc::clone(&statements), Arc::clone(&checks))?,
            checks,
            backend: url.backend(),
            write_lock: Arc::new(Mutex::new(())),
            statements,
            trips: Arc::default(),
            writes: Arc::default(),
            counts: Arc::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(
                options.max_connections.max(1) as usize
            )),
            acquire_timeout: options.acquire_timeout,
            deadline: None,
            keyring: Arc::default(),
        })
    }

    /// This store, for a request that gives up at `deadline`: its reads wait for a
    /// connection no longer than that, do not start past it, and a SQLite statement still
    /// running then is ended (see [`crate::db::deadline`]; PostgreSQL's statements are ended
    /// by the server's `statement_timeout`). Writes are not cut short: a change runs to its
    /// commit or rolls back as a whole.
    pub fn with_deadline(&self, deadline: std::time::Instant) -> Self {
        Self {
            deadline: Some(deadline),
            ..self.clone()
        }
    }

    /// This store, sealing and opening secrets with `keyring`.
    pub fn with_keyring(self, keyring: Keyring) -> Self {
        Self {
            keyring: Arc::new(keyring),
            ..self
        }
    }

    /// The master keys that seal and open stored secrets, for the queries that take them.
    pub fn keyring(&self) -> Arc<Keyring> {
        Arc::clone(&self.keyring)
    }

    /// Applies pending migrations; returns the versions applied. Blocking.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let applied = db::migrate(&mut *self.conn()?)?;
        for version in &applied {
            tracing::info!(%version, "applied migration");
        }
        Ok(applied)
    }

    /// Connections the pool has open, and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// How many SQL statements this store's connections have run since it opened.
    pub fn statements_run(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// How many times a pooled PostgreSQL connection was checked (`SELECT 1`) before a loan
    /// since this store opened (not among [`statements_run`](Self::statements_run)).
    pub fn checks_made(&self) -> u64 {
        self.checks.load(Ordering::Relaxed)
    }

    /// How many trips to the database (reads and writes) this store has made since it opened.
    pub fn trips_made(&self) -> u64 {
        self.trips.load(Ordering::Relaxed)
    }

    /// How many write transactions this store has begun since it opened.
    pub fn writes_made(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// List counts remembered until the content changes (see [`crate::counts`]).
    pub fn counts(&self) -> Arc<crate::counts::CountMemo> {
        Arc::clone(&self.counts)
    }

    /// Which backend this store is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Borrows a connection. Blocking: for startup, the command line and tests.
    pub fn conn(&self) -> Result<PooledConnection, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` in one transaction, committed if it returns `Ok`. Blocking.
    ///
    /// On SQLite the transaction is `BEGIN IMMEDIATE`: it takes the write lock up front
    /// (waiting for it under the busy timeout) instead of failing at once when a transaction
    /// that has read tries to write while another process holds the lock. Transactions that
    /// `f` opens itself become savepoints inside it.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction_blocking(f)
    }

    /// [`write_blocking`](Self::write_blocking) for a caller with an error of its own (the
    /// application layer refuses a change inside the transaction that read what it decides
    /// on): any `Err` rolls back.
    pub fn transaction_blocking<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        type Manager = <AnyConnection as diesel::Connection>::TransactionManager;
        self.writes.fetch_add(1, Ordering::Relaxed);
        let _guard = match self.backend {
            Backend::Sqlite => Some(self.write_lock.lock().unwrap_or_else(|p| p.into_inner())),
            Backend::Postgres => None,
        };
        let mut pooled = self.conn()?;
        let conn: &mut AnyConnection = &mut pooled;
        if matches!(conn, AnyConnection::Sqlite(_)) {
            sqlite_tx(conn, |c| {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
            })?;
        } else {
            Manager::begin_transaction(conn).map_err(StoreError::from)?;
        }
        let sqlite = matches!(conn, AnyConnection::Sqlite(_));
        match f(conn) {
            Ok(value) => {
                if sqlite {
                    sqlite_tx(conn, AnsiTransactionManager::commit_transaction)?;
                } else {
                    Manager::commit_transaction(conn).map_err(StoreError::from)?;
                }
                Ok(value)
            }
            Err(e) => {
                let rolled_back = if sqlite {
                    sqlite_tx(conn, AnsiTransactionManager::rollback_transaction)
                } else {
                    Manager::rollback_transaction(conn).map_err(StoreError::from)
                };
                if let Err(rollback) = rolled_back {
                    tracing::error!(error = %rollback, "rollback failed");
                }
                Err(e)
            }
        }
    }

    /// Runs read-only `f` on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self.permit().await?;
        let pool = self.pool.clone();
        let deadline = self.deadline;
        blocking(move || {
            // Held until the work is done, not until the request stops waiting for it: a
            // request that gave up must not let another in while its statement still runs.
            let _permit = permit;
            let _deadline = deadline::Scope::enter(deadline);
            if deadline::passed() {
                return Err(StoreError::TimedOut);
            }
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
    }

    /// Waits (up to the pool's acquire timeout, or the deadline if sooner) for a turn on a
    /// connection.
    async fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, StoreError> {
        self.trips.fetch_add(1, Ordering::Relaxed);
        let wait = match self.deadline {
            Some(deadline) => self
                .acquire_timeout
                .min(deadline.saturating_duration_since(std::time::Instant::now())),
            None => self.acquire_timeout,
        };
        match tokio::time::timeout(wait, Arc::clone(&self.permits).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(StoreError::Internal(Cause::new(closed))),
            Err(_) if wait < self.acquire_timeout => Err(StoreError::TimedOut),
            Err(_) => Err(StoreError::Unavailable(Cause::new(format!(
                "no database connection came free within {:?}",
                self.acquire_timeout
            )))),
        }
    }

    /// Runs `f` in one transaction on a blocking thread.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        self.transaction(f).await
    }

    /// [`write`](Self::write) for a caller with an error of its own: any `Err` rolls back.
    pub async fn transaction<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
    {
        let permit = self.permit().await?;
        let store = self.clone();
        match tokio::task::spawn_blocking(move || {
            let _permit = permit;
            store.transaction_blocking(f)
        })
        .await
        {
            Ok(result) => result,
            Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
            Err(join) => Err(StoreError::Internal(Cause::new(join)).into()),
        }
    }

    /// Checks the database answers within `timeout`.
    pub async fn ping(&self, timeout: Duration) -> Result<(), StoreError> {
        let pool = self.pool.clone();
        blocking(move || {
            let mut conn = pool.get_timeout(timeout)?;
            diesel::r2d2::R2D2Connection::ping(&mut **conn).map_err(StoreError::from)
        })
        .await
    }
}

/// Runs a transaction-manager step on the SQLite connection inside `conn`.
fn sqlite_tx(
    conn: &mut AnyConnection,
    step: impl FnOnce(&mut SqliteConnection) -> diesel::QueryResult<()>,
) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Sqlite(c) => Ok(step(c)?),
        AnyConnection::Postgres(_) => Err(StoreError::internal("not a SQLite connection")),
    }
}

async fn blocking<T, F>(f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, StoreError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        Err(join) => Err(StoreError::Internal(Cause::new(join))),
    }
}
