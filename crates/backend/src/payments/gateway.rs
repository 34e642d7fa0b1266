//! The payment gateway boundary. Card data goes to a [`PaymentGateway`] and nowhere else; what
//! comes back — a token, the brand and the last four digits — is all the rest of the backend
//! ever sees of a card.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use customerclient_api::Money;
use customerclient_api::card::{self, Brand, CardDetails};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub struct ChargeRequest<'a> {
    pub card: &'a CardDetails,
    pub amount: &'a Money,
    /// The same key for a retried request: a gateway charges each key at most once.
    pub idempotency_key: &'a str,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    /// Opaque token that stands for the card at the gateway.
    pub token: String,
    pub brand: Brand,
    pub last4: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("the card was declined")]
    Declined,
    #[error("insufficient funds on the card")]
    InsufficientFunds,
    #[error("the bank did not answer in time")]
    Timeout,
    #[error("the payment service is unavailable: {0}")]
    Unavailable(String),
    /// The gateway holds no charge under the attempt's key: the request never reached it.
    #[error("the attempt was interrupted before the gateway charged it")]
    Interrupted,
}

pub trait PaymentGateway: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn charge<'a>(
        &'a self,
        request: ChargeRequest<'a>,
    ) -> BoxFuture<'a, Result<Charge, GatewayError>>;
    /// Charges a card by the token an earlier charge returned (a saved card).
    fn charge_token<'a>(
        &'a self,
        token: &'a str,
        amount: &'a Money,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Charge, GatewayError>>;
    /// What became of the charge made under `idempotency_key`: `Ok(None)` when the gateway
    /// never charged under it, an error while it cannot say (recovery after a crash asks).
    fn lookup<'a>(
        &'a self,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Result<Charge, GatewayError>>, GatewayError>>;
    /// Gives back the money of a charge; refunding one charge twice refunds it once.
    fn refund<'a>(&'a self, charge_id: &'a str) -> BoxFuture<'a, Result<(), GatewayError>>;
}

/// How long the sandbox takes to approve [`test_cards::SLOW`].
pub const SLOW_APPROVAL: Duration = Duration::from_millis(150);

/// Test cards of the sandbox, after the usual public conventions.
pub mod test_cards {
    pub const APPROVED: &str = "4242424242424242";
    pub const DECLINED: &str = "4000000000000002";
    pub const INSUFFICIENT_FUNDS: &str = "4000000000009995";
    /// Never answers within the gateway timeout.
    pub const TIMES_OUT: &str = "4000000000000119";
    /// Approved after [`super::SLOW_APPROVAL`]: a charge long enough in flight to crash in.
    pub const SLOW: &str = "4000000000003204";
}

type Outcome = Arc<tokio::sync::OnceCell<Result<Charge, GatewayError>>>;

/// A gateway for demos and tests: approves every valid card except the test cards above,
/// charges each idempotency key at most once (concurrent requests with one key wait for the
/// first one's answer), and counts the charges and refunds it made. It lives in the
/// process's memory, as a real gateway's records live at the gateway.
pub struct SandboxGateway {
    outcomes: Mutex<HashMap<String, Outcome>>,
    refunded: Mutex<std::collections::HashSet<String>>,
    /// Tokens this sandbox issued, with the card they stand for (brand, last four).
    tokens: Mutex<HashMap<String, (Brand, String)>>,
    charges: AtomicU64,
    /// How long the "times out" card takes to answer.
    pub slow_answer: Duration,
}

impl Default for SandboxGateway {
    fn default() -> Self {
        Self {
            outcomes: Mutex::new(HashMap::new()),
            refunded: Mutex::new(Default::default()),
            tokens: Mutex::new(HashMap::new()),
            charges: AtomicU64::new(0),
            slow_answer: Duration::from_secs(120),
        }
    }
}

impl SandboxGateway {
    pub fn with_slow_answer(slow_answer: Duration) -> Self {
        Self {
            slow_answer,
            ..Self::default()
        }
    }

    /// Successful charges made so far.
    pub fn charges(&self) -> u64 {
        self.charges.load(Ordering::SeqCst)
    }

    /// Charges refunded so far.
    pub fn refunds(&self) -> u64 {
        self.refunded.lock().map_or(0, |r| r.len() as u64)
    }

