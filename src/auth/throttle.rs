//! Sign-in throttling. Failed attempts are counted per account and per client address
//! (an IPv6 client by its /64, which one subscriber usually holds whole); a key over its
//! limit is refused before any password is hashed, so guessing costs the attacker time
//! and the service nothing. An attempt holds its cells while it is hashed, so guesses
//! fired at once count before their hashes finish, and one address may have only a few
//! attempts in flight, so its flood cannot fill the hashing queue ahead of everyone else.
//! Successes are free: a NAT full of real users signing in is never throttled, only its
//! failures are. The same client limit guards refresh tokens and blog links.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::limiter::Limiter;
use super::password::HashPool;
use crate::config::AuthSettings;
use crate::net::ClientIp;

/// Failures between sweeps of keys whose window has passed.
const SWEEP_EVERY: u32 = 1024;
/// Longest username kept as a key (longer ones are not valid names anyway).
const MAX_KEY_CHARS: usize = 64;
/// What a client with too many attempts in flight is told to wait.
const IN_FLIGHT_WAIT: Duration = Duration::from_secs(1);

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
    /// Attempts each client address has in flight, and how many it may.
    in_flight: Mutex<HashMap<IpAddr, u32>>,
    max_in_flight: u32,
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
            in_flight: Mutex::new(HashMap::new()),
            max_in_flight: settings.signin_ip_in_flight.max(1),
            failures: AtomicU32::new(0),
            hashing: HashPool::new(settings.hash_concurrency, settings.hash_queue),
        }
    }

    /// Admits an attempt unless the account (when one is named) or the client is over
    /// its limit. The attempt holds a cell of each until it ends, so attempts still in
    /// flight count: a burst of guesses fired at once gets no more hashes than the limit.
    pub fn admit(&self, account: Option<&str>, client: ClientIp) -> Result<Attempt<'_>, Throttled> {
        let account = account.map(account_key);
        let client = client.limit_key();
        self.enter(client)?;
        let account_wait = account.as_ref().and_then(|a| self.accounts.spend(a).err());
        let client_wait = match account_wait {
            // Refused anyway: ask without spending, only for the longer of the two waits.
            Some(_) => self.clients.check(&client).err(),
            None => self.clients.spend(&client).err(),
        };
        if account_wait.is_none() && client_wait.is_some() {
            if let Some(account) = &account {
                self.accounts.refund(account);
            }
        }
        match account_wait.max(client_wait) {
            Some(retry_after) => {
                self.leave(client);
                Err(Throttled { retry_after })
            }
            None => Ok(Attempt {
                guard: self,
                account,
                client,
                failed: false,
            }),
        }
    }

    /// Counts an attempt of `client` in flight, unless it has its most already.
    fn enter(&self, client: IpAddr) -> Result<(), Throttled> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        let count = in_flight.entry(client).or_insert(0);
        if *count >= self.max_in_flight {
            return Err(Throttled {
                retry_after: IN_FLIGHT_WAIT,
            });
        }
        *count += 1;
        Ok(())
    }

    /// An attempt of `client` ended.
    fn leave(&self, client: IpAddr) {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = in_flight.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&client);
            }
        }
    }

    fn sweep_now_and_then(&self) {
        if self.failures.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.accounts.forget_idle();
            self.clients.forget_idle();
        }
    }
}

/// An admitted sign-in (or refresh, or blog link) attempt. It keeps the cells it took
/// only when [`Attempt::failed`] says so; an attempt that succeeds, or ends for a reason
/// that is not the client's (the database, a full hashing queue), gives them back when
/// dropped.
#[must_use = "an attempt must end: call failed() when the credentials were wrong"]
pub struct Attempt<'a> {
    guard: &'a SignInGuard,
    account: Option<String>,
    client: IpAddr,
    failed: bool,
}

