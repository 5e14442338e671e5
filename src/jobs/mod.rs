//! The job queue in the database: jobs are claimed atomically with a lease; a worker that
//! dies stops renewing it, and once it runs out another worker takes the job over.

mod state;
mod store;

pub use store::{
    claim, enqueue_transcode, finish, renew_lease, requeue_transcode, retry_or_fail, ClaimedJob,
    RetryOutcome,
};