    fn cell(&self, key: &str) -> Outcome {
        let mut m = self.outcomes.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(key.to_owned()).or_default().clone()
    }
}

/// A charge request cut off before the sandbox answered (its caller gave up) is forgotten,
/// as a gateway that never received it: otherwise the key would read "being charged"
/// forever and recovery could never resolve its attempt.
struct ForgetIfCut<'a> {
    gateway: &'a SandboxGateway,
    key: &'a str,
    cell: Outcome,
}

impl Drop for ForgetIfCut<'_> {
    fn drop(&mut self) {
        if self.cell.get().is_some() {
            return;
        }
        let mut m = self
            .gateway
            .outcomes
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Only when nobody else waits on the same key (the map and this guard hold it).
        if m.get(self.key).is_some_and(|c| Arc::ptr_eq(c, &self.cell))
            && Arc::strong_count(&self.cell) == 2
        {
            m.remove(self.key);
        }
    }
}

impl PaymentGateway for SandboxGateway {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn charge<'a>(
        &'a self,
        request: ChargeRequest<'a>,
    ) -> BoxFuture<'a, Result<Charge, GatewayError>> {
        Box::pin(async move {
            let guard = ForgetIfCut {
                gateway: self,
                key: request.idempotency_key,
                cell: self.cell(request.idempotency_key),
            };
            guard
                .cell
                .get_or_init(|| async {
                    let number = request.card.number.as_str();
                    match number {
                        test_cards::DECLINED => Err(GatewayError::Declined),
                        test_cards::INSUFFICIENT_FUNDS => Err(GatewayError::InsufficientFunds),
                        test_cards::TIMES_OUT => {
                            tokio::time::sleep(self.slow_answer).await;
                            Err(GatewayError::Timeout)
                        }
                        _ => {
                            if number == test_cards::SLOW {
                                tokio::time::sleep(SLOW_APPROVAL).await;
                            }
                            let mut token = [0u8; 16];
                            getrandom::fill(&mut token)
                                .map_err(|e| GatewayError::Unavailable(e.to_string()))?;
                            self.charges.fetch_add(1, Ordering::SeqCst);
                            let charge = Charge {
                                id: format!("ch_{}", uuid::Uuid::new_v4().simple()),
                                token: format!("tok_{}", hex::encode(token)),
                                brand: card::brand(number),
                                last4: card::last4(number).to_owned(),
                            };
                            if let Ok(mut t) = self.tokens.lock() {
                                t.insert(
                                    charge.token.clone(),
                                    (charge.brand, charge.last4.clone()),
                                );
                            }
                            Ok(charge)
                        }
                    }
                })
                .await
                .clone()
        })
    }

    fn charge_token<'a>(
        &'a self,
        token: &'a str,
        _amount: &'a Money,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Charge, GatewayError>> {
        Box::pin(async move {
            let cell = self.cell(idempotency_key);
            cell.get_or_init(|| async {
                let card = self.tokens.lock().ok().and_then(|t| t.get(token).cloned());
                match card {
                    Some((brand, last4)) => {
                        self.charges.fetch_add(1, Ordering::SeqCst);
                        Ok(Charge {
                            id: format!("ch_{}", uuid::Uuid::new_v4().simple()),
                            token: token.to_owned(),
                            brand,
                            last4,
                        })
                    }
                    // Not a token of ours (or the sandbox restarted): the bank knows no such card.
                    None => Err(GatewayError::Declined),
                }
            })
            .await
            .clone()
        })
    }

    fn lookup<'a>(
        &'a self,
        idempotency_key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Result<Charge, GatewayError>>, GatewayError>> {
        Box::pin(async move {
            let cell = self
                .outcomes
                .lock()
                .ok()
                .and_then(|m| m.get(idempotency_key).cloned());
            match cell {
                None => Ok(None),
                Some(c) => match c.get() {
                    Some(done) => Ok(Some(done.clone())),
                    // Being charged right now: no answer yet, ask again later.
                    None => Err(GatewayError::Unavailable("charge in progress".into())),
                },
            }
        })
    }

    fn refund<'a>(&'a self, charge_id: &'a str) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            if let Ok(mut r) = self.refunded.lock() {
                r.insert(charge_id.to_owned());
            }
            Ok(())
        })
    }
}