impl Attempt<'_> {
    /// The credentials were wrong: the attempt counts against the account and the client.
    pub fn failed(mut self) {
        self.failed = true;
        // The cells were taken when the attempt began; taken again now, the failure's
        // window starts when it failed, however long the hash took.
        let guard = self.guard;
        if let Some(account) = &self.account {
            guard.accounts.refund(account);
            let _ = guard.accounts.spend(account);
        }
        guard.clients.refund(&self.client);
        let _ = guard.clients.spend(&self.client);
        guard.sweep_now_and_then();
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.guard.leave(self.client);
        if self.failed {
            return;
        }
        if let Some(account) = &self.account {
            self.guard.accounts.refund(account);
        }
        self.guard.clients.refund(&self.client);
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
        settings.signin_ip_in_flight = 100;
        SignInGuard::new(&settings)
    }

    fn client(ip: &str) -> ClientIp {
        ClientIp(ip.parse().unwrap())
    }

    fn fail(g: &SignInGuard, account: Option<&str>, ip: &str) {
        g.admit(account, client(ip)).unwrap().failed();
    }

    #[test]
    fn an_account_is_throttled_whatever_the_case_of_its_name() {
        let g = guard(2, 100);
        fail(&g, Some("Alice"), "1.1.1.1");
        fail(&g, Some("alice"), "2.2.2.2");
        let refused = g.admit(Some("ALICE"), client("3.3.3.3")).err().unwrap();
        assert!(refused.retry_after_secs() >= 1);
        assert!(g.admit(Some("bob"), client("3.3.3.3")).is_ok());
    }

    #[test]
    fn a_client_is_throttled_across_accounts_and_v6_by_its_64() {
        let g = guard(100, 2);
        fail(&g, Some("a"), "2001:db8:1:2::1");
        fail(&g, Some("b"), "2001:db8:1:2::ffff");
        assert!(g.admit(Some("c"), client("2001:db8:1:2:3::9")).is_err());
        assert!(g.admit(Some("c"), client("2001:db8:1:3::1")).is_ok());
        assert!(g.admit(None, client("9.9.9.9")).is_ok());
    }

    #[test]
    fn attempts_in_flight_count_against_the_limit() {
        let g = guard(3, 100);
        let in_flight: Vec<_> = (0..3)
            .map(|i| {
                g.admit(Some("alice"), client(&format!("1.1.1.{i}")))
                    .unwrap()
            })
            .collect();
        assert!(
            g.admit(Some("alice"), client("2.2.2.2")).is_err(),
            "three guesses are being hashed: a fourth must wait, not hash too"
        );
        drop(in_flight);
        assert!(
            g.admit(Some("alice"), client("2.2.2.2")).is_ok(),
            "attempts that did not fail give their cells back"
        );
    }

    #[test]
    fn a_refused_client_does_not_spend_the_account() {
        let g = guard(2, 1);
        fail(&g, Some("x"), "1.1.1.1");
        for _ in 0..5 {
            assert!(g.admit(Some("alice"), client("1.1.1.1")).is_err());
        }
        let first = g.admit(Some("alice"), client("2.2.2.2")).unwrap();
        let second = g.admit(Some("alice"), client("3.3.3.3")).unwrap();
        drop((first, second));
    }

    #[test]
    fn one_address_has_only_so_many_attempts_in_flight() {
        let mut settings = crate::config::Settings::load(None).unwrap().auth;
        settings.signin_ip_in_flight = 2;
        let g = SignInGuard::new(&settings);
        let first = g.admit(Some("a"), client("1.1.1.1")).unwrap();
        let second = g.admit(Some("b"), client("1.1.1.1")).unwrap();
        let refused = g.admit(Some("c"), client("1.1.1.1")).err().unwrap();
        assert_eq!(refused.retry_after_secs(), 1);
        assert!(
            g.admit(Some("c"), client("2.2.2.2")).is_ok(),
            "others are served"
        );
        first.failed();
        let third = g.admit(Some("c"), client("1.1.1.1")).unwrap();
        drop((second, third));
        assert!(
            g.in_flight.lock().unwrap().is_empty(),
            "ended attempts are forgotten"
        );
    }
}
