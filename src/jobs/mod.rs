//! The job queue in the database: jobs are claimed atomically with a lease; a worker that
//! dies stops renewing it, and once it runs out another worker takes the job over.

mod store;

pub use store::{
    claim, finish, renew_lease, requeue_failed_media, retry_or_fail, ClaimedJob, RetryOutcome,
};
