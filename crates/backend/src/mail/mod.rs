//! E-mail: messages are written to the `mail_outbox` table in the same transaction as what
//! they are about, and a worker delivers them afterwards — by SMTP when configured, otherwise
//! as `.eml` files in an outbox folder — retrying with back-off, so a mail server outage loses
//! no mail and blocks no order.

pub mod templates;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use customerclient_api::profile::StoreProfile;
use lettre::message::{Attachment, Mailbox, MultiPart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Notify;

use crate::receipt::Receipt;
use crate::store::{QueuedMail, Store, now_ms};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// The order whose receipt this message carries: its text, page and PDF are drawn from
    /// the order when the message is sent (`body` is then empty).
    pub receipt: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain text (a relay on the same host or a test server).
    None,
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

#[derive(Debug, Clone)]
pub enum MailTransport {
    Smtp {
        host: String,
        port: u16,
        security: SmtpSecurity,
        credentials: Option<(String, String)>,
    },
    /// One `.eml` file per message in `dir` (the embedded default).
    Outbox { dir: PathBuf },
}

#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    pub from: String,
    /// First retry after this long; doubles per failure, at most five minutes.
    pub retry_base: Duration,
}

impl MailConfig {
    pub fn outbox(dir: PathBuf) -> Self {
        Self {
            transport: MailTransport::Outbox { dir },
            from: "Fresh Kitchen <kiosk@freshkitchen.example>".into(),
            retry_base: Duration::from_secs(2),
        }
    }
}

enum Sender {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

pub struct Mailer {
    from: Mailbox,
    sender: Sender,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> anyhow::Result<Self> {
        let from: Mailbox = config.from.parse()?;
        let sender = match &config.transport {
            MailTransport::Smtp {
                host,
                port,
                security,
                credentials,
            } => {
                let mut builder = match security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                    SmtpSecurity::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)?,
                }
                .port(*port)
                .timeout(Some(Duration::from_secs(10)));
                if let Some((user, pass)) = credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
                }
                Sender::Smtp(builder.build())
            }
            MailTransport::Outbox { dir } => {
                std::fs::create_dir_all(dir)?;
                Sender::File(AsyncFileTransport::<Tokio1Executor>::new(dir))
            }
        };
        Ok(Self { from, sender })
    }

    /// Sends a plain message, or — with `receipt` — the receipt as text and HTML with its
    /// PDF attached.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        body: &str,
        receipt: Option<Receipt>,
    ) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("bad address: {e}"))?;
        let builder = Message::builder().from(self.from.clone()).to(to);
        let message = match receipt {
            None => builder
                .subject(subject)
                .header(ContentType::TEXT_PLAIN)
                .body(body.to_owned()),
            Some(r) => {
                let pdf = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
                builder.subject(r.subject).multipart(
                    MultiPart::mixed()
                        .multipart(MultiPart::alternative_plain_html(r.text, r.html))
                        .singlepart(Attachment::new(r.file_name).body(r.pdf, pdf)),
                )
            }
        }
        .map_err(|e| e.to_string())?;
        match &self.sender {
            Sender::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Sender::File(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
}

fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1u32 << attempts.clamp(0, 12) as u32;
    (base * factor).min(Duration::from_secs(300))
}

/// How long a claimed message is the claiming worker's to send: far longer than one SMTP
/// exchange (its timeout is 10 s), so a message is taken over only from a worker that died.
pub const MAIL_LEASE: Duration = Duration::from_secs(60);

/// Delivers due outbox mail until the task is aborted. `wake` is notified when mail is queued.
/// Every instance runs one; each message is claimed by one of them (see
/// [`Store::claim_mail`]), so with any number of instances it is sent once.
pub fn spawn_worker(
    store: Store,
    profile: Arc<StoreProfile>,
    mailer: Arc<Mailer>,
    config: MailConfig,
    wake: Arc<Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let worker = format!("mail-{}", uuid::Uuid::new_v4());
    tokio::spawn(async move {
        // Stops between messages: one being sent is finished and marked, never cut off.
        while !*stop.borrow() {
            let now = now_ms();
            let lease_until = now + MAIL_LEASE.as_millis() as i64;
            let due = match store.claim_mail(&worker, now, lease_until, 20).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "claiming mail from the outbox");
                    Vec::new()
                }
            };
            for mail in &due {
                let sent = match receipt_for(&store, &profile, mail).await {
                    Ok(receipt) => {
                        mailer
                            .send(&mail.to, &mail.subject, &mail.body, receipt)
                            .await
                    }
                    Err(e) => Err(e),
                };
                match sent {
                    Ok(()) => {
                        if let Err(e) = store.mark_mail_sent(&mail.id, &worker).await {
                            tracing::error!(error = %e, "marking mail sent");
                        }
                        tracing::info!(mail = %mail.id, subject = %mail.subject, "mail sent");
                    }
                    Err(e) => {
                        // `attempts` counts this claim: the first failure waits `retry_base`.
                        let wait = backoff(config.retry_base, mail.attempts - 1);
                        let at = now_ms() + wait.as_millis() as i64;
                        tracing::warn!(mail = %mail.id, error = %e, attempts = mail.attempts, "mail not sent; will retry");
                        if let Err(e) = store.mark_mail_failed(&mail.id, &worker, &e, at).await {
                            tracing::error!(error = %e, "recording mail failure");
                        }
                    }
                }
            }
            if due.len() == 20 {
                continue;
            }
            // Mail queued by another instance, or a lease running out, is found by this wait.
            let wait = match store.next_mail_due().await.ok().flatten() {
                Some(at) => Duration::from_millis((at - now_ms()).clamp(0, 30_000) as u64),
                None => Duration::from_secs(30),
            };
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    })
}

/// The receipt a message carries, drawn from its order as it stands.
async fn receipt_for(
    store: &Store,
    profile: &Arc<StoreProfile>,
    mail: &QueuedMail,
) -> Result<Option<Receipt>, String> {
    let Some(id) = mail.receipt else {
        return Ok(None);
    };
    crate::receipt::draw(store, profile, id, None)
        .await
        .map_err(|e| format!("the receipt of order {id}: {e}"))?
        .map(Some)
        .ok_or_else(|| format!("order {id} is gone"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_secs(2);
        assert_eq!(backoff(b, 0), Duration::from_secs(2));
        assert_eq!(backoff(b, 3), Duration::from_secs(16));
        assert_eq!(backoff(b, 40), Duration::from_secs(300));
    }
}
