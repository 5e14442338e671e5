//! Sign-in throttling. Failed attempts are counted per account and per client address
//! (an IPv6 client by its /64, which one subscriber usually holds whole); a key over its
//! limit is refused before any password is hashed, so guessing costs the attacker time
//! and the service nothing. Successes are free: a NAT full of real users signing in is
//! never throttled, only its failures are. The same client limit guards refresh tokens
//! and blog links.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::limiter::Limiter;
use super::password::HashPool;
use crate::config::AuthSettings;
use crate::net::ClientIp;

/// Failures between sweeps of keys whose window has passed.
const SWEEP_EVERY: u32 = 1024;
/// Longest username kept as a key (longer ones are not valid names anyway).
const MAX_KEY_CHARS: usize = 64;

/// Too many failures: come back after `retry_after`.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("too many failed attempts; try again in {} s", retry_after_secs(*.retry_after))]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// The `Retry-After` value: whole seconds, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        retry_after_secs(self.retry_after)
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The sign-in limits and the pool that hashes passwords.
pub struct SignInGuard {
    accounts: Limiter<String>,
    clients: Limiter<IpAddr>,
    failures: AtomicU32,
    pub hashing: HashPool,
}

impl SignInGuard {
    /// Limits and pool from the `auth` settings.
    pub fn new(settings: &AuthSettings) -> SignInGuard {
        let window = Duration::from_secs(settings.signin_window_secs);
        SignInGuard {
            accounts: Limiter::new(settings.signin_account_failures, window),
            clients: Limiter::new(settings.signin_ip_failures, window),
            failures: AtomicU32::new(0),
            hashing: HashPool::new(settings.hash_concurrency, settings.hash_queue),
        }
    }

    /// Refuses if the account (when one is named) or the client is over its limit.
    pub fn admit(&self, account: Option<&str>, client: ClientIp) -> Result<(), Throttled> {
        let account = account.map(account_key);
        let waits = [
            account.and_then(|a| self.accounts.check(&a).err()),
            self.clients.check(&client.limit_key()).err(),
        ];
        match waits.into_iter().flatten().max() {
            Some(retry_after) => Err(Throttled { retry_after }),
            None => Ok(()),
        }
    }

    /// Counts a failed attempt against the account (if named) and the client.
    pub fn failed(&self, account: Option<&str>, client: ClientIp) {
        // Attempts already in flight when the limit was reached fail past it; that only
        // lengthens the wait, which is right.
        if let Some(account) = account {
            let _ = self.accounts.spend(&account_key(account));
        }
        let _ = self.clients.spend(&client.limit_key());
        if self.failures.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.accounts.forget_idle();
            self.clients.forget_idle();
        }
    }
}

/// Usernames are case-insensitive, so `Alice` and `alice` share a limit.
fn account_key(username: &str) -> String {
    username
        .trim()
        .chars()
        .take(MAX_KEY_CHARS)
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(account: u32, ip: u32) -> SignInGuard {
        let mut settings = crate::config::Settings::load(None).unwrap().auth;
        settings.signin_account_failures = account;
        settings.signin_ip_failures = ip;
        SignInGuard::new(&settings)
    }

    fn client(ip: &str) -> ClientIp {
        ClientIp(ip.parse().unwrap())
    }

    #[test]
    fn an_account_is_throttled_whatever_the_case_of_its_name() {
        let g = guard(2, 100);
        g.failed(Some("Alice"), client("1.1.1.1"));
        g.failed(Some("alice"), client("2.2.2.2"));
        let refused = g.admit(Some("ALICE"), client("3.3.3.3")).unwrap_err();
        assert!(refused.retry_after_secs() >= 1);
        assert!(g.admit(Some("bob"), client("3.3.3.3")).is_ok());
    }

    #[test]
    fn a_client_is_throttled_across_accounts_and_v6_by_its_64() {
        let g = guard(100, 2);
        g.failed(Some("a"), client("2001:db8:1:2::1"));
        g.failed(Some("b"), client("2001:db8:1:2::ffff"));
        assert!(g.admit(Some("c"), client("2001:db8:1:2:3::9")).is_err());
        assert!(g.admit(Some("c"), client("2001:db8:1:3::1")).is_ok());
        assert!(g.admit(None, client("9.9.9.9")).is_ok());
    }
}
