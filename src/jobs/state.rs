//! Where a job is in the queue.

/// A job is `queued` until a worker claims it (`running`, under a lease), then `done`, or
/// `queued` again to retry, or `failed` for good. Stored as this lower-case text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum JobState {
    Queued,
    Running,
    Done,
    Failed,
}
